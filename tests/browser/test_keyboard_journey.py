"""The whole core course with the keyboard alone, in a real browser: registering with
the join code, the content note, the pre-test, every module and its knowledge check,
a rewording exercise revised from "Needs work" to "Constructive", the post-test, the
results and the certificate with its PDF. Nothing is clicked: focus moves with Tab,
Enter follows links and presses buttons, the arrow keys and Space choose radios, Space
ticks checkboxes, the arrow keys choose in selects, and text is typed. Every focus stop
used must show a visible focus indicator, and the skip link must be the first Tab stop
and move focus to the main content (tests/browser/keyboard.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import keyboard
from tests.browser.answers import check_results
from tests.browser.conftest import LiveServer, heading
from tests.browser.keyboard import activate, choose_option, skip_link_works, tab_to, type_into
from tests.browser.learners import CORE
from tests.browser.learning import (
    VERDICTS,
    check_pdf,
    check_verification,
    confirmation_link,
    nav_link,
    next_link,
    seed,
    task_items,
    task_status,
    verification_address,
)

LEARNER = CORE


@pytest.mark.slow
@pytest.mark.browser
def test_learner_takes_the_core_course_with_the_keyboard_alone(
    page: Page, live_server: LiveServer, new_context
):
    course = seed(live_server, LEARNER)
    pathway, test, post_test = course.pathway, course.test, course.post_test
    first = pathway.modules[0]
    modules = len(pathway.modules)

    # 1. The start page: the skip link first, then "Create an account".
    page.goto(f"{live_server.url}/")
    skip_link_works(page)
    activate(page, page.get_by_role("button", name="Create an account"))
    expect(heading(page, "Enter your join code")).to_be_visible()
    skip_link_works(page)
    type_into(page, page.get_by_label("Enter your join code"), LEARNER.join_code)
    activate(page, page.get_by_role("button", name="Continue"))

    # 2. Registration: text typed, job role and team chosen in their selects.
    expect(heading(page, "Create your account")).to_be_visible()
    type_into(page, page.get_by_label("Full name"), LEARNER.name)
    type_into(page, page.get_by_label("Email address"), LEARNER.email)
    choose_option(page, page.get_by_label("Your job role"), LEARNER.job_role.value)
    choose_option(page, page.get_by_label("Your team"), LEARNER.team)
    type_into(page, page.get_by_label("Create a password"), LEARNER.password)
    activate(page, page.get_by_role("button", name="Create account"))
    expect(heading(page, "Your training")).to_be_visible()
    expect(page.get_by_text(f"Welcome, {LEARNER.name}.")).to_be_visible()
    # The link emailed to confirm the address, its button pressed from the keyboard.
    page.goto(confirmation_link(live_server, LEARNER.email))
    activate(page, page.get_by_role("button", name="Confirm my email address"))
    expect(heading(page, "Your email address is confirmed")).to_be_visible()
    activate(page, page.get_by_role("link", name="Go to your course"))
    expect(heading(page, "Your training")).to_be_visible()

    # 3. The content note in the first module, then the pre-test from the overview.
    activate(page, page.get_by_role("main").get_by_role("link", name=first.title, exact=True))
    expect(heading(page, first.title)).to_be_visible()
    expect(page.get_by_text("Content note", exact=True)).to_be_visible()
    activate(page, page.get_by_role("link", name=f"Back to {pathway.title}"))
    expect(heading(page, pathway.title)).to_be_visible()
    activate(page, page.get_by_role("button", name="Start with the pre-test"))
    expect(heading(page, "Pre-test")).to_be_visible()
    activate(page, page.get_by_role("button", name="Start the pre-test"))
    keyboard.take_test(page, test, "Pre-test", right=False, rating=1)
    expect(heading(page, "Pre-test submitted")).to_be_visible()
    activate(page, page.get_by_role("button", name="Go to the modules"))

    # 4. Every module and knowledge check, continuing where the learner left off.
    expect(heading(page, pathway.title)).to_be_visible()
    activate(page, page.get_by_role("button", name="Continue where you left off"))
    for number, module in enumerate(pathway.modules, start=1):
        expect(heading(page, module.title)).to_be_visible()
        if number == 2:  # a course page: the skip link works here too
            skip_link_works(page)
        keyboard.read_module(page, module, course.checks[module.id])
        if number < modules:
            activate(page, next_link(page))
    expect(next_link(page)).to_have_count(0)

    # 5. A rewording exercise, typed, then revised by typing over it.
    (exercise_id, versions), *_ = LEARNER.rewordings
    exercise, verdicts = course.exercises[exercise_id], course.verdicts[exercise_id]
    assert verdicts == ["needs_work", "constructive"], verdicts
    activate(page, nav_link(page, "Practise"))
    activate(page, page.get_by_role("link", name=exercise.title, exact=True))
    box = page.get_by_role("textbox", name="Your rewording")
    for number, (text, verdict) in enumerate(zip(versions, verdicts, strict=True), start=1):
        type_into(page, box, text, replace=number > 1)
        button = "Get feedback on this version" if number > 1 else "Get feedback"
        activate(page, page.get_by_role("button", name=button, exact=True))
        expect(heading(page, f"Feedback on version {number}", level=2)).to_be_visible()
        expect(page.locator(".govuk-tag", has_text=VERDICTS[verdict]).first).to_be_visible()
    # The rest of the rewordings the pathway requires, typed too: the learner's other
    # exercises (their last version), then more with a model answer each.
    rest = [(course.exercises[e], versions[-1], course.verdicts[e][-1])
            for e, versions in LEARNER.rewordings[1:]]  # fmt: skip
    for exercise, text, verdict in [*rest, *course.more_rewordings]:
        activate(page, nav_link(page, "Practise"))
        activate(page, page.get_by_role("link", name=exercise.title, exact=True))
        type_into(page, page.get_by_role("textbox", name="Your rewording"), text)
        activate(page, page.get_by_role("button", name="Get feedback", exact=True))
        expect(page.locator(".govuk-tag", has_text=VERDICTS[verdict]).first).to_be_visible()

    # 6. The post-test from "Your training", passed; the results.
    activate(page, nav_link(page, "Your training"))
    expect(page.get_by_text(f"You have completed {modules} of {modules} modules.")).to_be_visible()
    activate(page, page.get_by_role("link", name=f"See all steps in {pathway.title}"))
    finish = task_items(page, "Finish the course")
    expect(task_status(finish, "Post-test")).to_have_text("Not started")
    activate(page, finish.get_by_role("link", name="Post-test"))
    activate(page, page.get_by_role("button", name="Start the post-test"))
    keyboard.take_test(page, post_test, "Post-test", right=True, rating=3)
    check_results(page, post_test)

    # 7. The certificate, its PDF downloaded with Enter, and its public check.
    activate(page, page.get_by_role("link", name="View and download your certificate"))
    expect(heading(page, "Your certificate")).to_be_visible()
    verify_url, code = verification_address(page, live_server)
    download = page.get_by_role("button", name="Download your certificate (PDF)")
    tab_to(page, download)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    check_pdf(download_info.value.suggested_filename, download_info.value.path(), pathway, code)
    check_verification(new_context(), live_server, LEARNER, pathway, verify_url)
