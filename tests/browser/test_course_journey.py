"""A learner takes the course in a real browser: the first module and its knowledge
check, part of the second, then comes back later and carries on where they stopped.
axe runs on every kind of course page on the way. (The pre-test, which unlocks the
modules, is seeded as already submitted; tests/browser/test_learner_journeys.py
takes it, and the whole course, in the browser.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from courseapp import catalogue
from courseapp.accounts.models import JobRole
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from tests.browser.answers import answer_check, expect_checked
from tests.browser.conftest import (
    LiveServer,
    check_page,
    enrol_learner,
    heading,
    sign_in,
    task_list,
)

ORGANISATION = "Northshire County Council"
NAME = "Jordan Reid"
EMAIL = "jordan.reid@northshire.example.org"
PASSWORD = "thistle beacon marble canoe"
PATHWAY = "Safe & Together core e-learning"


def seed_enrolled_learner(live_server: LiveServer) -> tuple[list, list, int]:
    """An organisation and a social worker on the core pathway who has submitted the
    pre-test (as tests/conftest.py's make_learner does), so the modules are open.
    Returns the first two modules' (title, [part titles]) as the course defines them,
    and the number of modules, so the test follows the content rather than copying it."""
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation=ORGANISATION,
                                sector=Sector.LOCAL_AUTHORITY, name=NAME, email=EMAIL,
                                password=PASSWORD, job_role=JobRole.SOCIAL_WORKER,
                                pathway_id="core")  # fmt: skip
        pathway = catalogue.course().pathways["core"]
        pre_test = attempts.start_or_resume(learner, pathway, Phase.PRE)
        attempts.submit(pre_test, pathway.definition.pass_mark)
        db.session.commit()
        first, second = pathway.modules[:2]
        check = catalogue.course().checks[first.meta.knowledge_check]
        return (
            [first.title, [part.title for part in first.parts], check],
            [second.title, [part.title for part in second.parts]],
            len(pathway.modules),
        )


def sign_in_learner(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    sign_in(page, EMAIL, PASSWORD)
    expect(heading(page, "Your training")).to_be_visible()


def next_link(page: Page) -> Locator:
    """The "Next" link of the module pagination (its name also carries the next page's title)."""
    pagination = page.get_by_role("navigation", name="Module pages")
    return pagination.get_by_role("link", name=re.compile(r"^Next"))


def task(page: Page, module_title: str) -> Locator:
    """A module's row in the pathway's task list."""
    return page.locator(".govuk-task-list__item").filter(
        has=page.get_by_role("link", name=module_title, exact=True)
    )


@pytest.mark.browser
def test_learner_completes_a_module_and_resumes_the_next(
    page: Page, live_server: LiveServer, new_context
):
    (module_1, parts_1, check), (module_2, parts_2), modules = seed_enrolled_learner(live_server)
    questions = len(check.questions)

    # 1. Signs in and, the pre-test done, is offered the start of the course.
    sign_in_learner(page, live_server)
    expect(page.get_by_role("heading", level=2, name=PATHWAY)).to_be_visible()
    expect(page.get_by_role("button", name="Start the course")).to_be_visible()
    expect(page.get_by_text(f"Start with: {module_1}.")).to_be_visible()
    expect(page.get_by_role("button", name="Start with the pre-test")).to_have_count(0)

    # 2. The pathway overview: the pre-test done, every module not started yet, and
    # the post-test and certificate waiting for the modules.
    page.get_by_role("link", name=f"See all steps in {PATHWAY}").click()
    expect(heading(page, PATHWAY)).to_be_visible()
    expect(page.get_by_text(f"You have completed 0 of {modules} modules.")).to_be_visible()
    before = task_list(page, "Before you start").locator(".govuk-task-list__item")
    expect(before).to_have_count(1)
    expect(before).to_contain_text("Pre-test")
    expect(before.locator(".govuk-task-list__status")).to_have_text("Completed")
    module_tasks = task_list(page, "Modules").locator(".govuk-task-list__item")
    expect(module_tasks).to_have_count(modules)
    expect(task(page, module_1)).to_contain_text("Not started")
    expect(task(page, module_2)).to_contain_text("Not started")
    expect(
        module_tasks.locator(".govuk-task-list__status").filter(has_text="Not started")
    ).to_have_count(modules)
    finish = task_list(page, "Finish the course").locator(".govuk-task-list__item")
    expect(finish).to_have_count(2)
    for title, hint in (
        ("Post-test", "Complete every module to unlock the post-test"),
        (
            "Certificate",
            "Complete every module, do the rewording exercises and pass the post-test",
        ),
    ):
        row = finish.filter(has_text=re.compile(rf"^\s*{title}"))
        expect(row).to_contain_text(hint)
        expect(row.locator(".govuk-task-list__status")).to_have_text("Cannot start yet")
        expect(row.get_by_role("link")).to_have_count(0)
    check_page(page, "pathway-overview")

    # 3. Module 1: the overview, then every part in turn with "Next".
    page.get_by_role("link", name=module_1, exact=True).click()
    expect(heading(page, module_1)).to_be_visible()
    expect(heading(page, "Overview", level=2)).to_be_visible()
    expect(page.get_by_role("button", name=f"Start: {parts_1[0]}")).to_be_visible()
    check_page(page, "module-overview")

    for number, part_title in enumerate(parts_1):
        next_link(page).click()
        expect(heading(page, part_title, level=2)).to_be_visible()
        expect(heading(page, module_1)).to_be_visible()
        contents = page.get_by_role("navigation", name="Pages in this module")
        expect(contents.locator("[aria-current=page]")).to_have_text(part_title)
        if number == 0:
            # Kept for the glossary visit at the end: a link from the course text.
            glossary_href = page.locator(".app-prose a[href^='/glossary#']").first.get_attribute(
                "href"
            )
            check_page(page, "module-part")

    next_link(page).click()
    expect(heading(page, "Knowledge check", level=2)).to_be_visible()
    check_page(page, "knowledge-check")

    # Sent with nothing chosen: an error summary linking to each question.
    page.get_by_role("button", name="Check my answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    error_summary = page.get_by_role("alert")
    expect(error_summary).to_contain_text("There is a problem")
    expect(error_summary.get_by_role("link")).to_have_count(questions)
    first_error = "Select an answer to question 1"
    error_summary.get_by_role("link", name=first_error).click()
    expect(page.get_by_role("group").first.get_by_role("radio").first).to_be_focused()
    check_page(page, "knowledge-check-errors")

    # Every question answered wrong first: feedback on the answers chosen, and the module
    # is not complete until every answer is right (tries are unlimited).
    answer_check(page, check, right=False)
    page.get_by_role("button", name="Check my answers").click()
    expect_checked(page, check, right=0)
    expect(page.locator(".app-option-feedback").first).to_be_visible()
    expect(page.get_by_text("You chose this.").first).to_be_visible()
    expect(page.get_by_role("button", name="Check my answers again")).to_be_visible()
    check_page(page, "knowledge-check-feedback")
    answer_check(page, check, right=True)
    page.get_by_role("button", name="Check my answers again").click()
    expect_checked(page, check, right=questions)
    check_page(page, "knowledge-check-complete")

    # 4. On to module 2 from the check page: its overview and the first two parts.
    next_link(page).click()
    expect(heading(page, module_2)).to_be_visible()
    next_link(page).click()
    expect(heading(page, parts_2[0], level=2)).to_be_visible()
    next_link(page).click()
    expect(heading(page, parts_2[1], level=2)).to_be_visible()
    stopped_at = page.url

    # 5. Comes back another day, in a fresh browser, and carries on.
    page.context.close()
    context: BrowserContext = new_context()
    page = context.new_page()
    sign_in_learner(page, live_server)
    resume = f"Continue where you left off: {module_2}, {parts_2[1]}."
    expect(page.get_by_text(resume)).to_be_visible()
    expect(page.get_by_text("You have completed 1 of")).to_be_visible()
    page.get_by_role("button", name="Continue where you left off").click()
    expect(page).to_have_url(stopped_at)
    expect(heading(page, module_2)).to_be_visible()
    expect(heading(page, parts_2[1], level=2)).to_be_visible()

    # 6. The pathway overview shows where the learner is.
    page.get_by_role("link", name=f"Back to {PATHWAY}").click()
    expect(heading(page, PATHWAY)).to_be_visible()
    expect(task(page, module_1)).to_contain_text("Completed")
    expect(task(page, module_2)).to_contain_text("In progress")
    expect(page.get_by_role("button", name="Continue where you left off")).to_be_visible()

    # 7. The glossary from a link in the course text, the printable module, the pathways.
    assert glossary_href is not None, "the first part of module 1 should link to the glossary"
    page.get_by_role("link", name=module_1, exact=True).click()
    page.get_by_role("button", name=f"Start: {parts_1[0]}").click()
    expect(heading(page, parts_1[0], level=2)).to_be_visible()
    page.locator(f".app-prose a[href='{glossary_href}']").first.click()
    expect(heading(page, "Glossary")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}{glossary_href}")
    expect(page.locator(glossary_href.removeprefix("/glossary"))).to_be_in_viewport()
    check_page(page, "glossary")

    page.go_back()
    page.get_by_role("link", name="View a printable version of this module").click()
    expect(heading(page, f"{module_1}")).to_be_visible()
    for part_title in parts_1:
        expect(heading(page, part_title, level=2)).to_be_visible()
    check_page(page, "module-print")

    page.goto(f"{live_server.url}/pathways")
    expect(heading(page, "Course pathways")).to_be_visible()
    expect(page.get_by_role("link", name=PATHWAY)).to_be_visible()
    check_page(page, "pathways")
