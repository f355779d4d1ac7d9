"""The coach does not praise polite blame, says so when it cannot judge, and the
coordinator has the last word: a learner sends a politely blaming answer and gets
needs-work feedback with no praise, revises it into one the coach cannot judge, and
a coordinator sets the verdict, which the learner then sees. axe runs on each page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole, Role
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.rewording import services
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.staff import add_staff

EXERCISE_ID = "let-him-in"
LEARNER_EMAIL = "ffion.rees@westmoor.example.org"
COORDINATOR_EMAIL = "jon.okafor@westmoor.example.org"
PASSWORD = "copper lantern biscuit harbour"
POLITE_BLAME = (
    "I know this is really hard for you, but have you thought about leaving Liam "
    "for the children's sake?"
)
UNSURE = "Sara and the children were at home on Tuesday evening when Liam came."
COMMENT = "A fair start: next time say what Liam did."


def seed(live_server: LiveServer) -> None:
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation="Westmoor Council",
                                sector=Sector.LOCAL_AUTHORITY, name="Ffion Rees",
                                email=LEARNER_EMAIL, password=PASSWORD,
                                job_role=JobRole.SOCIAL_WORKER, pathway_id="core")  # fmt: skip
        add_staff("Jon Okafor", COORDINATOR_EMAIL, PASSWORD, Role.COORDINATOR, learner.organisation)
        pathway = course().pathways["core"]
        attempts.submit(attempts.start_or_resume(learner, pathway, Phase.PRE), 50)
        db.session.commit()
        exercise = course().rewording.exercises[EXERCISE_ID]
        assert services.feedback(exercise, POLITE_BLAME).verdict == "needs_work"
        assert services.feedback(exercise, UNSURE).verdict == "uncertain"


@pytest.mark.browser
def test_polite_blame_gets_no_praise_and_a_coordinator_settles_an_uncertain_answer(
    page: Page, live_server: LiveServer, new_context
):
    seed(live_server)
    exercise_url = f"{live_server.url}/practice/{EXERCISE_ID}"
    page.goto(f"{live_server.url}/login")
    sign_in(page, LEARNER_EMAIL, PASSWORD)
    page.goto(exercise_url)

    # 1. Politely blaming: needs work, the pressure named, and no praise at all.
    page.get_by_role("textbox", name="Your rewording").fill(POLITE_BLAME)
    page.get_by_role("button", name="Get feedback").click()
    expect(heading(page, "Feedback on version 1", level=2)).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Needs work")).to_be_visible()
    flags = page.locator(".app-feedback--flag")
    expect(flags.filter(has_text="Presents leaving him as the answer")).to_have_count(1)
    expect(heading(page, "What works", level=3)).to_have_count(0)
    expect(page.locator(".app-feedback--strength")).to_have_count(0)
    check_page(page, "rewording-polite-blame")

    # 2. Revised into something the coach cannot judge: it says so, and who will.
    page.get_by_role("textbox", name="Your rewording").fill(UNSURE)
    page.get_by_role("button", name="Get feedback on this version").click()
    expect(heading(page, "Feedback on version 2", level=2)).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Waiting for your coordinator")).to_be_visible()
    expect(page.get_by_text("The coach could not judge this version")).to_be_visible()
    expect(page.get_by_text("A coordinator will look at it")).to_be_visible()
    expect(page.locator(".app-feedback--strength")).to_have_count(0)
    check_page(page, "rewording-uncertain")

    # 3. The coordinator finds it first in the queue and sets the verdict.
    coordinator = new_context().new_page()
    coordinator.goto(f"{live_server.url}/login")
    sign_in(coordinator, COORDINATOR_EMAIL, PASSWORD)
    coordinator.goto(f"{live_server.url}/review")
    expect(heading(coordinator, "Review rewordings")).to_be_visible()
    first_row = coordinator.locator("tbody tr").first
    expect(first_row).to_contain_text("Waiting for your coordinator")
    first_row.get_by_role("link").first.click()
    expect(heading(coordinator, "Review Ffion Rees's rewording")).to_be_visible()
    expect(coordinator.get_by_text("The coach could not judge this version")).to_be_visible()
    check_page(coordinator, "rewording-review-uncertain")
    verdict = coordinator.get_by_role("group", name="Your verdict")
    verdict.get_by_label("Needs work", exact=True).check()
    coordinator.get_by_label("Comment for the learner", exact=True).fill(COMMENT)
    coordinator.get_by_role("button", name="Save", exact=True).click()
    expect(
        coordinator.get_by_role("alert").filter(has_text="Your review has been saved.")
    ).to_be_visible()
    expect(coordinator.locator("tbody tr").first).to_contain_text("Set by a coordinator")
    check_page(coordinator, "rewording-queue-after-verdict")

    # 4. The learner sees the coordinator's verdict and comment, here and in the list.
    page.reload()
    expect(page.get_by_text("Your coordinator has looked at this version")).to_be_visible()
    expect(page.locator(".app-coordinator-comment")).to_contain_text(COMMENT)
    check_page(page, "rewording-coordinator-verdict")
    page.goto(f"{live_server.url}/practice")
    row = page.locator(".govuk-task-list__item").filter(has_text="Asking about a partner")
    expect(row.locator(".govuk-task-list__status")).to_contain_text("Needs work (your coordinator)")
