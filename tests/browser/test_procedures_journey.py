"""Local procedures and printable summaries in a real browser.

A coordinator writes their organisation's local procedures page, previews it and
publishes it; a learner in that organisation finds it from the support page; a learner
in another organisation gets the national support list instead. The learner also opens
a module's one-page summary, a module page with a captioned table and a general
practice box, and an exercise that opens with a content note. axe and the reflow check
at 320px run on every new page type.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from tests.browser.conftest import LiveServer, check_page, enrol_learner, heading, sign_in

PASSWORD = "a long browser password 4"
LEAD = "**Alex Reid**, designated safeguarding lead: [0131 496 0000](tel:01314960000)"
OUT_OF_HOURS = "Out-of-hours social work: 0800 496 0000 (evenings and weekends)"
SERVICES = "- Lothian Women's Aid: 0131 496 0001\n- Children's support service: 0131 496 0002"
MARAC = "Talk to your safeguarding lead first. They send the MARAC referral form."


def _seed(live_server: LiveServer) -> tuple[int, str, str, str]:
    with live_server.app.app_context():
        own = enrol_learner(
            live_server, organisation="Northfield Council", sector=Sector.LOCAL_AUTHORITY,
            name="Lena Learner", email="lena@example.org", password=PASSWORD,
            job_role=JobRole.SOCIAL_WORKER, pathway_id="core",
        )  # fmt: skip
        attempt = attempts.start_or_resume(own, course().pathways["core"], Phase.PRE)
        attempts.submit(attempt, 70)
        other = enrol_learner(
            live_server, organisation="Southbank Trust", sector=Sector.VOLUNTARY,
            name="Omar Other", email="omar@example.org", password=PASSWORD,
            job_role=JobRole.SOCIAL_WORKER, pathway_id="core",
        )  # fmt: skip
        org = db.session.get(Organisation, own.organisation_id)
        coordinator = User(
            name="Cora Coordinator", email="cora@example.org",
            password_hash=hash_password(PASSWORD), role=Role.COORDINATOR,
            job_role=JobRole.SOCIAL_WORKER,
        )  # fmt: skip
        coordinator.covered_organisations = [org]
        db.session.add(coordinator)
        db.session.commit()
        return org.id, coordinator.email, own.email, other.email


def _signed_in(browser: Browser, live_server: LiveServer, email: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/login")
    sign_in(page, email, PASSWORD)
    return page


def test_local_procedures_and_summaries(browser: Browser, live_server: LiveServer) -> None:
    org_id, coordinator, own, other = _seed(live_server)

    staff = _signed_in(browser, live_server, coordinator)
    staff.goto(f"{live_server.url}/organisations/{org_id}")
    staff.get_by_role("link", name="Edit the local procedures page").click()
    expect(heading(staff, "Local procedures")).to_be_visible()
    check_page(staff, "local-procedures-edit")
    staff.get_by_label("Your designated safeguarding lead").fill(LEAD)
    staff.get_by_label("Out-of-hours social work").fill(OUT_OF_HOURS)
    staff.get_by_label("Local domestic abuse services").fill(SERVICES)
    staff.get_by_label("How to refer to MARAC").fill(MARAC)
    staff.get_by_role("button", name="Preview").click()
    preview = staff.get_by_role("region", name="Preview: what your learners will see")
    expect(preview.locator("strong", has_text="Alex Reid")).to_be_visible()
    expect(preview.get_by_role("link", name="0131 496 0000")).to_have_attribute(
        "href", "tel:01314960000"
    )
    check_page(staff, "local-procedures-preview")
    staff.get_by_role("button", name="Save and publish").click()
    expect(staff.get_by_text("published to your learners")).to_be_visible()

    learner = _signed_in(browser, live_server, own)
    learner.goto(f"{live_server.url}/support")
    learner.get_by_role("link", name="your local procedures").click()
    expect(heading(learner, "Your local procedures")).to_be_visible()
    expect(learner.get_by_role("heading", name="How to refer to MARAC")).to_be_visible()
    expect(learner.get_by_text("Lothian Women's Aid: 0131 496 0001")).to_be_visible()
    check_page(learner, "local-procedures-learner")

    learner.goto(f"{live_server.url}/modules/why-change")
    with live_server.app.app_context():
        reviewed = course().modules["why-change"].meta.reviewed
    expect(learner.get_by_text(f"Last reviewed: {reviewed:%-d %B %Y}")).to_be_visible()
    learner.get_by_role("link", name="Print the one-page summary of this module").click()
    expect(heading(learner, "Why practice needs to change")).to_be_visible()
    expect(learner.get_by_role("heading", name="A phrase to use instead")).to_be_visible()
    check_page(learner, "module-summary")
    learner.emulate_media(media="print")
    expect(learner.get_by_role("link", name="Back to the module")).to_be_hidden()
    learner.emulate_media(media="screen")

    learner.goto(f"{live_server.url}/modules/welcome/how-to-use-the-course")
    caption = "The steps of the course and whether each one counts"
    expect(learner.get_by_role("region", name=caption).locator("caption")).to_have_text(caption)
    learner.goto(f"{live_server.url}/modules/language-and-documentation/the-models-practice-tools")
    expect(learner.get_by_text("General safeguarding practice", exact=True)).to_be_visible()
    check_page(learner, "module-part-with-practice-box")
    learner.goto(f"{live_server.url}/practice/your-responsibility-to-keep-them-safe")
    expect(learner.get_by_text("Content note:")).to_be_visible()
    check_page(learner, "rewording-exercise-with-content-note")

    elsewhere = _signed_in(browser, live_server, other)
    elsewhere.goto(f"{live_server.url}/local-procedures")
    expect(elsewhere.get_by_text("has not added local procedures")).to_be_visible()
    expect(elsewhere.get_by_text("Alex Reid")).to_have_count(0)
    check_page(elsewhere, "local-procedures-national")
