"""A learner who passed the post-test ninety days ago is invited by the daily sweep
(an email through a real SMTP server, and a notice on their home page), takes the
follow-up test through its pages in a real browser, and sees their result beside
their pre- and post-test. Axe and the Nu HTML checker check every page of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole
from courseapp.assessment import follow_up
from courseapp.assessment.models import FollowUp
from courseapp.catalogue import course
from courseapp.catalogue.items import TAG_LABELS
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from tests.browser.answers import answer_questions
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.html_check import HtmlPages
from tests.conftest import sweep
from tests.mailbox import mail_to
from tests.test_follow_up import DAY_90, pass_the_course

EMAIL = "noor.haddad@westfold.example.org"
PASSWORD = "a long enough password"


def seed(live_server: LiveServer) -> None:
    """The learner, who passed the course on PASSED."""
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation="Westfold Council",
                                sector=Sector.LOCAL_AUTHORITY, name="Noor Haddad", email=EMAIL,
                                password=PASSWORD, job_role=JobRole.SOCIAL_WORKER,
                                pathway_id="core")  # fmt: skip
        pass_the_course(learner, course().pathways["core"])


def look(page: Page, html_pages: HtmlPages, name: str) -> None:
    """Axe and reflow now (check_page); valid HTML at the end of the test."""
    check_page(page, name)
    html_pages.add(page, name)


@pytest.mark.browser
def test_a_learner_is_invited_and_takes_the_follow_up_test(
    page: Page, live_server: LiveServer, html_pages: HtmlPages
):
    seed(live_server)
    app = live_server.app
    with app.app_context(), mail_to(app) as smtp:
        sweep(DAY_90 - timedelta(days=1))
        assert smtp.mailbox.messages == []
        sweep(DAY_90)
        [invitation] = smtp.mailbox.to(EMAIL)
        drawn = db.session.scalar(sa.select(FollowUp.item_ids))
        test = follow_up.test_from("core", drawn)
    link = re.search(r"Take the follow-up test: (\S+)", invitation.get_content()).group(1)
    assert link == f"{live_server.url}/pathways/core/tests/follow-up"

    # 1. The home page shows the invitation.
    page.goto(f"{live_server.url}/login")
    sign_in(page, EMAIL, PASSWORD)
    notice = page.get_by_role("region", name="Follow-up test")
    expect(notice).to_contain_text("You are invited to a short follow-up test")
    expect(notice).to_contain_text(f"It asks {len(drawn)} questions")
    look(page, html_pages, "follow-up-home-notice")

    # 2. The start page, then the questions drawn for this learner, all answered right.
    notice.get_by_role("link", name="Take the follow-up test").click()
    expect(heading(page, "Follow-up test")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("There is no pass mark")
    look(page, html_pages, "follow-up-start")
    page.get_by_role("button", name="Start the follow-up test").click()
    expect(heading(page, "Questions")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_contain_text("Follow-up test · page 1 of")
    look(page, html_pages, "follow-up-question")
    answer_questions(page, test, "Follow-up test", right=True, first=1)
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    look(page, html_pages, "follow-up-check")
    page.get_by_role("button", name="Submit follow-up test").click()

    # 3. The result: the score, each area before, after and now, and the feedback.
    expect(heading(page, "Your follow-up test results")).to_be_visible()
    expect(page.get_by_text("Your score:")).to_contain_text("100%")
    table = page.get_by_role("table", name="Score by area of the model")
    expect(table.get_by_role("columnheader", name="Follow-up")).to_be_visible()
    for tag in dict.fromkeys(item.tag for item in test.items):
        expect(table.get_by_role("rowheader", name=TAG_LABELS[tag], exact=True)).to_be_visible()
    expect(heading(page, "Feedback on each question", level=2)).to_be_visible()
    look(page, html_pages, "follow-up-results")

    # 4. Taken: the notice has gone, and the start page points to the result.
    page.goto(live_server.url)
    expect(page.get_by_role("region", name="Follow-up test")).to_have_count(0)
    page.goto(link)
    expect(page.get_by_role("link", name="See your result")).to_be_visible()
    html_pages.assert_valid()
