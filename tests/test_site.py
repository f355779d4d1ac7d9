"""Public pages: start, support, exit, health."""

from __future__ import annotations

from courseapp.static_files import fingerprinted
from tests.conftest import login


def test_start_page_has_no_crown_and_no_brand_font(client):
    page = client.get("/").get_data(as_text=True)
    assert "govuk-logo" not in page and "govuk-header__logo" not in page
    assert "Crown copyright" not in page
    assert 'href="/exit"' in page  # Exit this page
    assert 'href="/support"' in page
    assert 'class="govuk-skip-link"' in page


def test_stylesheet_does_not_use_the_gov_uk_font(client):
    with client.get(f"/static/{fingerprinted('app.css')}") as response:
        assert response.status_code == 200
        css = response.get_data(as_text=True)
    assert "GDS Transport" not in css and "@font-face" not in css


def test_support_page_is_rendered_from_the_content_file(client):
    page = client.get("/support").get_data(as_text=True)
    assert "0808 2000 247" in page and "999" in page
    assert 'class="app-prose"' in page and "<table>" in page


def test_exit_clears_the_session_and_leaves_for_a_neutral_site(client, make_user):
    login(client, make_user())
    response = client.get("/exit")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://www.bbc.co.uk/weather"
    assert response.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as sess:
        assert dict(sess) == {}
    assert client.get("/account").status_code == 302


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
