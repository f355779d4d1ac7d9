"""A certificate lapses, in a real browser: the public verification page says it is
genuine but expired (with the date), and after the daily sweep the learner's home page
shows the refresher and the expired certificate. Axe checks each changed page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.clock import clock
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.organisations.models import Sector
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in
from tests.browser.html_check import HtmlPages
from tests.conftest import complete_the_work
from tests.test_renewal import pass_post_test

PASSWORD = "a long renewal passphrase"


@pytest.fixture
def certified(live_server: LiveServer):
    """A learner who completed the core course on 10 March 2025: current until
    10 March 2027."""
    clock.set(datetime(2025, 3, 10, 12, tzinfo=UTC))
    with live_server.app.app_context():
        learner = enrol_learner(
            live_server, organisation="Westholm Council", sector=Sector.LOCAL_AUTHORITY,
            name="Noor Okafor", email="noor@westholm.example.org", password=PASSWORD,
            job_role=JobRole.SOCIAL_WORKER, pathway_id="core",
        )  # fmt: skip
        core = course().pathways["core"]
        pre = attempts.start_or_resume(learner, core, Phase.PRE)
        attempts.submit(pre, core.definition.pass_mark)
        complete_the_work(learner, core)
        code = pass_post_test(learner, core).code
        coordinator = User(
            name="Dev Malik", email="dev@westholm.example.org", role=Role.COORDINATOR,
            password_hash=hash_password(PASSWORD), organisation=learner.organisation,
        )  # fmt: skip
        coordinator.covered_organisations = [learner.organisation]
        db.session.add(coordinator)
        db.session.commit()
    yield code
    clock.reset()


@pytest.mark.browser
def test_an_expired_certificate_and_the_refresher(
    page: Page, live_server: LiveServer, certified: str, html_pages: HtmlPages
):
    code = certified
    clock.set(datetime(2026, 12, 1, 9, tzinfo=UTC))
    page.goto(f"{live_server.url}/certificates/{code}")
    expect(heading(page, "This certificate is genuine")).to_be_visible()
    expect(page.get_by_text("10 March 2027")).to_be_visible()
    check_page(page, "certificate-verified-valid-until")

    clock.set(datetime(2027, 3, 11, 6, tzinfo=UTC))
    page.goto(f"{live_server.url}/certificates")
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Check the certificate").click()
    expect(heading(page, "This certificate is genuine but has expired")).to_be_visible()
    expect(page.get_by_text("was current until 10 March 2027", exact=False)).to_be_visible()
    check_page(page, "certificate-verified-expired")
    html_pages.add(page, "certificate-verified-expired")

    with live_server.app.app_context():
        queue.run("daily_sweep", {"on": "2027-03-11"}, None)
    page.goto(f"{live_server.url}/login")
    sign_in(page, "noor@westholm.example.org", PASSWORD)
    expect(heading(page, "Your training")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Refresher.")).to_be_visible()
    expect(main.get_by_text("work through this course again", exact=False)).to_be_visible()
    expect(main.get_by_role("button", name="Start the course")).to_be_visible()
    check_page(page, "learner-home-refresher")
    html_pages.add(page, "learner-home-refresher")
    main.get_by_role("link", name="View your expired certificate").click()
    expect(page.get_by_text("This certificate expired", exact=False)).to_be_visible()
    check_page(page, "certificate-expired")
    html_pages.add(page, "certificate-expired")

    # The coordinator sees the lapsed certificate on the learners report and a count on
    # the overview.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/login")
    sign_in(page, "dev@westholm.example.org", PASSWORD)
    page.goto(f"{live_server.url}/reports/learners?pathway=core")
    row = page.get_by_role("row").filter(has_text="Noor Okafor")
    expect(row.get_by_text("Lapsed")).to_be_visible()
    check_page(page, "reports-learners-certificate-status")
    html_pages.add(page, "reports-learners-certificate-status")
    page.goto(f"{live_server.url}/reports/?pathway=core")
    expect(heading(page, "Certificates and renewal", level=2)).to_be_visible()
    check_page(page, "reports-overview-renewal")
    html_pages.add(page, "reports-overview-renewal")
    html_pages.assert_valid()
