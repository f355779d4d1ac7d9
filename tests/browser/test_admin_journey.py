"""An administrator's first day, end to end, in a real browser, with axe on every page.

Starts as a new install does, from the first-administrator link the CLI prints, and
goes on to set up an organisation, a team and its first coordinator, who then signs in,
opens a learner's record and downloads the exports. The administrator comes back and
reads the audit log of what the coordinator did, which names no learner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from courseapp.accounts.models import User
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from tests.browser.conftest import (
    LiveServer,
    check_page,
    heading,
    sign_in,
)
from tests.browser.staff import Progress, add_learner, body_rows, nav_link, table

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
LEARNER_NAME = "Hannah Okafor"
LEARNER_EMAIL = "hannah.okafor@northshire.example.org"
LEARNER_PASSWORD = "lantern orchard pebble violin"
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
    # The same page comes back: read the code once it is no longer the old one.
    expect(page.locator(".app-join-code")).not_to_have_text(first_code)
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

    # 9. The coordinator at work: a learner's record opened and both exports downloaded.
    with live_server.app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORGANISATION))
        learner = add_learner(org, LEARNER_NAME, LEARNER_EMAIL, team=org.teams[0],
                              progress=Progress(pre=20, modules=2),
                              password=LEARNER_PASSWORD)  # fmt: skip
        db.session.commit()
        learner_id = learner.id
    nav_link(page, "Reports").click()
    page.get_by_role("link", name="Progress by learner").click()
    page.get_by_role("link", name=LEARNER_NAME, exact=True).click()
    expect(heading(page, LEARNER_NAME)).to_be_visible()
    nav_link(page, "Reports").click()
    for link in ("Download learners (CSV)", "Download question statistics (CSV)"):
        with page.expect_download():
            page.get_by_role("link", name=link).click()
    page.get_by_role("button", name="Sign out").click()

    # 10. The administrator, with the new password, reads the audit log: who did what and
    # when, naming the learner by account number only.
    sign_in(page, ADMIN_EMAIL, ADMIN_NEW_PASSWORD)
    expect(heading(page, "Organisations")).to_be_visible()
    nav_link(page, "Audit log").click()
    expect(heading(page, "Audit log")).to_be_visible()
    events = body_rows(table(page, "The latest 3 events"))
    expect(events.locator("td:nth-child(1)")).to_have_text(
        [re.compile(r"^\d{1,2} \w{3} \d{4} \d{2}:\d{2}$")] * 3
    )
    expect(events.locator("td:nth-child(2)")).to_have_text([COORDINATOR_NAME] * 3)
    expect(events.locator("td:nth-child(3)")).to_have_text(
        ["export-items", "export-learners", "view-learner"]
    )
    expect(events.locator("td:nth-child(4)")).to_have_text(
        ["pathway core", "pathway core", f"user {learner_id}"]
    )
    for personal in (LEARNER_NAME, LEARNER_EMAIL, LEARNER_EMAIL.split("@")[0]):
        expect(page.get_by_role("main")).not_to_contain_text(personal)
    check_page(page, "audit-log")

    # 11. Privacy. The learner downloads her data and reads the privacy notice; then she
    # asks to be erased, and the administrator erases her. The audit log records it
    # without her name, and no longer says whose record the coordinator looked at.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, LEARNER_EMAIL, LEARNER_PASSWORD)
    page.get_by_role("link", name="Your account").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["profile"]["email"] == LEARNER_EMAIL
    assert [a["phase"] for a in data["test_attempts"]] == ["pre"]
    assert len(data["module_progress"]) == 2
    page.get_by_role("link", name="How we look after your information").click()
    expect(heading(page, "How we look after your information")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("2 years")
    check_page(page, "privacy-notice")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ADMIN_EMAIL, ADMIN_NEW_PASSWORD)
    page.get_by_role("link", name=ORGANISATION).click()
    page.get_by_role("link", name=f"Erase {LEARNER_NAME}").click()
    expect(heading(page, f"Erase {LEARNER_NAME}")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("1 test attempt with")
    check_page(page, "erase-learner")
    page.get_by_role("button", name="Erase account and records").click()
    expect(heading(page, ORGANISATION)).to_be_visible()
    expect(
        page.get_by_text("The learner's account and all their records have been erased.")
    ).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(LEARNER_NAME)

    nav_link(page, "Audit log").click()
    events = body_rows(table(page, "The latest 4 events"))
    expect(events.locator("td:nth-child(3)")).to_have_text(
        ["erase-learner", "export-items", "export-learners", "view-learner"]
    )
    expect(events.locator("td:nth-child(4)").first).to_have_text(re.compile(r"^organisation \d+$"))
    expect(events.locator("td:nth-child(4)").last).to_have_text("an erased learner")
    for personal in (LEARNER_NAME, LEARNER_EMAIL, f"user {learner_id}"):
        expect(page.get_by_role("main")).not_to_contain_text(personal)

    # Only learners can be erased: a coordinator's erase page explains and offers no button.
    with live_server.app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORGANISATION))
        coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR_EMAIL))
        refused = f"/organisations/{org.id}/members/{coordinator.id}/erase"
    page.goto(f"{live_server.url}{refused}")
    expect(page.get_by_text("Only learners' accounts can be erased here.")).to_be_visible()
    expect(page.get_by_role("button", name="Erase account and records")).to_have_count(0)
    check_page(page, "erase-refused")
