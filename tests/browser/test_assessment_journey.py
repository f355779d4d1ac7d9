"""A learner takes the pre-test and the post-test in a real browser and gets their
certificate: the modules locked until the pre-test is in, no score or feedback after
it, answers saved as they are given, full feedback and the pre/post comparison after
the post-test, the certificate as a web page and a PDF, and its public check.
axe runs on every kind of test page on the way.

The modules themselves are completed through the services (the browser journey
through a module is tests/browser/test_course_journey.py). The right answers are
read from the loaded course, and inputs are found by their labels, because the
order of each item's options is shuffled for every attempt.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from courseapp.accounts.models import JobRole, User
from courseapp.assessment import bank
from courseapp.assessment.kinds import field_name
from courseapp.assessment.schema import SCALES, SCHEMES, TAG_LABELS, ItemBase, SelfRating
from courseapp.content import services
from courseapp.content.course import Pathway
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from tests.browser.conftest import (
    LiveServer,
    check_page,
    enrol_learner,
    heading,
    sign_in,
    task_list,
)

ORGANISATION = "Southvale Schools Federation"
NAME = "Priya Natarajan"
EMAIL = "priya.natarajan@southvale.example.org"
PASSWORD = "meadow quartz lantern ferry"
PATHWAY_ID = "briefing"
TEST_ID = "briefing-test"
LOCKED = "Complete the pre-test to unlock the modules"
SAVED = "Your answers have been saved."


def seed_learner(live_server: LiveServer) -> tuple[Pathway, bank.Test]:
    """An organisation and a teacher enrolled on the briefing, pre-test not taken.
    Returns the pathway and its test as the course defines them."""
    with live_server.app.app_context():
        enrol_learner(live_server, organisation=ORGANISATION, sector=Sector.EDUCATION,
                      name=NAME, email=EMAIL, password=PASSWORD, job_role=JobRole.TEACHER,
                      pathway_id=PATHWAY_ID)  # fmt: skip
        pathway = services.course().pathways[PATHWAY_ID]
        db.session.commit()
        test = services.course().bank.tests[TEST_ID]
        assert pathway.definition.pre_test == pathway.definition.post_test == TEST_ID
        return pathway, test


def complete_modules(live_server: LiveServer, pathway: Pathway) -> None:
    """The shortcut: every module of the pathway recorded as completed."""
    with live_server.app.app_context():
        learner = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        for module in pathway.modules:
            services.record_completion(learner, module)
        db.session.commit()


def sign_in_learner(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    sign_in(page, EMAIL, PASSWORD)
    expect(heading(page, "Your training")).to_be_visible()


def task_items(page: Page, heading_text: str) -> Locator:
    return task_list(page, heading_text).locator("> li")


def task_status(tasks: Locator, title: str) -> Locator:
    row = tasks.filter(has_text=re.compile(rf"^\s*{re.escape(title)}"))
    return row.locator(".govuk-task-list__status")


def first_field(entry: ItemBase | SelfRating) -> str:
    """The name of an entry's (first) input: a classification has one select per statement."""
    if getattr(entry, "kind", None) == "classification":
        return field_name(entry.id, entry.statements[0].id)
    return field_name(entry.id)


def question(page: Page, entry: ItemBase | SelfRating) -> Locator:
    """The fieldset (role group) that holds an item's or self-rating's inputs."""
    return page.get_by_role("group").filter(has=page.locator(f'[name="{first_field(entry)}"]'))


def choose(group: Locator, label: str, value: str) -> Locator:
    """Check the radio or checkbox with this label, making sure it sends this value."""
    control = group.get_by_label(label, exact=True)
    expect(control).to_have_attribute("value", value)
    control.check()
    return control


