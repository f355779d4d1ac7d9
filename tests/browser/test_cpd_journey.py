"""A learner completes a module in a real browser, writes a reflection on it for their
CPD record, shares it, opens the record and downloads it as a PDF and a CSV file; their
coordinator then reads the shared reflection on the learner's record. axe runs on every
new page on the way, and the Nu HTML checker reads each of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from courseapp import catalogue
from courseapp.accounts.models import JobRole, Role
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.cpd.exports import CSV_HEADER
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.html_check import HtmlPages
from tests.browser.learning import read_module
from tests.browser.staff import add_staff, read_download

EMAIL = "priya.hale@westmere.example.org"
COORDINATOR_EMAIL = "owen.marsh@westmere.example.org"
PASSWORD = "lantern orchard pebble violin"
LEARNT = "Looking at his pattern of behaviour, not one incident, shows the harm to the children."
PRACTICE = "I will name the father's choices in my assessments & say what mum does to protect."
PEER = "My practice supervisor, in our monthly session."


def seed(live_server: LiveServer):
    """A social worker on the core pathway with the pre-test done, and their coordinator.
    Returns the first module and its knowledge check, and the learner's id."""
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation="Westmere Council",
                                sector=Sector.LOCAL_AUTHORITY, name="Priya Hale", email=EMAIL,
                                password=PASSWORD, job_role=JobRole.SOCIAL_WORKER,
                                pathway_id="core")  # fmt: skip
        add_staff("Owen Marsh", COORDINATOR_EMAIL, PASSWORD, Role.COORDINATOR, learner.organisation)
        pathway = catalogue.course().pathways["core"]
        pre_test = attempts.start_or_resume(learner, pathway, Phase.PRE)
        attempts.submit(pre_test, pathway.definition.pass_mark)
        db.session.commit()
        module = pathway.modules[0]
        return module, catalogue.course().checks[module.meta.knowledge_check], learner.id


def look(page: Page, html_pages: HtmlPages, name: str) -> None:
    check_page(page, name)
    html_pages.add(page, name)


def download(page: Page, button: str):
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    return info.value


@pytest.mark.browser
def test_a_learner_reflects_on_a_module_and_downloads_their_cpd_record(
    page: Page, live_server: LiveServer, html_pages: HtmlPages
) -> None:
    module, check, learner_id = seed(live_server)
    page.goto(f"{live_server.url}/login")
    sign_in(page, EMAIL, PASSWORD)
    expect(heading(page, "Your training")).to_be_visible()

    # 1. Before anything is complete the record says so.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="CPD record").click()
    expect(heading(page, "Your CPD record")).to_be_visible()
    expect(page.get_by_text("There is nothing in your record yet")).to_be_visible()
    look(page, html_pages, "cpd-record-empty")

    # 2. The module, read through and its check answered right, invites a reflection.
    page.goto(f"{live_server.url}/modules/{module.id}")
    read_module(page, module, check, scan=False)
    expect(page.get_by_text("This module is now complete.")).to_be_visible()
    page.get_by_role("link", name="Write or change your reflection").click()
    expect(heading(page, f"Your reflection on {module.title}")).to_be_visible()
    look(page, html_pages, "cpd-reflection")

    # 3. Saving nothing is refused with a clear message; then it is written and shared.
    page.get_by_role("button", name="Save reflection").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write at least one answer")
    look(page, html_pages, "cpd-reflection-error")
    page.get_by_label("What did you learn?").fill(LEARNT)
    page.get_by_label("How will you use it in your practice?").fill(PRACTICE)
    page.get_by_label("Who did you discuss it with").fill(PEER)
    page.get_by_label("Share this reflection with my training coordinator").check()
    page.get_by_role("button", name="Save reflection").click()

    # 4. The record lists the module with the reflection, and downloads as PDF and CSV.
    expect(heading(page, "Your CPD record")).to_be_visible()
    expect(page.get_by_text("Your reflection has been saved")).to_be_visible()
    entry = page.locator(".govuk-summary-list").first
    for text in (LEARNT, PRACTICE, PEER, f"{module.minutes} minutes", "Yes"):
        expect(entry).to_contain_text(text)
    look(page, html_pages, "cpd-record")

    pdf = download(page, "Download as PDF")
    assert pdf.suggested_filename.startswith("cpd-record-")
    assert pdf.suggested_filename.endswith(".pdf")
    body = Path(pdf.path()).read_bytes()
    assert body.startswith(b"%PDF") and len(body) > 2000

    sheet = download(page, "Download as a spreadsheet (CSV)")
    assert sheet.suggested_filename.endswith(".csv")
    _raw, header, rows = read_download(sheet)
    assert header == list(CSV_HEADER)
    [row] = rows
    cells = dict(zip(header, row, strict=True))
    assert cells["activity"] == module.title and cells["type"] == "Module"
    assert (cells["what I learnt"], cells["how it affects my practice"]) == (LEARNT, PRACTICE)
    assert cells["peer reflection"] == PEER and cells["shared with my coordinator"] == "yes"

    # 5. The coordinator reads the shared reflection on the learner's record.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, PASSWORD)
    page.goto(f"{live_server.url}/reports/learners/{learner_id}")
    expect(heading(page, "Reflections shared with you", level=2)).to_be_visible()
    expect(page.get_by_text(LEARNT)).to_be_visible()
    look(page, html_pages, "learner-record-with-reflections")
    html_pages.assert_valid()
