"""A learner's first visit, end to end, in a real browser, with axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from tests.browser.conftest import (
    LiveServer,
    check_page,
    heading,
)
from tests.browser.learning import confirm_address

JOIN_CODE = "ABCD2345"
ORGANISATION = "Northshire County Council"
TEAM = "Children and families east"
NAME = "Sam Taylor"
EMAIL = "sam.taylor@northshire.example.org"
PASSWORD = "lantern orchard pebble violin"


def seed_organisation(live_server: LiveServer) -> None:
    with live_server.app.app_context():
        org = Organisation(
            name=ORGANISATION,
            sector=Sector.LOCAL_AUTHORITY,
            join_code=JOIN_CODE,
            join_enabled=True,
        )
        org.teams = [Team(name=TEAM), Team(name="Early help")]
        db.session.add(org)
        db.session.commit()


@pytest.mark.browser
def test_learner_registers_signs_out_and_in_and_exits(page: Page, live_server: LiveServer):
    seed_organisation(live_server)
    # No internet here: send "Exit this page" somewhere on the live server we can see arrive.
    exit_url = f"{live_server.url}/support?left=1"
    live_server.app.config["EXIT_URL"] = exit_url

    # The start page.
    page.goto(f"{live_server.url}/")
    expect(heading(page, "Safe & Together e-learning")).to_be_visible()
    check_page(page, "start")

    # The join code page, empty, then sent empty so the error summary is checked too.
    page.get_by_role("button", name="Create an account").click()
    expect(heading(page, "Enter your join code")).to_be_visible()
    check_page(page, "join-code")
    page.get_by_role("button", name="Continue").click()
    error_summary = page.get_by_role("alert")
    expect(error_summary).to_contain_text("There is a problem")
    expect(error_summary.get_by_role("link", name="Enter the join code")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "join-code-error")

    # People type the code as it is shown to them: with a hyphen, in any case.
    page.get_by_label("Enter your join code").fill("abcd-2345")
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, "Create your account")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/register/{JOIN_CODE}")

    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Your job role").select_option(label=JobRole.SOCIAL_WORKER.value)
    page.get_by_label("Your team").select_option(label=TEAM)
    page.get_by_label("Create a password").fill(PASSWORD)
    check_page(page, "register-filled")
    page.get_by_role("button", name="Create account").click()

    expect(heading(page, "Your training")).to_be_visible()
    expect(page.get_by_text(f"Your account has been created. Welcome, {NAME}.")).to_be_visible()
    expect(page.get_by_role("heading", name="Safe & Together core e-learning")).to_be_visible()
    # A new learner's course starts with the pre-test, which unlocks the modules.
    expect(page.get_by_role("button", name="Start with the pre-test")).to_be_visible()
    expect(page.get_by_role("button", name="Start the course")).to_have_count(0)
    expect(
        page.get_by_role("link", name="See all steps in Safe & Together core e-learning")
    ).to_be_visible()
    check_page(page, "your-training")

    # The tests wait until the email address is confirmed, with the emailed link.
    page.get_by_role("button", name="Start with the pre-test").click()
    expect(heading(page, "Pre-test")).to_be_visible()
    expect(heading(page, "Confirm your email address first", level=2)).to_be_visible()
    expect(page.get_by_text("ask your training coordinator to confirm")).to_be_visible()
    expect(page.get_by_role("button", name="Start the pre-test")).to_have_count(0)
    check_page(page, "confirm-email-first")
    live_server.app.config["MAIL_SERVER"] = "mail.example.org"  # the page as it is with email
    page.reload()
    expect(page.get_by_role("button", name="Send the link again")).to_be_visible()
    check_page(page, "confirm-email-first-with-email")
    live_server.app.config["MAIL_SERVER"] = None
    confirm_address(page, live_server, EMAIL, scan=True)
    page.get_by_role("link", name="Go to your course").click()
    page.get_by_role("button", name="Start with the pre-test").click()
    expect(page.get_by_role("button", name="Start the pre-test")).to_be_visible()
    page.goto(f"{live_server.url}/")

    # Your account, then sign out from the header.
    page.get_by_role("link", name="Your account").click()
    expect(heading(page, "Your account")).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    expect(page.get_by_text(TEAM)).to_be_visible()
    check_page(page, "your-account")

    page.get_by_role("button", name="Sign out").click()
    expect(heading(page, "Sign in")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "sign-in")

    # Sign in again with the same details.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page, "Your training")).to_be_visible()

    # Support, from the footer that is on every page.
    page.get_by_role("contentinfo").get_by_role("link", name="Support and helplines").click()
    expect(page).to_have_url(f"{live_server.url}/support")
    check_page(page, "support")

    # "Exit this page" leaves for the configured site and ends the session.
    page.get_by_role("button", name="Exit this page").click()
    expect(page).to_have_url(exit_url)
    page.goto(f"{live_server.url}/account")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/login")))
    expect(heading(page, "Sign in")).to_be_visible()

    # A page that does not exist.
    response = page.goto(f"{live_server.url}/no-such-page")
    assert response is not None and response.status == 404
    expect(heading(page, "Page not found")).to_be_visible()
    check_page(page, "not-found")
