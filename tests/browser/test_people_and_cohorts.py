"""Running a real cohort, in a real browser: a coordinator corrects a learner's name and
the certificate shows it; a cohort with a due date shows its overdue learner, on the
cohort page and on the learner's own home page; anyone checks a certificate by its
code; and the new pages for people, cohorts, bulk enrolment, logos and passwords.
Every page type is checked with axe and at 320px (check_page), and its HTML with the
Nu checker (html_pages)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.catalogue import course
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.organisations.services import add_team, create_organisation
from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.browser.html_check import HtmlPages
from tests.browser.staff import Progress, add_learner, add_staff, summary_value, table


def _exercises(count: int) -> list[str]:
    """The first core rewording exercises, enough for the pathway's required number."""
    return [e.id for e in course().rewording.exercises.values() if "core" in e.pathways][:count]


ORGANISATION = "Eastbrook Borough Council"
COORDINATOR_EMAIL = "tomasz.nowak@eastbrook.example.org"
COORDINATOR_PASSWORD = "saddle orchard lantern quiver"
ADMIN_EMAIL = "ruth.adeyemi@example.org"
ADMIN_PASSWORD = "pepper harbour violet anchor"
LEARNER_PASSWORD = "meadow pylon copper tundra"
TYPO, CORRECTED = "Grace Obi-Wiliams", "Grace Obi-Williams"
LATE = "Femi Adebayo"


def seed(live_server: LiveServer) -> dict:
    """An organisation with a team, a coordinator, an administrator, a certified learner
    whose name has a typo, and a cohort whose due date has passed with one learner in
    it who has not finished and one who has."""
    with live_server.app.app_context():
        org = create_organisation(ORGANISATION, Sector.LOCAL_AUTHORITY)
        team = add_team(org, "Children and families west")
        add_staff("Tomasz Nowak", COORDINATOR_EMAIL, COORDINATOR_PASSWORD, Role.COORDINATOR, org)
        add_staff("Ruth Adeyemi", ADMIN_EMAIL, ADMIN_PASSWORD, Role.ADMIN)
        certified = add_learner(
            org, TYPO, "grace.obi-williams@eastbrook.example.org", team=team,
            progress=Progress(pre=20, modules=None, posts=(31,), certified_days=4,
                              rewordings=tuple((e, (), None) for e in _exercises(3))),
            password=LEARNER_PASSWORD,
        )  # fmt: skip
        late = add_learner(org, LATE, "femi.adebayo@eastbrook.example.org", team=team,
                           progress=Progress(pre=20, modules=3),
                           password=LEARNER_PASSWORD)  # fmt: skip
        cohort = create_cohort(org, "Autumn practitioners", "core",
                               starts_on=date.today() - timedelta(days=60),
                               ends_on=date.today() + timedelta(days=30))  # fmt: skip
        create_cohort(org, "Spring practitioners", "core")
        core = course().pathways["core"]
        for learner in (certified, late):
            enrol_in_cohort(learner, cohort, core)
        code = db.session.get(Certificate, 1).code
        db.session.commit()
        return {"org": org.id, "cohort": cohort.id, "late": late.id, "certificate": code}


def sign_in_as(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login")
    sign_in(page, email, password)


def look(page: Page, html_pages: HtmlPages, name: str) -> None:
    check_page(page, name)
    html_pages.add(page, name)


@pytest.mark.browser
def test_a_corrected_name_is_on_the_certificate(
    page: Page, live_server: LiveServer, html_pages: HtmlPages
):
    seeded = seed(live_server)
    sign_in_as(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"{live_server.url}/organisations/{seeded['org']}")
    page.get_by_label("Search by name or email address").fill("obi")
    page.get_by_role("button", name="Search").click()
    people = table(page, "1 person matching “obi”")
    expect(people).to_contain_text("grace.obi-williams@eastbrook.example.org")
    look(page, html_pages, "organisation-people-search")
    people.get_by_role("link", name=f"Change {TYPO}'s details").click()
    expect(heading(page, f"Change {TYPO}'s details")).to_be_visible()
    look(page, html_pages, "person-edit")
    page.get_by_label("Full name").fill(CORRECTED)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(f"Changes saved for {CORRECTED}.")).to_be_visible()

    sign_in_as(page, live_server, "grace.obi-williams@eastbrook.example.org", LEARNER_PASSWORD)
    page.get_by_role("link", name="View your certificate").click()
    certificate = page.get_by_role("region", name="Certificate")
    expect(certificate).to_contain_text(CORRECTED)
    expect(certificate).not_to_contain_text(TYPO)
    look(page, html_pages, "certificate-renamed")

    # Anyone can check it by its code, and sees the corrected name.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/certificates/")
    page.get_by_role("button", name="Check the certificate").click()
    expect(page.get_by_role("link", name="Enter the verification code")).to_be_visible()
    look(page, html_pages, "certificate-check-error")
    page.get_by_label("Verification code").fill(seeded["certificate"].lower())
    page.get_by_role("button", name="Check the certificate").click()
    expect(heading(page, "This certificate is genuine")).to_be_visible()
    expect(summary_value(page, "Issued to")).to_have_text(CORRECTED)
    look(page, html_pages, "certificate-verified")
    html_pages.assert_valid()


