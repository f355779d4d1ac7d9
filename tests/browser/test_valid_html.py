"""Every page type, once, through the Nu HTML checker in one run: valid HTML, with no
repeated ids (a page of small forms, a page with two forms' buttons). The live server
checks the HTML it sends for every page any browser test loads (see serve in
conftest.py); this test loads the page types together, pages no journey reaches among
them, and also checks them as the browser has them once their scripts have run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from courseapp.accounts.services import make_email_change_link
from courseapp.assessment.models import TestAttempt
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from courseapp.rewording.models import Response
from tests.browser.conftest import LiveServer, check_page
from tests.browser.html_check import HtmlPages
from tests.browser.staff import Progress, add_learner
from tests.browser.test_people_and_cohorts import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    COORDINATOR_EMAIL,
    COORDINATOR_PASSWORD,
    LEARNER_PASSWORD,
    seed,
    sign_in_as,
)

REWORDER = "rio.mensah@eastbrook.example.org"


@pytest.mark.browser
def test_every_page_type_is_valid_html(page: Page, live_server: LiveServer, html_pages: HtmlPages):
    seeded = seed(live_server)
    with live_server.app.app_context():
        org = db.session.get(Organisation, seeded["org"])
        learner = add_learner(org, "Rio Mensah", REWORDER, password=LEARNER_PASSWORD,
                              progress=Progress(pre=20, modules=2, rewordings=(
                                  ("let-him-in", ("Are you and the children safe at home?",), None),
                              )))  # fmt: skip
        db.session.commit()
        attempt = db.session.scalar(
            sa.select(TestAttempt.id).where(TestAttempt.user_id == learner.id)
        )
        response = db.session.scalar(sa.select(Response.id).where(Response.user_id == learner.id))
        learner_id = learner.id
        with live_server.app.test_request_context():
            email_link = make_email_change_link(learner, "rio.m@eastbrook.example.org")
    org_id, cohort = seeded["org"], seeded["cohort"]

    def visit(path: str, name: str) -> None:
        page.goto(live_server.url + path)
        html_pages.add(page, name)

    for path, name in [
        ("/", "start"), ("/login", "sign-in"), ("/register", "join"),
        ("/support", "support"), ("/privacy", "privacy"), ("/glossary", "glossary"),
        ("/certificates/", "certificate-check"), ("/password/forgotten", "forgotten-password"),
        ("/setup/spent", "link-invalid"), (f"/certificates/{seeded['certificate']}", "verify"),
    ]:  # fmt: skip
        visit(path, name)
    # The page a new email address's confirmation link opens (sent only with mail set up).
    page.goto(live_server.url + "/account/email/" + email_link.rsplit("/", 1)[1])
    check_page(page, "confirm-email-link")
    html_pages.add(page, "confirm-email-link")
    sign_in_as(page, live_server, REWORDER, LEARNER_PASSWORD)
    for path, name in [
        ("/", "learner-home"), ("/pathways", "pathways"), ("/pathways/core", "pathway"),
        ("/modules/welcome", "module"), ("/modules/welcome/print", "printable"),
        ("/modules/welcome/check", "knowledge-check"), ("/practice", "practice"),
        ("/practice/let-him-in", "exercise-with-versions"), ("/account", "account"),
        ("/account/password", "change-password"), ("/account/name", "change-name"),
        (f"/attempts/{attempt}/results", "results"), ("/pathways/core/tests/post", "post-test"),
    ]:  # fmt: skip
        visit(path, name)
    sign_in_as(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    for path, name in [
        ("/organisations/", "organisations"), (f"/organisations/{org_id}", "organisation"),
        (f"/organisations/{org_id}/people/{learner_id}", "person-edit"),
        (f"/organisations/{org_id}/joining", "joining"),
        (f"/organisations/{org_id}/cohorts/new", "cohort-create"),
        (f"/cohorts/{cohort}", "cohort"), (f"/cohorts/{cohort}/edit", "cohort-edit"),
        (f"/cohorts/{cohort}/members/{seeded['late']}", "cohort-member"),
        (f"/cohorts/{cohort}/imports/new", "import-upload"),
        ("/reports/", "reports"), ("/reports/learners", "report-learners"),
        (f"/reports/learners/{learner_id}", "report-learner"),
        ("/review", "review-queue"), (f"/review/{response}", "review"),
    ]:  # fmt: skip
        visit(path, name)
    sign_in_as(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    for path, name in [
        ("/audit", "audit-log"), ("/organisations/new", "organisation-create"),
        (f"/organisations/{org_id}", "organisation-as-admin"),
        (f"/organisations/{org_id}/coordinators/new", "add-coordinator"),
        (f"/organisations/{org_id}/members/{learner_id}/erase", "erase"),
        (f"/organisations/{org_id}/logo", "logo"),
    ]:  # fmt: skip
        visit(path, name)
    html_pages.assert_valid()
