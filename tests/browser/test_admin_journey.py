"""An administrator's first day, end to end, in a real browser, with axe on every page.

Starts as a new install does, from the first-administrator link the CLI prints, and
goes on to set up an organisation and its first coordinator, who then signs in.
Between this and the learner journey, every page type the app has gets an axe scan.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from courseapp.organisations.models import Sector
from tests.browser.conftest import (
    LiveServer,
    check_page,
    heading,
    sign_in,
)

ADMIN_NAME = "Alex Morgan"
ADMIN_EMAIL = "alex.morgan@northshire.example.org"
ADMIN_PASSWORD = "harbour kettle meadow tuba"
ADMIN_NEW_PASSWORD = "copper window saffron glacier"
ORGANISATION = "Northshire County Council"
OTHER_ORGANISATION = "Westvale Health Partnership"
TEAM = "Children and families east"
COORDINATOR_NAME = "Priya Shah"
COORDINATOR_EMAIL = "priya.shah@northshire.example.org"
COORDINATOR_PASSWORD = "velvet compass lighthouse drum"
JOIN_CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")


def first_admin_path(live_server: LiveServer) -> str:
    """The link a new install prints, as a path on the live server (the CLI's
    BASE_URL points at the default port, not the test server's)."""
    result = live_server.app.test_cli_runner().invoke(args=["first-admin-link"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert re.fullmatch(r"https?://\S+/setup/\S+", url), url
    return urlsplit(url).path


def join_code_on(page: Page) -> str:
    text = page.locator(".app-join-code").inner_text()
    assert JOIN_CODE.fullmatch(text), text
    return text


def create_organisation(page: Page, name: str, sector: Sector) -> None:
    page.get_by_label("Organisation name").fill(name)
    page.get_by_label("Sector").select_option(label=sector.value)
    page.get_by_role("button", name="Create organisation").click()
    expect(heading(page, name)).to_be_visible()


@pytest.mark.browser
def test_admin_sets_up_an_organisation_and_its_coordinator(page: Page, live_server: LiveServer):
    setup_path = first_admin_path(live_server)

    # 1. The first-administrator page, sent empty once so its error summary is checked.
    page.goto(f"{live_server.url}{setup_path}")
    expect(heading(page, "Create the first administrator")).to_be_visible()
    check_page(page, "first-admin")

    page.get_by_role("button", name="Create administrator account").click()
    error_summary = page.get_by_role("alert")
    expect(error_summary).to_contain_text("There is a problem")
    expect(error_summary.get_by_role("link", name="Enter your full name")).to_be_visible()
    expect(error_summary.get_by_role("link", name="Enter your email address")).to_be_visible()
    expect(error_summary.get_by_role("link", name="Enter a password")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "first-admin-errors")

    page.get_by_label("Full name").fill(ADMIN_NAME)
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Create a password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator account").click()

    expect(heading(page, "Organisations")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/organisations/")
    expect(page.get_by_text("Your administrator account has been created.")).to_be_visible()
    expect(page.get_by_text("You do not manage any organisations yet.")).to_be_visible()
    check_page(page, "organisations-empty")

    # 2. Create an organisation, sending the form empty first.
    page.get_by_role("button", name="Create an organisation").click()
    expect(heading(page, "Create an organisation")).to_be_visible()
    check_page(page, "create-organisation")

    page.get_by_role("button", name="Create organisation").click()
    error_summary = page.get_by_role("alert")
    expect(error_summary.get_by_role("link", name="Enter the organisation's name")).to_be_visible()
    expect(error_summary.get_by_role("link", name="Choose a sector")).to_be_visible()
    check_page(page, "create-organisation-errors")

    create_organisation(page, ORGANISATION, Sector.LOCAL_AUTHORITY)
    org_url = page.url
    assert re.fullmatch(re.escape(live_server.url) + r"/organisations/\d+", org_url), org_url
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Success")
    expect(banner).to_contain_text(f"{ORGANISATION} has been created. Its join code is ")
    first_code = join_code_on(page)
    expect(banner).to_contain_text(first_code)
    expect(page.get_by_text(Sector.LOCAL_AUTHORITY.value)).to_be_visible()
    check_page(page, "organisation-detail")

    # 3. A team: an empty name is refused (400, the same page with an error summary).
    with page.expect_response(re.compile(r"/teams$")) as team_post:
        page.get_by_role("button", name="Add team").click()
    assert team_post.value.status == 400
    error_summary = page.get_by_role("alert")
    expect(error_summary).to_contain_text("There is a problem")
    expect(error_summary.get_by_role("link", name="Enter a team name")).to_be_visible()
    expect(heading(page, ORGANISATION)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "organisation-team-errors")

    page.get_by_label("Team name").fill(TEAM)
    page.get_by_role("button", name="Add team").click()
    expect(page).to_have_url(org_url)
    expect(page.get_by_role("alert")).to_contain_text(f"Team {TEAM} added.")
    expect(page.get_by_role("listitem").filter(has_text=TEAM)).to_be_visible()

    # 4. A coordinator who has no account yet: the link to pass on is shown.
    page.get_by_role("link", name="Add a coordinator").click()
    expect(heading(page, "Add a coordinator")).to_be_visible()
    check_page(page, "add-coordinator")

    page.get_by_label("Full name").fill(COORDINATOR_NAME)
    page.get_by_label("Email address").fill(COORDINATOR_EMAIL)
    page.get_by_role("button", name="Add coordinator").click()
    expect(heading(page, f"Password link for {COORDINATOR_NAME}")).to_be_visible()
    link = page.locator("code").inner_text().strip()
    assert link.startswith(f"{live_server.url}/password/"), link
    check_page(page, "password-link")

    page.get_by_role("link", name=f"Back to {ORGANISATION}").click()
    expect(page).to_have_url(org_url)
    expect(page.get_by_text(f"{COORDINATOR_NAME} ({COORDINATOR_EMAIL})")).to_be_visible()

    # 5. A new join code, then registration switched off.
    page.get_by_role("button", name="Make a new code").click()
    new_code = join_code_on(page)
    assert new_code != first_code
    expect(page.get_by_role("alert")).to_contain_text(
        f"New join code: {new_code}. The old code no longer works."
    )

    page.get_by_role("button", name="Switch off registration").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Registration with the join code is switched off."
    )
    expect(
        page.get_by_text("Registration with the organisation's join code is switched off.")
    ).to_be_visible()
    expect(page.locator(".app-join-code")).to_have_count(0)
    expect(page.get_by_role("button", name="Switch on registration")).to_be_visible()
    check_page(page, "organisation-detail-switched-off")

    # A second organisation, which the coordinator must not see.
    page.get_by_role("link", name="Back to organisations").click()
    page.get_by_role("button", name="Create an organisation").click()
    create_organisation(page, OTHER_ORGANISATION, Sector.HEALTH)
    page.get_by_role("link", name="Organisations", exact=True).click()
    organisations = page.get_by_role("table")
    expect(organisations.get_by_role("link", name=ORGANISATION)).to_be_visible()
    expect(organisations.get_by_role("link", name=OTHER_ORGANISATION)).to_be_visible()
    expect(organisations).to_contain_text("Switched off")
    check_page(page, "organisations")

    # 6. Change the administrator's password.
    page.get_by_role("link", name="Your account").click()
    expect(heading(page, "Your account")).to_be_visible()
    expect(page.get_by_text("Administrator", exact=True)).to_be_visible()
    page.get_by_role("link", name="Change password").click()
    expect(heading(page, "Change your password")).to_be_visible()
    check_page(page, "change-password")

    page.get_by_label("Current password").fill(ADMIN_PASSWORD)
    page.get_by_label("New password").fill(ADMIN_NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(heading(page, "Your account")).to_be_visible()
    expect(
        page.get_by_text(
            "Your password has been changed. You have been signed out everywhere else."
        )
    ).to_be_visible()

    # 7. Sign out; the coordinator sets a password from the link and signs in.
    page.get_by_role("button", name="Sign out").click()
    expect(heading(page, "Sign in")).to_be_visible()

    page.goto(link)
    expect(heading(page, "Set your password")).to_be_visible()
    expect(
        page.get_by_text(f"You are setting the password for {COORDINATOR_EMAIL}.")
    ).to_be_visible()
    check_page(page, "set-password")

    page.get_by_label("Create a password").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(heading(page, "Sign in")).to_be_visible()
    expect(page.get_by_text("Your password has been set.")).to_be_visible()

    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    expect(heading(page, "Organisations")).to_be_visible()
    organisations = page.get_by_role("table")
    expect(organisations.get_by_role("link")).to_have_count(1)
    expect(organisations.get_by_role("link", name=ORGANISATION)).to_be_visible()
    expect(page.get_by_text(OTHER_ORGANISATION)).to_have_count(0)
    expect(page.get_by_role("button", name="Create an organisation")).to_have_count(0)
    check_page(page, "organisations-coordinator")

    response = page.goto(f"{live_server.url}/organisations/new")
    assert response is not None and response.status == 403
    expect(heading(page, "You do not have access to this page")).to_be_visible()
    check_page(page, "forbidden")

    # 8. Links that do not work: a made-up one, and the used first-administrator link.
    response = page.goto(f"{live_server.url}/password/not-a-token")
    assert response is not None and response.status == 404
    expect(heading(page, "This link does not work")).to_be_visible()
    check_page(page, "link-invalid")

    response = page.goto(f"{live_server.url}{setup_path}")
    assert response is not None and response.status == 404
    expect(heading(page, "This link does not work")).to_be_visible()