@pytest.mark.browser
def test_a_cohort_with_a_due_date_shows_its_overdue_learner(
    page: Page, live_server: LiveServer, html_pages: HtmlPages
):
    seeded = seed(live_server)
    sign_in_as(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"{live_server.url}/cohorts/{seeded['cohort']}")
    page.get_by_role("link", name="Change the cohort's details").click()
    expect(heading(page, "Change the cohort's details")).to_be_visible()
    look(page, html_pages, "cohort-edit")
    due = date.today() - timedelta(days=2)
    due_on = page.get_by_role("group", name="Due date (optional)")
    due_on.get_by_label("Day").fill(str(due.day))
    due_on.get_by_label("Month").fill(str(due.month))
    due_on.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save changes").click()
    expect(summary_value(page, "Due")).to_have_text(due.strftime("%-d %B %Y"))
    members = table(page, "2 learners")
    expect(members.locator("tr", has_text=LATE)).to_contain_text("Overdue")
    expect(members.locator("tr", has_text=CORRECTED[:5])).to_contain_text("Completed")
    look(page, html_pages, "cohort-members")

    members.get_by_role("link", name=f"Move or remove {LATE}").click()
    expect(heading(page, LATE)).to_be_visible()
    look(page, html_pages, "cohort-member")

    sign_in_as(page, live_server, "femi.adebayo@eastbrook.example.org", LEARNER_PASSWORD)
    expect(page.get_by_text("Overdue: your training coordinator asked")).to_be_visible()
    look(page, html_pages, "learner-home-overdue")
    html_pages.assert_valid()


def logo_file(tmp_path: Path) -> Path:
    path = tmp_path / "eastbrook-logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 120), "#00703c").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
def test_the_new_pages_for_people_enrolment_logos_and_passwords(
    page: Page, live_server: LiveServer, html_pages: HtmlPages, tmp_path: Path
):
    seeded = seed(live_server)
    # Forgotten password, from the sign-in page.
    page.goto(f"{live_server.url}/login")
    look(page, html_pages, "sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(heading(page, "Reset your password")).to_be_visible()
    look(page, html_pages, "forgotten-password")
    page.get_by_label("Email address", exact=True).fill("someone@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(heading(page, "Ask your training coordinator")).to_be_visible()
    look(page, html_pages, "reset-requested")

    # A learner changes their own name.
    sign_in_as(page, live_server, "femi.adebayo@eastbrook.example.org", LEARNER_PASSWORD)
    page.goto(f"{live_server.url}/account")
    page.get_by_role("link", name="Change name").click()
    expect(heading(page, "Change your name")).to_be_visible()
    look(page, html_pages, "change-name")
    page.get_by_label("Full name").fill("Femi Adebayo-Cole")
    page.get_by_role("button", name="Save your name").click()
    expect(summary_value(page, "Name")).to_contain_text("Femi Adebayo-Cole")

    # An administrator: the organisation page, an email change without mail, a logo.
    sign_in_as(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/organisations/{seeded['org']}")
    look(page, html_pages, "organisation")
    page.get_by_role("link", name="Change Femi Adebayo-Cole's details").click()
    # The organisation page has a search box whose label also says "email address".
    expect(heading(page, "Change Femi Adebayo-Cole's details")).to_be_visible()
    page.get_by_label("Email address", exact=True).fill("femi.cole@eastbrook.example.org")
    page.get_by_role("button", name="Save changes").click()
    expect(heading(page, "Confirm the new email address")).to_be_visible()
    look(page, html_pages, "confirm-new-email")
    page.get_by_role("button", name="Change the email address").click()
    expect(page.get_by_text("now signs in with femi.cole@eastbrook.example.org")).to_be_visible()
    page.get_by_role("button", name="Deactivate Femi Adebayo-Cole").click()
    expect(page.get_by_text("account is deactivated")).to_be_visible()
    page.get_by_role("link", name="Change who can join with a join code").click()
    expect(heading(page, "Who can join with a join code")).to_be_visible()
    look(page, html_pages, "joining")
    page.get_by_label("Email domains (optional)").fill("eastbrook.example.org\nintranet")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("intranet is not an email domain")
    look(page, html_pages, "joining-error")
    page.get_by_label("Email domains (optional)").fill("eastbrook.example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("eastbrook.example.org can now join")).to_be_visible()
    expect(page.get_by_text("eastbrook.example.org can join with a join code")).to_be_visible()
    page.get_by_role("link", name="Add a logo").click()
    expect(heading(page, "Logo for certificates")).to_be_visible()
    look(page, html_pages, "logo")
    page.get_by_label("Upload a logo").set_input_files(str(logo_file(tmp_path)))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("has been saved")).to_be_visible()
    page.get_by_role("link", name="Change the logo").click()
    expect(page.get_by_role("img", name=f"{ORGANISATION} logo")).to_be_visible()
    look(page, html_pages, "logo-uploaded")

    # Bulk enrolment: the template, then an import and its links file.
    page.goto(f"{live_server.url}/cohorts/{seeded['cohort']}/imports/new")
    with page.expect_download() as template:
        page.get_by_role("link", name="Download a CSV template with these columns").click()
    assert Path(template.value.path()).read_bytes().startswith(b"\xef\xbb\xbfname,email")
    look(page, html_pages, "import-upload")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nJo Lake,jo.lake@eastbrook.example.org\n", encoding="utf-8")
    page.get_by_label("Upload a CSV file").set_input_files(str(people))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Import 1 learner").click()
    expect(heading(page, "Learners enrolled")).to_be_visible()
    look(page, html_pages, "imported")
    with page.expect_download() as links:
        page.get_by_role("button", name="Download the password links (CSV)").click()
    assert b"jo.lake@eastbrook.example.org" in Path(links.value.path()).read_bytes()
    html_pages.assert_valid()
