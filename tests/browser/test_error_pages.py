"""The error pages people can meet, in a real browser, each checked with axe and at
320px: a refused form (400), too much sent at once (413), too many sign-in attempts
(429), a fault in the service (500) and the database out of reach (503). (Not found
and no access, 404 and 403, are visited in the journeys.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from courseapp.extensions import db
from tests.browser.conftest import LiveServer, check_page, heading, serve, sign_in
from tests.conftest import build_app, sqlite_url


@pytest.mark.browser
def test_a_tampered_form_gets_the_400_page(page: Page, live_server: LiveServer):
    page.goto(f"{live_server.url}/register")
    page.get_by_label("Enter your join code").fill("ABCD-EFGH")
    # What nobody can type, added to the form as a tampered post would: a null character.
    page.evaluate(
        """() => { const form = document.querySelector('main form');
                   const input = document.createElement('input');
                   input.type = 'hidden'; input.name = 'code'; input.value = '\\u0000';
                   form.appendChild(input); }"""
    )
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, "There is a problem with what was sent")).to_be_visible()
    expect(page.get_by_text("null character")).to_be_visible()
    check_page(page, "bad-request")


@pytest.mark.browser
def test_too_much_sent_gets_the_413_page(page: Page, tmp_path: Path):
    app = build_app(sqlite_url(tmp_path), tmp_path, WTF_CSRF_ENABLED=True,
                    MAX_CONTENT_LENGTH=2000)  # fmt: skip
    with app.app_context():
        db.create_all()
    with serve(app) as server:
        page.goto(f"{server.url}/register")
        page.get_by_label("Enter your join code").fill("ABCD-EFGH " * 400)
        page.get_by_role("button", name="Continue").click()
        expect(heading(page, "What you sent is too large")).to_be_visible()
        check_page(page, "too-large")


@pytest.mark.browser
def test_too_many_sign_in_attempts_gets_the_429_page(page: Page, tmp_path: Path):
    app = build_app(sqlite_url(tmp_path), tmp_path, WTF_CSRF_ENABLED=True,
                    RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")  # fmt: skip
    with app.app_context():
        db.create_all()
    with serve(app) as server:
        page.goto(f"{server.url}/login")
        for _ in range(3):
            sign_in(page, "someone@example.org", "not the right password")
        expect(heading(page, "Too many attempts")).to_be_visible()
        check_page(page, "too-many-attempts")


@pytest.mark.browser
def test_a_fault_gets_the_500_page(page: Page, tmp_path: Path):
    app = build_app(sqlite_url(tmp_path), tmp_path)

    @app.get("/fault")
    def fault():
        raise RuntimeError("a fault in the service")

    with app.app_context():
        db.create_all()
    with serve(app) as server:
        response = page.goto(f"{server.url}/fault")
        assert response is not None and response.status == 500
        expect(heading(page, "Sorry, there is a problem with the service")).to_be_visible()
        expect(page.get_by_text("a fault in the service")).to_have_count(0)
        check_page(page, "server-error")


@pytest.mark.browser
def test_the_database_out_of_reach_gets_the_503_page(page: Page, tmp_path: Path):
    app = build_app(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}", tmp_path)
    with serve(app) as server:
        page.goto(f"{server.url}/login")
        sign_in(page, "someone@example.org", "a long enough password")
        expect(heading(page, "Sorry, the service is unavailable")).to_be_visible()
        check_page(page, "service-unavailable")
