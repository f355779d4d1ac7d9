"""Work that runs as a job, in a real browser with no Redis (the job runs in the web
process after the response): a coordinator asks for a cohort's certificates, follows
the progress page as it reloads itself without JavaScript, and downloads the ZIP file.
The progress page is checked with axe and at 320px (check_page) while a job is
running, once it has finished and when it has failed."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.catalogue import course
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.extensions import db
from courseapp.jobs.models import Job, JobState
from courseapp.organisations.models import Sector
from courseapp.organisations.services import create_organisation
from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.browser.staff import add_learner, add_staff

COORDINATOR_EMAIL = "tomasz.nowak@eastbrook.example.org"
COORDINATOR_PASSWORD = "saddle orchard lantern quiver"


def seed(live_server: LiveServer) -> dict:
    """A cohort of two certified learners, and two earlier jobs: one half way through,
    one that stopped with a problem."""
    with live_server.app.app_context():
        org = create_organisation("Eastbrook Borough Council", Sector.LOCAL_AUTHORITY)
        add_staff("Tomasz Nowak", COORDINATOR_EMAIL, COORDINATOR_PASSWORD, Role.COORDINATOR, org)
        cohort = create_cohort(org, "Autumn practitioners", "core")
        for name in ("Grace Obi-Williams", "Femi Adebayo"):
            email = name.split()[0].lower() + "@eastbrook.example.org"
            learner = add_learner(org, name, email)
            enrol_in_cohort(learner, cohort, course().pathways["core"])
            db.session.add(Certificate(user_id=learner.id, pathway_id="core", minutes=240))
        running = Job(kind="certificates-zip", organisation_id=org.id,
                      state=JobState.RUNNING, done=120, total=240)  # fmt: skip
        failed = Job(kind="enrol-learners", organisation_id=org.id, state=JobState.FAILED,
                     done=0, total=2000, message="This cohort is closed, so nobody can be "
                     "added to it. Reopen it first. Nothing from this job was kept.")  # fmt: skip
        db.session.add_all([running, failed])
        db.session.commit()
        return {"cohort": cohort.id, "running": running.id, "failed": failed.id}


def test_a_coordinator_follows_a_job_and_downloads_the_certificates(
    page: Page, live_server: LiveServer
) -> None:
    ids = seed(live_server)
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)

    # Running: progress as words, and the page reloads itself (a Refresh header).
    response = page.goto(f"{live_server.url}/jobs/{ids['running']}")
    assert response is not None and response.headers["refresh"] == "5"
    expect(heading(page, "Building certificates")).to_be_visible()
    expect(page.locator("#progress")).to_have_text("120 of 240 certificates done")
    page.get_by_role("link", name="Stop this page updating itself").click()
    expect(page.get_by_text("This page does not update itself now")).to_be_visible()
    check_page(page, "job-running")

    # Failed: what went wrong, and that nothing was kept.
    page.goto(f"{live_server.url}/jobs/{ids['failed']}")
    expect(heading(page, "This did not finish")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Nothing from this job was kept.")
    check_page(page, "job-failed")

    # A real job: asked for on the cohort's page, followed until it has finished.
    page.goto(f"{live_server.url}/reports/learners")
    expect(page.get_by_role("button", name="Download their certificates (ZIP)")).to_be_visible()
    check_page(page, "learners-report-with-certificates")
    page.goto(f"{live_server.url}/cohorts/{ids['cohort']}")
    expect(page.get_by_text("2 learners in this cohort have a certificate")).to_be_visible()
    check_page(page, "cohort-with-certificates")
    page.get_by_role("button", name="Download the certificates (ZIP)").click()
    expect(page.get_by_text("We are building 2 certificates.")).to_be_visible()
    # Without JavaScript the page reloads itself until the work is done.
    expect(page.get_by_role("heading", name="Certificates ready")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Built 2 certificates")).to_be_visible()
    check_page(page, "job-finished")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download certificates-cohort").click()
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        names = archive.namelist()
    assert [name.split("-")[0] for name in names] == ["femi", "grace"]


def test_a_large_import_is_confirmed_by_a_job_the_coordinator_follows(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    ids = seed(live_server)
    live_server.app.config["IMPORT_JOB_THRESHOLD"] = 2
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"{live_server.url}/cohorts/{ids['cohort']}/imports/new")
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email\n" + "".join(f"Learner {n},l{n}@eastbrook.example.org\n" for n in range(3)),
        encoding="utf-8",
    )
    page.get_by_label("Upload a CSV file").set_input_files(str(people))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Import 3 learners").click()
    expect(page.get_by_text("We are enrolling 3 learners in Autumn practitioners.")).to_be_visible()
    expect(page.get_by_role("heading", name="Learners enrolled")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Enrolled 3 learners in Autumn practitioners")).to_be_visible()
    page.get_by_role("link", name="See the learners enrolled").click()
    # The job's page has the same heading: wait for the cohort's own page.
    expect(page).to_have_title(re.compile(r"^Learners enrolled in "))
    expect(heading(page, "Learners enrolled")).to_be_visible()
    check_page(page, "imported-by-a-job")
    with page.expect_download() as links:
        page.get_by_role("button", name="Download the password links (CSV)").click()
    rows = Path(links.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 4 and rows[1].startswith("Learner 0,l0@eastbrook.example.org")


def test_a_large_report_export_is_built_by_a_job(page: Page, live_server: LiveServer) -> None:
    seed(live_server)
    live_server.app.config["EXPORT_JOB_THRESHOLD"] = 1
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"{live_server.url}/reports/export/learners.csv")
    expect(heading(page, "Download the learners report")).to_be_visible()
    expect(page.get_by_text("This report covers 2 learners")).to_be_visible()
    check_page(page, "export-by-job")
    page.get_by_role("button", name="Build the file").click()
    expect(page.get_by_text("We are building the report of 2 learners.")).to_be_visible()
    expect(page.get_by_role("heading", name="Report ready")).to_be_visible(timeout=90_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download learners-core").click()
    rows = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[0].startswith("name,email,organisation")
    assert sorted(row.split(",")[0] for row in rows[1:]) == ["Femi Adebayo", "Grace Obi-Williams"]
