"""Single sign-on in a real browser: an administrator connects an organisation to a
real OpenID Provider (the `oidc-provider` package), then staff sign in through the
provider's own login and consent pages. axe checks every page of the platform's on the
way (the provider's pages are not ours and are not checked)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

ORGANISATION = "Eastbrook Council"
# The provider's own pages ask for web fonts; nothing here leaves this machine.
ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
# Several redirects between the provider and the platform follow one click.
ROUND_TRIP_MS = 20_000
ADMIN_EMAIL = "lee.admin@platform.example.org"
ADMIN_PASSWORD = "quartz meadow lantern oboe"
LINKED_PASSWORD = "pebble harbour violet kite"


@pytest.fixture
def provider(live_server: LiveServer, tmp_path: Path) -> Iterator[Provider]:
    with running_provider(
        tmp_path / "oidc",
        keys_file=tmp_path / "keys.json",
        redirect_uris=[f"{live_server.url}/sso/callback"],
        logout_uris=[f"{live_server.url}/login"],
    ) as op:
        yield op


def _set_up(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        org = Organisation(name=ORGANISATION, sector=Sector.LOCAL_AUTHORITY)
        org.teams = [Team(name="Children's services east")]
        admin = User(
            name="Lee Admin",
            email=ADMIN_EMAIL,
            password_hash=hash_password(ADMIN_PASSWORD),
            role=Role.ADMIN,
            job_role=JobRole.TRAINING,
        )
        sam = User(
            name="Sam Okafor",
            email="sam.okafor@eastbrook.gov.uk",
            password_hash=hash_password(LINKED_PASSWORD),
            role=Role.LEARNER,
            job_role=JobRole.SOCIAL_WORKER,
            organisation=org,
        )
        db.session.add_all([org, admin, sam])
        db.session.commit()
        return org.id


def _through_the_provider(page: Page, login: str) -> None:
    """The provider's own pages: its login form (any password), then its consent."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_staff_sign_in_with_their_organisation_account(
    page: Page, live_server: LiveServer, provider: Provider
):
    org_id = _set_up(live_server)
    base = live_server.url
    page.route(ELSEWHERE, lambda route: route.abort())

    # The administrator connects the organisation.
    page.goto(f"{base}/login")
    check_page(page, "sign-in")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{base}/organisations/{org_id}")
    page.get_by_role("link", name="single sign-on settings").click()
    expect(heading(page, "Single sign-on")).to_be_visible()
    check_page(page, "sso-settings")
    page.get_by_label("Issuer URL").fill(provider.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Email domains").fill("eastbrook.gov.uk")
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_text("Single sign-on for Eastbrook Council has been saved.")).to_be_visible()
    expect(page.get_by_text("/login/eastbrook-council")).to_be_visible()
    check_page(page, "sso-settings-connected")
    page.get_by_role("link", name="Remove single sign-on").click()
    expect(heading(page, "Remove single sign-on")).to_be_visible()
    check_page(page, "sso-remove")
    page.go_back()
    _sign_out(page)

    # A new member of staff: email first, then the organisation's own sign-in.
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill("alex.morgan@eastbrook.gov.uk")
    page.get_by_role("button", name="Use your organisation account").click()
    expect(heading(page, "Sign in with your organisation account")).to_be_visible()
    check_page(page, "sso-offer")
    page.get_by_role("button", name="Continue to Eastbrook Council sign-in").click()
    _through_the_provider(page, "alex")
    expect(heading(page, "Tell us about your work")).to_be_visible(timeout=ROUND_TRIP_MS)
    check_page(page, "sso-first-sign-in")
    page.get_by_label("Your job role").select_option(label=JobRole.SOCIAL_WORKER.value)
    page.get_by_label("Your team").select_option(label="Children's services east")
    page.get_by_role("button", name="Continue").click()
    # The first sign-in page greets Alex by name too: wait for the home page itself.
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/?$"))
    expect(page.get_by_text("Alex Morgan", exact=False).first).to_be_visible()

    _sign_out(page)
    expect(heading(page, "You have signed out of this site")).to_be_visible()
    check_page(page, "sso-signed-out")
    link = page.get_by_role("button", name="Sign out of your organisation account")
    assert link.get_attribute("href").startswith(f"{provider.url}/session/end?")
    link.click()
    page.get_by_role("button", name="Yes, sign me out").click()
    # The provider sends people back to the sign-in page.
    expect(heading(page, "Sign in")).to_be_visible(timeout=ROUND_TRIP_MS)
    assert page.url.startswith(f"{base}/login")

    # Someone with a password here already links their organisation account once,
    # starting from the organisation's own link on its intranet.
    page.goto(f"{base}/login/eastbrook-council")
    _through_the_provider(page, "sam")
    expect(heading(page, "You already have an account here")).to_be_visible(timeout=ROUND_TRIP_MS)
    check_page(page, "sso-link")
    page.get_by_label("Your password on this platform").fill(LINKED_PASSWORD)
    page.get_by_role("button", name="Link and sign in").click()
    expect(page.get_by_text("Your organisation account is now linked")).to_be_visible()

    # Coming back to the provider's answer a second time is refused, clearly.
    page.goto(f"{base}/sso/callback?state=1.spent&code=spent")
    expect(heading(page, "You could not be signed in")).to_be_visible()
    check_page(page, "sso-refused")
