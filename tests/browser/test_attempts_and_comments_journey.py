"""No dead end after the post-test, and comments a learner does not miss, in a real
browser: a learner who failed three post-tests is told that no attempts are left and
that their coordinator has been told; the coordinator sees them on the reports page and
in the learners list's "attempts used up" status, gives another attempt with a reason,
and the learner passes it (on the form after the one they last took, answered from the
loaded course). The coordinator then filters the review queue to responses not yet
reviewed and comments on one; the learner's home page shows the comment until they open
the exercise. axe and reflow at 320px are checked on every new or changed page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole, Role
from courseapp.assessment import attempts, grants
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.rewording import reviewing
from courseapp.rewording import services as rewording
from tests.browser.answers import answer_questions, check_results, rate
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.staff import add_learner, add_staff, take_test
from tests.conftest import complete_the_work

LEARNER_EMAIL = "lou.adeyemi@northfield.example.org"
COORDINATOR_EMAIL = "maya.singh@northfield.example.org"
PASSWORD = "velvet otter saucepan meadow"
COMMENT = "Good: you named what he did. Next, say what it means for the children."


def seed(live_server: LiveServer):
    """The learner, with the course done and three post-tests failed; a colleague with
    two rewordings, one already reviewed; their coordinator. Returns the form the
    fourth attempt will use."""
    with live_server.app.app_context():
        live_server.app.config["POST_TEST_ATTEMPTS"] = 3
        learner = enrol_learner(live_server, organisation="Northfield Council",
                                sector=Sector.LOCAL_AUTHORITY, name="Lou Adeyemi",
                                email=LEARNER_EMAIL, password=PASSWORD,
                                job_role=JobRole.SOCIAL_WORKER, pathway_id="core")  # fmt: skip
        org = learner.organisation
        coordinator = add_staff("Maya Singh", COORDINATOR_EMAIL, PASSWORD, Role.COORDINATOR, org)
        pathway = course().pathways["core"]
        take_test(learner, Phase.PRE, 0)
        complete_the_work(learner, pathway)
        taken = [take_test(learner, Phase.POST, 0).test_id for _ in range(3)]
        colleague = add_learner(org, "Sam Reviewed", "sam.reviewed@northfield.example.org")
        exercises = list(rewording.exercises().values())
        done = rewording.submit(colleague, exercises[0], exercises[0].model_answers[0])
        reviewing.add_note(done, coordinator, None, "Thank you")
        db.session.commit()
        fourth = attempts.test_for(learner, pathway, Phase.POST, 4)
        assert fourth.id != taken[-1]  # forms keep alternating
        return fourth


@pytest.mark.browser
def test_a_coordinator_grants_an_attempt_and_the_learner_passes(
    page: Page, live_server: LiveServer, new_context
):
    form = seed(live_server)
    page.goto(f"{live_server.url}/login")
    sign_in(page, LEARNER_EMAIL, PASSWORD)

    # 1. Out of attempts: told so, and never sent to a post-test that cannot start.
    main = page.get_by_role("main")
    expect(main).to_contain_text(grants.USED_UP_MESSAGE)
    expect(page.get_by_role("button", name="Go to the post-test")).to_have_count(0)
    check_page(page, "home-attempts-used-up")
    page.goto(f"{live_server.url}/pathways/core/tests/post")
    expect(main).to_contain_text(grants.USED_UP_MESSAGE)
    expect(page.get_by_role("button", name="Start the post-test")).to_have_count(0)
    check_page(page, "test-start-attempts-used-up")

    # 2. The coordinator is told, on the reports page and in the learners list.
    staff = new_context().new_page()
    staff.goto(f"{live_server.url}/login")
    sign_in(staff, COORDINATOR_EMAIL, PASSWORD)
    staff.goto(f"{live_server.url}/reports/")
    notice = staff.get_by_role("region", name="Learners waiting for you")
    expect(notice).to_contain_text("1 learner has used every post-test attempt without passing")
    check_page(staff, "reports-attempts-notice")
    staff.goto(f"{live_server.url}/reports/learners")
    staff.get_by_text("Filter the report").click()  # the filters are folded away
    staff.get_by_label("Status").select_option(label="Attempts used up")
    staff.get_by_role("button", name="Apply filters").click()
    rows = staff.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Attempts used up")
    check_page(staff, "learners-status-filter")
    rows.first.get_by_role("link", name="Lou Adeyemi").click()
    expect(heading(staff, "Lou Adeyemi")).to_be_visible()
    check_page(staff, "learner-record-attempts-used-up")
    staff.get_by_role("link", name="Give another attempt").click()
    expect(heading(staff, "Give Lou Adeyemi another post-test attempt")).to_be_visible()
    check_page(staff, "grant-attempt")
    staff.get_by_role("button", name="Give another attempt").click()
    expect(staff.get_by_role("alert")).to_contain_text("Enter the reason for the extra attempt")
    check_page(staff, "grant-attempt-error")
    staff.get_by_label("Why are you giving another attempt?").fill(
        "Talked it through on 3 December; revisiting modules 4 and 5 first."
    )
    staff.get_by_role("button", name="Give another attempt").click()
    expect(staff.get_by_text("Lou Adeyemi can now take the post-test again.")).to_be_visible()
    expect(staff.get_by_role("link", name="Give another attempt")).to_have_count(0)

    # 3. The learner takes the fourth attempt, on the other form, and passes.
    page.goto(live_server.url)
    expect(main).not_to_contain_text(grants.USED_UP_MESSAGE)
    page.get_by_role("button", name="Go to the post-test").click()
    page.get_by_role("button", name="Start the post-test").click()
    rate(page, form.ratings, 3)
    page.get_by_role("button", name="Save and continue").click()
    answer_questions(page, form, "Post-test", right=True)
    page.get_by_role("button", name="Submit post-test").click()
    check_results(page, form)
    expect(page.get_by_text("You have completed the course.")).to_be_visible()
    staff.goto(f"{live_server.url}/reports/")
    expect(staff.get_by_role("region", name="Learners waiting for you")).to_have_count(0)

    # 4. The review queue, filtered to responses not yet reviewed.
    staff.goto(f"{live_server.url}/review")
    staff.get_by_label("Reviewed").select_option(label="Not yet reviewed")
    staff.get_by_role("button", name="Filter").click()
    table = staff.get_by_role("table")
    expect(table).not_to_contain_text("Sam Reviewed")
    expect(table).to_contain_text("Lou Adeyemi")
    check_page(staff, "review-queue-not-yet-reviewed")
    table.locator("tbody tr").first.get_by_role("link").click()
    staff.get_by_label("Comment for the learner").fill(COMMENT)
    staff.get_by_role("button", name="Save").click()

    # 5. The learner sees the comment on their home page until they open the exercise.
    page.goto(live_server.url)
    banner = page.get_by_role("region", name="New from your coordinator")
    expect(banner).to_contain_text(COMMENT)
    check_page(page, "home-new-comments")
    banner.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/practice/"))  # the banner shows the comment too
    expect(page.get_by_role("main")).to_contain_text(COMMENT)
    page.goto(live_server.url)
    expect(page.get_by_role("region", name="New from your coordinator")).to_have_count(0)
