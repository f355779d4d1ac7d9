"""A learner fails the post-test and passes the retake, in a real browser: the pre-test
on form A (answered faster than it can be read: the check page says so), every module
part opened and every knowledge check answered right, the required rewordings, a
post-test on form B sent with gaps (a confirmation step, then 0%: the score by area and
the modules to go back to, and no right answer anywhere), the retake on form A (sent
too soon at first, and refused with the time it can be sent from) passed, and the
certificate. Axe checks every new or changed page.

Only the learner's organisation is seeded; the right answers come from the loaded
course (tests/browser/learning.py), never from this file.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from playwright.sync_api import Page, expect

from courseapp.catalogue.items import TAG_LABELS
from tests.browser.answers import answer_questions, check_results, rate
from tests.browser.conftest import LiveServer, check_page, heading
from tests.browser.learners import CORE
from tests.browser.learning import (
    form_order,
    nav_link,
    next_link,
    read_module,
    register,
    reword,
    seed,
    task_items,
    task_status,
)

LEARNER = dataclasses.replace(
    CORE,
    organisation="Eastmere Borough Council",
    join_code="EAST6789",
    name="Priya Shah",
    email="priya.shah@eastmere.example.org",
)


def skip_every_page(page: Page) -> None:
    """From the self-ratings page, on through every page without answering."""
    while not page.url.endswith("/check"):
        left = page.url
        page.get_by_role("button", name="Save and continue").click()
        # Read the address again only once the next page has replaced this one.
        expect(page).not_to_have_url(left)
        expect(page.get_by_role("main")).to_be_visible()


@pytest.mark.slow
@pytest.mark.browser
def test_learner_fails_the_post_test_then_passes_the_other_form(
    page: Page, live_server: LiveServer
):
    course = seed(live_server, LEARNER)
    pathway, form_a, form_b = course.pathway, course.test, course.post_test
    register(page, live_server, LEARNER)
    assert form_order(live_server, LEARNER.email) == 0

    # 1. The pre-test: form A, answered (all wrong) faster than it can be read (the
    # check page says so, and lets it be submitted), submitted; no score or answers.
    config = live_server.app.config
    config["TEST_SECONDS_PER_QUESTION"] = 5
    page.get_by_role("button", name="Start with the pre-test").click()
    expect(heading(page, "Pre-test")).to_be_visible()
    check_page(page, "test-start-pre")
    page.get_by_role("button", name="Start the pre-test").click()
    rate(page, form_a.ratings, 1)
    page.get_by_role("button", name="Save and continue").click()
    answer_questions(page, form_a, "Pre-test", right=False)
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)  # nothing to confirm
    expect(page.locator(".govuk-warning-text")).to_contain_text("very quickly")
    check_page(page, "test-check-too-fast")
    page.get_by_role("button", name="Submit pre-test").click()
    config["TEST_SECONDS_PER_QUESTION"] = 0  # until the retake
    expect(heading(page, "Pre-test submitted")).to_be_visible()
    check_page(page, "pre-test-submitted")

    # 2. Every module: every part opened with "Next", every check answered right.
    page.get_by_role("button", name="Go to the modules").click()
    first = pathway.modules[0]
    task_items(page, "Modules").get_by_role("link", name=first.title, exact=True).click()
    for number, module in enumerate(pathway.modules, start=1):
        read_module(page, module, course.checks[module.id], scan=number == 1)
        if number < len(pathway.modules):
            next_link(page).click()

    # 3. The post-test waits for the rewordings; the required number are sent.
    nav_link(page, "Your training").click()
    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    finish = task_items(page, "Finish the course")
    required = pathway.definition.required_rewordings
    expect(finish.first).to_contain_text(f"Do {required} more rewording exercises")
    check_page(page, "pathway-overview-rewordings")
    for exercise_id, versions in LEARNER.rewordings:
        reword(page, course.exercises[exercise_id], versions, course.verdicts[exercise_id])
    for exercise, text, verdict in course.more_rewordings:
        reword(page, exercise, (text,), [verdict])
    nav_link(page, "Your training").click()
    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    rewording = task_items(page, "Practise rewording")
    expect(task_status(rewording, "Rewording exercises")).to_have_text("Completed")
    expect(task_status(finish, "Post-test")).to_have_text("Not started")

    # 4. The post-test on form B, sent with every question unanswered: the check page
    # says how many at the top and asks for confirmation, enforced by the server.
    finish.get_by_role("link", name="Post-test").click()
    expect(heading(page, "Post-test")).to_be_visible()
    check_page(page, "test-start-post")
    page.get_by_role("button", name="Start the post-test").click()
    expect(heading(page, "How confident do you feel?")).to_be_visible()
    skip_every_page(page)
    total = len(form_b.items) + len(form_b.ratings)
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text(f"You have not answered {total} questions.")
    check_page(page, "test-check-unanswered")
    page.get_by_role("button", name="Submit post-test").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Confirm that you want to submit with questions unanswered")
    check_page(page, "test-check-confirm-error")
    page.get_by_role("checkbox", name=re.compile("I know some questions are unanswered")).check()
    page.get_by_role("button", name="Submit post-test").click()

    # 5. Failed: the score by area and the modules to go back to, no right answers.
    expect(heading(page, "Your post-test results")).to_be_visible()
    expect(page.get_by_text("Your score:")).to_contain_text("0%")
    main = page.get_by_role("main")
    expect(main).not_to_contain_text("(right answer)")
    expect(main).not_to_contain_text("Feedback on each question")
    for item in form_b.items:
        expect(main).not_to_contain_text(item.explanation)
    table = page.get_by_role("table", name="Score by area of the model")
    for tag in dict.fromkeys(item.tag for item in form_b.items):  # no exact score yet
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=TAG_LABELS[tag], exact=True)
        )
        expect(row.get_by_role("cell")).to_have_text(["Under 70%"])
    expect(heading(page, "Modules to go back to", level=2)).to_be_visible()
    to_revisit = [m for m in pathway.modules if m.meta.teaches]
    for module in to_revisit:
        expect(main.get_by_role("link", name=module.title, exact=True)).to_be_visible()
    check_page(page, "post-test-failed")
    main.get_by_role("link", name=to_revisit[0].title, exact=True).click()
    expect(heading(page, to_revisit[0].title)).to_be_visible()
    page.go_back()

    # 6. The retake is form A again (the pre-test's questions, never form B twice in a
    # row), passed with every answer right, but sent too soon at first: now the full
    # feedback and the certificate.
    config["TEST_SECONDS_PER_QUESTION"] = 5
    page.get_by_role("button", name="Take the post-test again").click()
    expect(heading(page, "How confident do you feel?")).to_be_visible()
    rate(page, form_a.ratings, 3)
    page.get_by_role("button", name="Save and continue").click()
    answer_questions(page, form_a, "Post-test", right=True)
    page.get_by_role("button", name="Submit post-test").click()  # in seconds: too soon
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("You can submit your post-test from")
    check_page(page, "test-check-submit-early")
    config["TEST_SECONDS_PER_QUESTION"] = 0  # as if the time had passed
    page.get_by_role("button", name="Submit post-test").click()
    check_results(page, form_a)
    check_page(page, "post-test-passed-retake")
    page.get_by_role("link", name="View and download your certificate").click()
    expect(heading(page, "Your certificate")).to_be_visible()
    certificate = page.get_by_role("region", name="Certificate")
    expect(certificate).to_contain_text(LEARNER.name)
    expect(certificate).to_contain_text(f"{pathway.cpd_hours:g}")
    check_page(page, "certificate-after-retake")