def answer(page: Page, item: ItemBase, right: bool) -> None:
    """Answer an item all right, or (for the pre-test) all wrong."""
    group = question(page, item)
    if item.kind in ("single", "scenario"):
        chosen = item.correct if right else next(o.id for o in item.options if o.id != item.correct)
        choose(group, next(o.text for o in item.options if o.id == chosen), chosen)
    elif item.kind == "multiple":
        for option in item.options:
            if (option.id in item.correct) == right:
                choose(group, option.text, option.id)
            else:
                group.get_by_label(option.text, exact=True).uncheck()
    elif item.kind == "true-false":
        value = item.correct if right else not item.correct
        choose(group, "True" if value else "False", "true" if value else "false")
    elif item.kind == "classification":
        for statement in item.statements:
            category = (
                statement.answer
                if right
                else next(key for key in SCHEMES[item.scheme] if key != statement.answer)
            )
            group.get_by_label(statement.text, exact=True).select_option(category)
    else:  # pragma: no cover - a new kind needs teaching to this test
        raise AssertionError(f"no way to answer a {item.kind} item")


def rate(page: Page, ratings: tuple[SelfRating, ...], choice: int) -> None:
    for rating in ratings:
        label = SCALES[rating.scale][choice]
        choose(question(page, rating), label, str(choice + 1))


def autosave_status(page: Page) -> Locator:
    return page.locator("form[data-autosave]").get_by_role("status")


def page_count(page: Page) -> int:
    caption = page.locator(".govuk-caption-l").inner_text()
    match = re.search(r"page 1 of (\d+)", caption)
    assert match, caption
    return int(match.group(1))


def answer_questions(page: Page, test: bank.Test, name: str, *, right: bool, scan: bool = False):
    """From the first question page (page 2, after the self-ratings), answer every item
    on every page with "Save and continue", up to the check-your-answers page. With
    scan, axe checks the first question page and the first page with each other kind
    of input: selects (a classification item) and checkboxes."""
    attempt_url = re.sub(r"/pages/\d+$", "", page.url)
    number = 2
    scanned: set[str] = set()
    remaining = list(test.items)
    while remaining:
        expect(page).to_have_url(f"{attempt_url}/pages/{number}")
        expect(heading(page, "Questions")).to_be_visible()
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"{name} · page {number} of")
        on_page = [i for i in remaining if page.locator(f'[name="{first_field(i)}"]').count()]
        assert on_page, f"no item of the test on page {number}"
        for item in on_page:
            answer(page, item, right)
        remaining = [item for item in remaining if item not in on_page]
        if scan:
            here = {
                "questions": True,
                "classification": page.locator("select").count() > 0,
                "checkboxes": page.get_by_role("checkbox").count() > 0,
            }
            new = [kind for kind, found in here.items() if found and kind not in scanned]
            if new:  # one scan covers every kind of input first seen on this page
                check_page(page, f"test-{new[0]}")
                scanned |= set(new)
        page.get_by_role("button", name="Save and continue").click()
        number += 1
    if scan:
        assert scanned == {"questions", "classification", "checkboxes"}, scanned
    expect(page).to_have_url(f"{attempt_url}/check")


