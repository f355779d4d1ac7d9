"""Public pages: start, support, exit, health."""

from __future__ import annotations

import re

from courseapp.accounts.models import Role
from courseapp.static_files import fingerprinted
from tests.conftest import login, sign_in


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


def test_each_page_fills_its_frame_with_its_own_title_nonce_menu_and_token(
    csrf_app, make_user, make_org
):
    """The frame around every page is drawn once for each kind of person and section
    (templating.page_frame); what differs between pages and responses is put in on
    each: the title, the script nonce the CSP names, the menu item marked and the
    sign-out form's token."""
    org = make_org()
    client = csrf_app.test_client()
    sign_in(client, make_user(Role.COORDINATOR, organisation=org))
    nonces = set()
    for path, title, marked in [
        ("/organisations", "Organisations", "Organisations"),
        ("/reports", "Reports", "Reports"),
        ("/organisations", "Organisations", "Organisations"),
    ]:
        response = client.get(path, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert re.search(f"<title>[^<]*{title}[^<]* \N{EN DASH} ", page)
        nonce = re.search(r'<script nonce="([^"]+)">', page).group(1)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.add(nonce)
        menu = page.split('<nav aria-label="Menu"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'aria-current="true">\s*<strong[^>]*>([^<]+)', menu) == [marked]
        assert "__csrf_token__" not in page and "\x00" not in page
    assert len(nonces) == 3
    # The sign-out form's token is this session's: signing out with it works.
    token = re.search(r'action="/logout"[^>]*>\s*<input[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/account").status_code == 302
