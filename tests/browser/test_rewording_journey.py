"""A learner practises a rewording exercise in a real browser: the privacy check before
anything is saved, feedback with its explanations and the model answers, a revision, the
self-rating, and the unsent draft kept in the browser. axe runs on every page type.
(A coordinator reviewing a rewording, and the learner reading the comment, is part of
tests/browser/test_coordinator_journey.py.)

The expected flags and strengths are worked out by the same rules the app uses, so
the test follows the rules file rather than repeating its wording.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from courseapp.accounts.models import JobRole, User
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.catalogue.exercises import Exercise
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.rewording import services
from courseapp.rewording.engine import Assessment
from courseapp.rewording.models import Response, SelfRating
from tests.browser.conftest import (
    LiveServer,
    check_page,
    enrol_learner,
    heading,
    sign_in,
)

EXERCISE_ID = "let-him-in"
ORGANISATION = "Eastbrook City Council"
NAME = "Morag Lindsay"
EMAIL = "morag.lindsay@eastbrook.example.org"
PASSWORD = "pebble orchard violin tundra"

WITH_PHONE = "What happened last night? Ring me on 07700 900123."
BLAMING = "Why did you let him in when you know what he is like?"
CONSTRUCTIVE = (
    "What happened when he came to the flat last night, and how are you and the children now?"
)
DRAFT = "What did you do to keep the children safe while he was there"
RATING_QUESTION = "How does your latest version compare with the model answers?"


def seed(live_server: LiveServer) -> tuple[Exercise, Assessment, Assessment]:
    """The learner, pre-test in. Returns the exercise and the feedback the app gives the
    blaming and the constructive answers."""
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation=ORGANISATION,
                                sector=Sector.LOCAL_AUTHORITY, name=NAME, email=EMAIL,
                                password=PASSWORD, job_role=JobRole.SOCIAL_WORKER,
                                pathway_id="core")  # fmt: skip
        pathway = course().pathways["core"]
        attempt = attempts.start_or_resume(learner, pathway, Phase.PRE)
        attempts.submit(attempt, pathway.definition.pass_mark)
        db.session.commit()
        exercise = course().rewording.exercises[EXERCISE_ID]
        blaming = services.feedback(exercise, BLAMING)
        constructive = services.feedback(exercise, CONSTRUCTIVE)
        assert blaming.verdict == "needs_work", blaming.as_json()
        assert {"why-question", "survivor-blame"} <= set(blaming.as_json()["flags"])
        assert constructive.verdict == "constructive", constructive.as_json()
        return exercise, blaming, constructive


def responses_of(live_server: LiveServer, email: str) -> list[Response]:
    with live_server.app.app_context():
        rows = db.session.scalars(
            sa.select(Response)
            .join(User, User.id == Response.user_id)
            .where(User.email == email)
            .order_by(Response.version)
        ).all()
        db.session.expunge_all()
        return list(rows)


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def rewording_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Your rewording")


@pytest.mark.browser
def test_learner_rewords_and_revises(page: Page, live_server: LiveServer):
    exercise, blaming, constructive = seed(live_server)
    exercise_url = f"{live_server.url}/practice/{EXERCISE_ID}"

    # 1. The learner finds the exercise through "Practise" in the header.
    page.goto(f"{live_server.url}/login")
    sign_in(page, EMAIL, PASSWORD)
    expect(heading(page, "Your training")).to_be_visible()
    nav_link(page, "Practise").click()
    expect(heading(page, "Practise constructive language")).to_be_visible()
    exercise_row = page.locator(".govuk-task-list__item").filter(has_text=exercise.title)
    expect(exercise_row.locator(".govuk-task-list__status")).to_have_text("Not started")
    check_page(page, "rewording-practice")

    page.get_by_role("link", name=exercise.title, exact=True).click()
    expect(page).to_have_url(exercise_url)
    expect(heading(page, exercise.title)).to_be_visible()
    expect(page.get_by_text(exercise.destructive)).to_be_visible()
    expect(rewording_box(page)).to_have_value("")
    expect(heading(page, "Model answers", level=2)).to_have_count(0)
    check_page(page, "rewording-exercise")

    # 2a. A phone number: asked for made-up details, and nothing is kept.
    rewording_box(page).fill(WITH_PHONE)
    page.get_by_role("button", name="Get feedback").click()
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("seems to include a phone number")
    expect(warning).to_contain_text("Please use made-up details")
    expect(warning).to_contain_text("Nothing has been saved yet")
    expect(page.get_by_label("These details are made up, not a real family's")).not_to_be_checked()
    expect(rewording_box(page)).to_have_value(WITH_PHONE)
    expect(page.get_by_role("heading", name=re.compile(r"^Feedback on version"))).to_have_count(0)
    assert responses_of(live_server, EMAIL) == []
    check_page(page, "rewording-privacy")

    # 2b. A blaming answer: "Needs work", each flag explained, the model answers shown.
    rewording_box(page).fill(BLAMING)
    page.get_by_role("button", name="Get feedback").click()
    expect(page).to_have_url(f"{exercise_url}#feedback")
    expect(heading(page, "Feedback on version 1", level=2)).to_be_visible()
    expect(page.locator("blockquote.app-learner-text")).to_have_text(BLAMING)
    expect(page.locator(".govuk-tag", has_text="Needs work")).to_be_visible()
    expect(heading(page, "What still needs work", level=3)).to_be_visible()
    flags = page.locator(".app-feedback--flag")
    expect(flags).to_have_count(len(blaming.flags))
    for finding, item in zip(blaming.flags, flags.all(), strict=True):
        expect(item).to_contain_text(finding.rule.label)
        expect(item).to_contain_text(finding.rule.explains)
    expect(flags.filter(has_text='A "why" question about her choices')).to_have_count(1)
    expect(page.locator(".app-feedback--strength")).to_have_count(0)
    expect(heading(page, "Model answers", level=2)).to_be_visible()
    for answer in exercise.model_answers:
        expect(page.get_by_role("listitem").filter(has_text=answer)).to_have_count(1)
    expect(heading(page, "Your earlier versions", level=2)).to_have_count(0)
    check_page(page, "rewording-feedback")

    # 3. A revision: "Constructive", its strengths, version 1 kept; then the self-rating.
    expect(rewording_box(page)).to_have_value(BLAMING)
    rewording_box(page).fill(CONSTRUCTIVE)
    page.get_by_role("button", name="Get feedback on this version").click()
    expect(heading(page, "Feedback on version 2", level=2)).to_be_visible()
    expect(page.locator("blockquote.app-learner-text")).to_have_text(CONSTRUCTIVE)
    expect(page.locator(".govuk-tag", has_text="Constructive").first).to_be_visible()
    expect(heading(page, "What still needs work", level=3)).to_have_count(0)
    expect(heading(page, "What works", level=3)).to_be_visible()
    strengths = page.locator(".app-feedback--strength")
    expect(strengths).to_have_count(len(constructive.strengths))
    for finding, item in zip(constructive.strengths, strengths.all(), strict=True):
        expect(item).to_contain_text(finding.rule.label)
        expect(item).to_contain_text(finding.rule.explains)
    expect(heading(page, "Your earlier versions", level=2)).to_be_visible()
    earlier = page.locator("h2:text-is('Your earlier versions') + ol > li")
    expect(earlier).to_have_count(1)
    expect(earlier).to_have_attribute("value", "1")
    expect(earlier).to_contain_text(BLAMING)
    expect(earlier.locator(".govuk-tag")).to_have_text("Needs work")

    rating = page.get_by_role("group", name=RATING_QUESTION)
    rating.get_by_label("As good as the model answers", exact=True).check()
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_role("alert").filter(has_text="Your rating has been saved.")).to_be_visible()
    expect(
        page.get_by_role("group", name=RATING_QUESTION).get_by_label(
            "As good as the model answers", exact=True
        )
    ).to_be_checked()
    kept = responses_of(live_server, EMAIL)
    assert [(r.version, r.text, r.verdict) for r in kept] == [
        (1, BLAMING, "needs_work"),
        (2, CONSTRUCTIVE, "constructive"),
    ]
    assert [r.self_rating for r in kept] == [None, SelfRating.AS_GOOD]

    # 4. Words typed and not sent are put back after a reload (kept in this browser).
    rewording_box(page).fill(DRAFT)
    page.reload()
    expect(heading(page, "Feedback on version 2", level=2)).to_be_visible()
    expect(rewording_box(page)).to_have_value(DRAFT)
    expect(
        page.locator(".govuk-form-group").get_by_text(
            "We have put back the words you had not yet sent.", exact=True
        )
    ).to_be_visible()
    assert len(responses_of(live_server, EMAIL)) == 2
