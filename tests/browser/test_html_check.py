"""The live server checks the HTML of every page a browser test loads (see serve and
html_check.DocumentRecorder): a page with an error fails the test that loaded it, and
the failure names the page type, its address and the error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from courseapp.extensions import db
from tests.browser.conftest import serve
from tests.conftest import build_app, sqlite_url

TWO_OF_ONE_ID = """<!DOCTYPE html>
<html lang="en"><head><title>Two forms</title></head>
<body><p id="csrf_token">One</p><p id="csrf_token">Two</p></body></html>"""


@pytest.mark.browser
def test_a_page_a_test_loads_is_checked_when_it_ends(page: Page, tmp_path: Path):
    app = build_app(sqlite_url(tmp_path), tmp_path)

    @app.get("/two-forms")
    def two_forms():
        return TWO_OF_ONE_ID

    with app.app_context():
        db.create_all()
    with pytest.raises(pytest.fail.Exception) as failed, serve(app) as server:
        page.goto(f"{server.url}/two-forms")
        page.goto(f"{server.url}/login")  # a valid page: not in the failure
    message = str(failed.value)
    assert "two_forms GET 200 (/two-forms)" in message
    assert "Duplicate ID “csrf_token”" in message
    assert "/login" not in message