@pytest.mark.browser
def test_learner_takes_the_tests_and_gets_a_certificate(
    page: Page, live_server: LiveServer, new_context
):
    pathway, test = seed_learner(live_server)
    first_module = pathway.modules[0]
    tags = list(dict.fromkeys(item.tag for item in test.items))
    explanations = [item.explanation for item in test.items]

    # 1. Signs in: the course starts with the pre-test, and the modules are locked.
    sign_in_learner(page, live_server)
    expect(heading(page, pathway.title, level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Start with the pre-test")).to_be_visible()
    expect(page.get_by_role("button", name="Start the course")).to_have_count(0)

    page.get_by_role("link", name=f"See all steps in {pathway.title}").click()
    expect(heading(page, pathway.title)).to_be_visible()
    expect(task_status(task_items(page, "Before you start"), "Pre-test")).to_have_text(
        "Not started"
    )
    modules = task_items(page, "Modules")
    expect(modules).to_have_count(len(pathway.modules))
    for module in pathway.modules:
        expect(task_status(modules, module.title)).to_have_text("Cannot start yet")
    expect(modules.filter(has_text=LOCKED)).to_have_count(len(pathway.modules))
    expect(modules.get_by_role("link")).to_have_count(0)
    expect(task_status(task_items(page, "Finish the course"), "Post-test")).to_have_text(
        "Cannot start yet"
    )
    check_page(page, "overview-locked")

    overview_url = f"{live_server.url}/pathways/{pathway.id}"
    for locked_url in (
        f"/modules/{first_module.id}",
        f"/modules/{first_module.id}/{first_module.parts[0].slug}",
    ):
        page.goto(f"{live_server.url}{locked_url}")
        expect(page).to_have_url(overview_url)
        expect(page.get_by_role("region", name="Important")).to_contain_text(f"{LOCKED}.")

    # 2. The pre-test: start page, self-ratings, every question page, check, submit.
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
    answer_questions(page, test, "Pre-test", right=False, scan=True)

    expect(heading(page, "Check your answers before you submit")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row")).to_have_count(
        len(test.ratings) + len(test.items)
    )
    expect(page.get_by_text("Answered", exact=True)).to_have_count(
        len(test.ratings) + len(test.items)
    )
    expect(page.get_by_text("Not answered")).to_have_count(0)
    check_page(page, "test-check")
    page.get_by_role("button", name="Submit pre-test").click()

    # No score and no feedback after the pre-test: the same questions come back.
    expect(heading(page, "Pre-test submitted")).to_be_visible()
    expect(page.get_by_text("The modules are now open")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(re.compile(r"\d+ ?%|score:|right answer|your answer", re.I))
    for explanation in explanations:
        expect(main).not_to_contain_text(explanation)
    expect(main.locator(".govuk-tag, .app-review, table")).to_have_count(0)
    check_page(page, "pre-test-submitted")

    # The modules are open now; the post-test waits for them.
    page.get_by_role("button", name="Go to the modules").click()
    expect(page).to_have_url(overview_url)
    expect(task_status(task_items(page, "Before you start"), "Pre-test")).to_have_text("Completed")
    for module in pathway.modules:
        expect(task_status(modules, module.title)).to_have_text("Not started")
    expect(modules.get_by_role("link")).to_have_count(len(pathway.modules))
    finish = task_items(page, "Finish the course")
    expect(task_status(finish, "Post-test")).to_have_text("Cannot start yet")
    expect(finish.first).to_contain_text("Complete every module to unlock the post-test")
    page.get_by_role("link", name=first_module.title, exact=True).click()
    expect(heading(page, first_module.title)).to_be_visible()
    # The pre-test is taken once only.
    page.goto(f"{live_server.url}/pathways/{pathway.id}/tests/pre")
    expect(page.get_by_text("You have completed the pre-test.")).to_be_visible()
    expect(page.get_by_role("button", name="Start the pre-test")).to_have_count(0)

    # 4 (first half). Every module completed by the shortcut opens the post-test.
    complete_modules(live_server, pathway)
    page.goto(overview_url)
    expect(
        page.get_by_text(f"You have completed {len(pathway.modules)} of {len(pathway.modules)}")
    ).to_be_visible()
    expect(task_status(finish, "Post-test")).to_have_text("Not started")
    finish.get_by_role("link", name="Post-test").click()
    expect(heading(page, "Post-test")).to_be_visible()
    page.get_by_role("button", name="Start the post-test").click()
    expect(heading(page, "How confident do you feel?")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_contain_text(f"Post-test · page 1 of {pages}")
    rate(page, test.ratings, 3)
    page.get_by_role("button", name="Save and continue").click()

    # 3. Autosave: an answer given and not yet sent with the page is there when the
    # page is opened afresh.
    expect(heading(page, "Questions")).to_be_visible()
    first_item = next(
        item for item in test.items if page.locator(f'[name="{first_field(item)}"]').count()
    )
    assert first_item.kind in ("single", "scenario"), first_item.kind
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

    # 4 (second half). Every question answered right, checked and submitted.
    answer_questions(page, test, "Post-test", right=True)
    expect(page.get_by_text("Not answered")).to_have_count(0)
    page.get_by_role("button", name="Submit post-test").click()

    expect(heading(page, "Your post-test results")).to_be_visible()
    expect(heading(page, "You passed", level=2)).to_be_visible()
    expect(page.locator(".govuk-panel")).to_contain_text("Your score: 100%")
    table = page.get_by_role("table", name="Score by area of the model")
    expect(table.get_by_role("columnheader")).to_have_text(["Area", "Pre-test", "Post-test"])
    expect(table.locator("tbody tr")).to_have_count(len(tags))
    for tag in tags:
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=TAG_LABELS[tag], exact=True)
        )
        expect(row.get_by_role("cell")).to_have_text(["0%", "100%"])

    expect(heading(page, "Feedback on each question", level=2)).to_be_visible()
    reviews = page.locator(".app-review")
    expect(reviews).to_have_count(len(test.items))
    for number, item in enumerate(test.items, start=1):
        review = reviews.nth(number - 1)
        expect(heading(review, f"{number}. {item.stem}", level=3)).to_be_visible()
        expect(review.locator(".govuk-tag")).to_have_text("Right")
        expect(review).to_contain_text(item.explanation)
        if item.kind == "classification":
            for statement in item.statements:
                label = SCHEMES[item.scheme][statement.answer]
                expect(
                    review.get_by_role("row").filter(has_text=statement.text).get_by_role("cell")
                ).to_have_text([statement.text, label, label])
        else:
            rights = len(item.correct) if item.kind == "multiple" else 1
            expect(review.get_by_text("(your answer)")).to_have_count(rights)
            expect(review.get_by_text("(right answer)")).to_have_count(rights)
            expect(review.locator("li").filter(has_text="(your answer)")).to_contain_text(
                ["(right answer)"] * rights
            )
    check_page(page, "post-test-results")

    # 5. The certificate: the page, the PDF, and the public check.
    page.get_by_role("link", name="View and download your certificate").click()
    expect(heading(page, "Your certificate")).to_be_visible()
    certificate = page.get_by_role("region", name="Certificate")
    expect(certificate).to_contain_text(NAME)
    expect(certificate).to_contain_text(pathway.title)
    expect(certificate).not_to_contain_text(EMAIL)
    check_page(page, "certificate")

    check_line = certificate.get_by_text(re.compile(r"^Check this certificate at "))
    verify_url = check_line.inner_text().removeprefix("Check this certificate at ").strip()
    code = verify_url.rsplit("/", 1)[-1]
    assert verify_url == f"{live_server.url}/certificates/{code}", verify_url
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    expect(certificate).to_contain_text(code)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{pathway.id}-{code}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    assert len(pdf) > 1024, len(pdf)

    stranger = new_context().new_page()
    response = stranger.goto(verify_url)
    assert response is not None and response.status == 200
    expect(stranger.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(heading(stranger, "This certificate is genuine")).to_be_visible()
    details = stranger.locator(".govuk-summary-list")
    expect(details).to_contain_text(NAME)
    expect(details).to_contain_text(pathway.title)
    expect(stranger.get_by_role("main")).not_to_contain_text(EMAIL)
    assert EMAIL not in stranger.content()
    check_page(stranger, "certificate-verify")

    # The code as people may type it: lower case, without hyphens.
    stranger.goto(f"{live_server.url}/certificates/{code.replace('-', '').lower()}")
    expect(heading(stranger, "This certificate is genuine")).to_be_visible()

    response = stranger.goto(f"{live_server.url}/certificates/ZZZZ-ZZZZ-ZZZZ")
    assert response is not None and response.status == 404
    expect(heading(stranger, "Certificate not found")).to_be_visible()
    expect(stranger.get_by_role("main")).not_to_contain_text(NAME)
    check_page(stranger, "certificate-not-found")
