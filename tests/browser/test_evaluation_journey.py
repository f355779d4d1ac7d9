"""The course evaluation in a real browser: a learner whose course work is done (set up
through the app's services) passes the post-test, is asked for feedback on their home
page and certificate, sends it (after an error for a missing answer), and is not asked
again; their coordinator opens the evaluation report, where the learner's cohort of
five shows its averages and written answers without a name, and downloads the CSV
files. axe and reflow at 320px are checked on every new or changed page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole, Role
from courseapp.assessment import attempts, journey
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.evaluation import services as evaluation
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.organisations.services import add_team
from tests.browser.answers import answer_questions, rate
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.coordinator_reports import report_page
from tests.browser.html_check import HtmlPages
from tests.browser.staff import (
    UTF8_BOM,
    add_learner,
    add_staff,
    nav_link,
    read_download,
    take_test,
)
from tests.conftest import complete_the_work

LEARNER_NAME = "Nadia Okafor"
LEARNER_EMAIL = "nadia.okafor@riverside.example.org"
COORDINATOR_EMAIL = "owen.price@riverside.example.org"
PASSWORD = "lantern meadow copper kettle"
PLAN = "Start case notes with what the children saw and heard."
COLLEAGUES = ["Ben Hollis", "Cara Mensah", "Dev Rao", "Erin Walsh"]


def seed(live_server: LiveServer):
    """The learner, with the pre-test, every module and the rewordings done, in cohort
    Spring and team Duty; four colleagues there who have finished and given feedback;
    their coordinator. Returns the form the learner's post-test will use."""
    with live_server.app.app_context():
        learner = enrol_learner(live_server, organisation="Riverside Council",
                                sector=Sector.LOCAL_AUTHORITY, name=LEARNER_NAME,
                                email=LEARNER_EMAIL, password=PASSWORD,
                                job_role=JobRole.SOCIAL_WORKER, pathway_id="core")  # fmt: skip
        org = learner.organisation
        duty = add_team(org, "Duty")
        learner.team = duty
        pathway = course().pathways["core"]
        cohort = create_cohort(org, "Spring", "core")
        enrol_in_cohort(learner, cohort, pathway)
        add_staff("Owen Price", COORDINATOR_EMAIL, PASSWORD, Role.COORDINATOR, org)
        take_test(learner, Phase.PRE, 0)
        complete_the_work(learner, pathway)
        for n, name in enumerate(COLLEAGUES):
            colleague = add_learner(org, name, f"colleague{n}@riverside.example.org", team=duty)
            enrol_in_cohort(colleague, cohort, pathway)
            complete_the_work(colleague, pathway)
            passed = take_test(colleague, Phase.POST, len(attempts.test_for(
                colleague, pathway, Phase.POST, 1).items))  # fmt: skip
            assert journey.award_certificate(colleague, pathway, passed) is not None
            evaluation.submit(colleague, pathway, evaluation.Feedback(4, 3, f"Plan {n}", ""))
        db.session.commit()
        return attempts.test_for(learner, pathway, Phase.POST, 1)


@pytest.mark.browser
def test_a_learner_evaluates_the_course_and_the_coordinator_reads_it(
    page: Page, live_server: LiveServer, new_context, html_pages: HtmlPages
):
    form = seed(live_server)
    page.goto(f"{live_server.url}/login")
    sign_in(page, LEARNER_EMAIL, PASSWORD)

    # 1. The post-test passed: the certificate, with the evaluation offered.
    page.get_by_role("button", name="Go to the post-test").click()
    page.get_by_role("button", name="Start the post-test").click()
    rate(page, form.ratings, 3)
    page.get_by_role("button", name="Save and continue").click()
    answer_questions(page, form, "Post-test", right=True)
    page.get_by_role("button", name="Submit post-test").click()
    page.get_by_role("link", name="View and download your certificate").click()
    expect(heading(page, "Your certificate")).to_be_visible()
    check_page(page, "certificate-with-evaluation-link")
    html_pages.add(page, "certificate-with-evaluation-link")

    # 2. The home page asks too, until the feedback is sent.
    nav_link(page, "Your training").click()
    expect(page.get_by_role("button", name="No thanks")).to_be_visible()
    check_page(page, "home-evaluation-invite")
    html_pages.add(page, "home-evaluation-invite")
    page.get_by_role("button", name="Give feedback").click()

    # 3. The form says what is shared; a missing answer is an error; then it is sent.
    expect(heading(page, "Tell us what you thought of the course")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("never see who wrote what")
    check_page(page, "evaluation-form")
    html_pages.add(page, "evaluation-form")
    page.get_by_role("group", name="How useful was the course?").get_by_label(
        "Very useful", exact=True
    ).check()
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Select how relevant the course was to your role"
    )
    check_page(page, "evaluation-form-error")
    html_pages.add(page, "evaluation-form-error")
    page.get_by_role("group", name="How relevant was it to your role?").get_by_label(
        "Relevant", exact=True
    ).check()
    page.get_by_label("What will you do differently in your work? (optional)").fill(PLAN)
    page.get_by_role("button", name="Send my feedback").click()
    expect(heading(page, "Thank you for your feedback")).to_be_visible()
    check_page(page, "evaluation-sent")
    html_pages.add(page, "evaluation-sent")
    page.get_by_role("link", name="Go to your training").click()
    expect(heading(page, "Your training")).to_be_visible()
    expect(page.get_by_role("button", name="Give feedback")).to_have_count(0)

    # 4. The coordinator's report: the cohort of five, its answers, no names.
    staff = new_context().new_page()
    staff.goto(f"{live_server.url}/login")
    sign_in(staff, COORDINATOR_EMAIL, PASSWORD)
    nav_link(staff, "Reports").click()
    report_page(staff, "Course evaluation")
    cohorts = staff.get_by_role("table", name="By cohort")
    spring = cohorts.get_by_role("row").filter(
        has=staff.get_by_role("rowheader", name="Spring", exact=True)
    )
    expect(spring).to_contain_text("5")
    expect(spring).to_contain_text("4.2 out of 5")  # usefulness: 4, 4, 4, 4 and 5
    expect(spring).to_contain_text("3.2 out of 5")  # relevance: 3, 3, 3, 3 and 4
    main = staff.get_by_role("main")
    expect(main.get_by_text(PLAN)).to_be_visible()
    for name in (LEARNER_NAME, *COLLEAGUES):
        expect(main).not_to_contain_text(name)
    check_page(staff, "evaluation-report")
    html_pages.add(staff, "evaluation-report")
    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="Download written answers (CSV)").click()
    raw, header, rows = read_download(download_info.value)
    assert raw.startswith(UTF8_BOM)
    assert header == ["organisation", "cohort", "question", "answer"]
    assert ["Riverside Council", "Spring", "What will you do differently in your work?",
            PLAN] in rows  # fmt: skip
    html_pages.assert_valid()
