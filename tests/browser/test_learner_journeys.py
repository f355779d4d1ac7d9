"""A learner's whole course in a real browser, with the mouse, on each pathway: a
social worker on the core course and a teacher on the briefing for schools and early
years. Each registers with their organisation's join code, reads the content note
before the pre-test (the other modules stay locked until it is in), takes the
pre-test (no score or feedback, answers saved as they are given), reads every module
page by page and answers every knowledge check, does rewording exercises, passes the
post-test, reads the results (full feedback and the pre/post comparison), gets the
certificate as a web page and a PDF, and has it checked, signed out, on its public
page. check_page runs on every page type on the way, and on every page of the last
module (the modules share their templates; what differs is the Markdown in them).

Nothing is done for the learner through the services: only their organisation is
seeded. The right answers come from the loaded course (tests/browser/learning.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.answers import (
    SAVED,
    answer,
    answer_questions,
    autosave_status,
    check_results,
    first_field,
    page_count,
    question,
    rate,
)
from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.browser.learners import BRIEFING, CORE
from tests.browser.learning import (
    LOCKED,
    Learner,
    check_verification,
    download_certificate,
    form_order,
    nav_link,
    next_link,
    read_module,
    register,
    reword,
    seed,
    task_items,
    task_status,
    verification_address,
)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("learner", [CORE, BRIEFING], ids=lambda learner: learner.pathway_id)
def test_learner_takes_the_whole_course(
    page: Page, live_server: LiveServer, new_context, learner: Learner
):
    course = seed(live_server, learner)
    pathway, test, post_test = course.pathway, course.test, course.post_test
    first, second, *_ = pathway.modules
    modules = len(pathway.modules)
    overview_url = f"{live_server.url}/pathways/{pathway.id}"

    # 1. Registers with the join code and is put on the pathway for their job role,
    # which starts with the pre-test.
    register(page, live_server, learner)
    assert form_order(live_server, learner.email) == 0  # the first of a new organisation
    expect(heading(page, pathway.title, level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Start with the pre-test")).to_be_visible()
    expect(page.get_by_role("button", name="Start the course")).to_have_count(0)

    # 2. The overview: the first module is open; the rest wait for the pre-test.
    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    expect(heading(page, pathway.title)).to_be_visible()
    expect(task_status(task_items(page, "Before you start"), "Pre-test")).to_have_text(
        "Not started"
    )
    tasks = task_items(page, "Modules")
    expect(tasks).to_have_count(modules)
    expect(task_status(tasks, first.title)).to_have_text("Not started")
    for module in pathway.modules[1:]:
        expect(task_status(tasks, module.title)).to_have_text("Cannot start yet")
    expect(tasks.filter(has_text=LOCKED)).to_have_count(modules - 1)
    expect(tasks.get_by_role("link")).to_have_text([first.title])
    finish = task_items(page, "Finish the course")
    expect(task_status(finish, "Post-test")).to_have_text("Cannot start yet")
    check_page(page, "overview-locked")

    for locked_url in (
        f"/modules/{second.id}",
        f"/modules/{second.id}/{second.parts[0].slug}",
        f"/modules/{second.id}/check",
    ):
        page.goto(f"{live_server.url}{locked_url}")
        expect(page).to_have_url(overview_url)
        expect(page.get_by_role("region", name="Important")).to_contain_text(f"{LOCKED}.")

    # 3. The content note, in the first module, from "Your training".
    nav_link(page, "Your training").click()
    expect(heading(page, "Your training")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name=first.title, exact=True).click()
    expect(heading(page, first.title)).to_be_visible()
    expect(page.get_by_text("Content note", exact=True)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("You can pause at any point")
    page.get_by_role("link", name=f"Back to {pathway.title}").click()
    expect(task_status(tasks, first.title)).to_have_text("In progress")

    # 4. The pre-test: start page, self-ratings, every question page, check, submit.
    page.get_by_role("button", name="Start with the pre-test").click()
    expect(heading(page, "Pre-test")).to_be_visible()
    expect(page.get_by_text("You will not see your score or any feedback")).to_be_visible()
    check_page(page, "test-start")
    page.get_by_role("button", name="Start the pre-test").click()

    expect(heading(page, "How confident do you feel?")).to_be_visible()
    pages = page_count(page)
    expect(page.get_by_role("group")).to_have_count(len(test.ratings))
    rate(page, test.ratings, 1)
    expect(autosave_status(page)).to_have_text(SAVED)
    check_page(page, "test-ratings")
    page.get_by_role("button", name="Save and continue").click()
    # Straight to the check page with every question unanswered: it says a pre-test
    # needs them all, offers no way to submit, and takes the learner to the first.
    page.goto(page.url.rsplit("/pages/", 1)[0] + "/check")
    expect(page.get_by_text("Answer every question before you submit the pre-test")).to_be_visible()
    expect(page.get_by_role("button", name="Submit pre-test")).to_have_count(0)
    check_page(page, "test-check-unanswered")
    page.get_by_role("button", name="Answer question 1").click()
    answer_questions(page, test, "Pre-test", right=False, scan=True)

    entries = len(test.ratings) + len(test.items)
    expect(heading(page, "Check your answers before you submit")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row")).to_have_count(entries)
    expect(page.get_by_text("Answered", exact=True)).to_have_count(entries)
    expect(page.get_by_text("Not answered")).to_have_count(0)
    check_page(page, "test-check")
    page.get_by_role("button", name="Submit pre-test").click()

    # No score and no feedback after the pre-test: its questions may come back in a retake.
    expect(heading(page, "Pre-test submitted")).to_be_visible()
    expect(page.get_by_text("The modules are now open")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(re.compile(r"\d+ ?%|score:|right answer|your answer", re.I))
    for item in test.items:
        expect(main).not_to_contain_text(item.explanation)
    expect(main.locator(".govuk-tag, .app-review, table")).to_have_count(0)
    check_page(page, "pre-test-submitted")

    # The modules are open now; the post-test waits for them. The pre-test is taken once.
    page.get_by_role("button", name="Go to the modules").click()
    expect(page).to_have_url(overview_url)
    expect(task_status(task_items(page, "Before you start"), "Pre-test")).to_have_text("Completed")
    expect(task_status(tasks, first.title)).to_have_text("In progress")
    for module in pathway.modules[1:]:
        expect(task_status(tasks, module.title)).to_have_text("Not started")
    expect(tasks.get_by_role("link")).to_have_count(modules)
    expect(task_status(finish, "Post-test")).to_have_text("Cannot start yet")
    expect(finish.first).to_contain_text("Complete every module to unlock the post-test")
    page.goto(f"{live_server.url}/pathways/{pathway.id}/tests/pre")
    expect(page.get_by_text("You have completed the pre-test.")).to_be_visible()
    expect(page.get_by_role("button", name="Start the pre-test")).to_have_count(0)

    # 5. Every module, page by page with "Next", and every knowledge check answered.
    nav_link(page, "Your training").click()
    expect(page.get_by_text(f"Continue where you left off: {first.title}.")).to_be_visible()
    page.get_by_role("button", name="Continue where you left off").click()
    for number, module in enumerate(pathway.modules, start=1):
        read_module(page, module, course.checks[module.id], scan=number == modules)
        if number < modules:
            expect(next_link(page)).to_contain_text(pathway.modules[number].title)
            next_link(page).click()
    expect(next_link(page)).to_have_count(0)

    # 6. Rewording: a blaming answer gets "Needs work", a revision "Constructive".
    for exercise_id, versions in learner.rewordings:
        verdicts = course.verdicts[exercise_id]
        assert verdicts[-1] == "constructive", (exercise_id, verdicts)
        reword(page, course.exercises[exercise_id], versions, verdicts)
    assert any(v[0] == "needs_work" for v in course.verdicts.values()), course.verdicts
    for exercise, text, verdict in course.more_rewordings:
        reword(page, exercise, (text,), [verdict])

    # 7. The post-test, from the overview once every module is complete.
    nav_link(page, "Your training").click()
    expect(page.get_by_text(f"You have completed {modules} of {modules} modules.")).to_be_visible()
    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    for module in pathway.modules:
        expect(task_status(tasks, module.title)).to_have_text("Completed")
    expect(task_status(finish, "Post-test")).to_have_text("Not started")
    finish.get_by_role("link", name="Post-test").click()
    expect(heading(page, "Post-test")).to_be_visible()
    expect(
        page.get_by_text(f"To pass, you need {pathway.definition.pass_mark}% or more.")
    ).to_be_visible()
    check_page(page, "post-test-start")
    page.get_by_role("button", name="Start the post-test").click()
    expect(heading(page, "How confident do you feel?")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_contain_text(f"Post-test · page 1 of {pages}")
    rate(page, post_test.ratings, 3)
    page.get_by_role("button", name="Save and continue").click()

    # Autosave: an answer given and not yet sent with the page is there when the page
    # is opened afresh.
    expect(heading(page, "Questions")).to_be_visible()
    first_item = next(
        item
        for item in post_test.items
        if item.kind in ("single", "scenario")
        and page.locator(f'[name="{first_field(item)}"]').count()
    )
    assert first_item.id not in {item.id for item in test.items}  # the other form
    expect(autosave_status(page)).to_have_text("")
    answer(page, first_item, right=True)
    expect(autosave_status(page)).to_have_text(SAVED)
    right_text = next(o.text for o in first_item.options if o.id == first_item.correct)
    fresh = page.context.new_page()
    fresh.goto(page.url)
    expect(question(fresh, first_item).get_by_label(right_text, exact=True)).to_be_checked()
    fresh.close()
    page.reload()
    expect(question(page, first_item).get_by_label(right_text, exact=True)).to_be_checked()

    answer_questions(page, post_test, "Post-test", right=True)
    expect(page.get_by_text("Not answered")).to_have_count(0)
    page.get_by_role("button", name="Submit post-test").click()
    check_results(page, post_test)
    check_page(page, "post-test-results")

    # 8. The certificate: the page, the PDF, and "Your training" says the course is done.
    page.get_by_role("link", name="View and download your certificate").click()
    expect(heading(page, "Your certificate")).to_be_visible()
    certificate = page.get_by_role("region", name="Certificate")
    expect(certificate).to_contain_text(learner.name)
    expect(certificate).to_contain_text(pathway.title)
    expect(certificate).not_to_contain_text(learner.email)
    check_page(page, "certificate")
    verify_url, code = verification_address(page, live_server)
    download_certificate(page, pathway, code)

    nav_link(page, "Your training").click()
    expect(page.get_by_text("You have completed this course.")).to_be_visible()
    check_page(page, "your-training-completed")
    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    expect(task_status(finish, "Certificate")).to_have_text("Completed")
    hours = pathway.cpd_hours
    expect(finish.last.locator(".govuk-task-list__hint")).to_have_text(
        f"{hours:g} CPD {'hour' if hours == 1 else 'hours'}"
    )
    check_page(page, "pathway-overview-completed")
    finish.get_by_role("link", name="Certificate").click()
    expect(heading(page, "Your certificate")).to_be_visible()

    # 9. Anyone can check the certificate, signed out, in another browser.
    check_verification(new_context(), live_server, learner, pathway, verify_url)

    # 10. Signing in again later goes straight to the finished course.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, learner.email, learner.password)
    expect(heading(page, "Your training")).to_be_visible()
    expect(page.get_by_text("You have completed this course.")).to_be_visible()
