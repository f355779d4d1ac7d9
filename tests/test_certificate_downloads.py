"""Certificates as one ZIP file of PDFs, built by a job: a cohort's, or those of the
learners a report's filters match; kept in the database until they expire, and seen
only by coordinators of the organisation."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.clock import clock
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job, JobFile, JobState
from tests.conftest import (
    app_with_schema,
    build_app,
    count,
    login,
    postgres_url,
    sqlite_url,
    sweep,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request, tmp_path) -> Iterator[Flask]:
    url = sqlite_url(tmp_path) if request.param == "sqlite" else postgres_url()
    app = build_app(url, tmp_path)
    with app_with_schema(app), app.app_context():
        yield app
    clock.reset()


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def cohort_world(make_org, make_user):
    """A cohort of four learners, three with a certificate, and two coordinators: one of
    the cohort's organisation, one of another."""
    org = make_org(name="Eastbrook")
    other = make_org(name="Westmoor")
    cohort = create_cohort(org, "Spring", "core")
    learners = [
        make_user(organisation=org, name=name, email=f"{name.split()[0].lower()}@example.org")
        for name in ("Cara Lee", "Amira Shah", "Ben Okafor", "Dev Patel")
    ]
    for learner in learners:
        enrol_in_cohort(learner, cohort, course().pathways["core"])
    outsider = make_user(organisation=org, name="Eve Out")  # not in the cohort
    for learner in [*learners[:3], outsider]:
        db.session.add(Certificate(user_id=learner.id, pathway_id="core", minutes=240))
    db.session.commit()
    return {
        "cohort": cohort,
        "learners": learners,
        "coordinator": make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)),
        "other_coordinator": make_user(role=Role.COORDINATOR, organisation=other, covers=(other,)),
    }


def _zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert archive.read(name).startswith(b"%PDF-")
        return archive.namelist()


def test_a_cohorts_certificates_are_built_by_a_job_and_downloaded(db_app, cohort_world):
    cohort = cohort_world["cohort"]
    client = db_app.test_client()
    login(client, cohort_world["coordinator"])
    page = text(client.get(f"/cohorts/{cohort.id}"))
    assert "3 learners in this cohort have a certificate" in page
    started = client.post(f"/cohorts/{cohort.id}/certificates.zip")
    assert started.status_code == 303 and started.location.startswith("/jobs/")
    queue.wait_for_jobs()
    page = client.get(started.location)
    assert "Refresh" not in page.headers  # finished: the page stops reloading
    body = text(page)
    assert "We are building 3 certificates" in body  # said once, on arrival
    assert "Certificates ready" in body and "Built 3 certificates" in body
    assert "3 of 3 certificates done" in body
    job = db.session.scalar(sa.select(Job))
    assert job.state is JobState.FINISHED and (job.done, job.total) == (3, 3)
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith(
        f'attachment; filename="certificates-cohort-{cohort.id}-'
    )
    codes = {c.user_id: c.code for c in db.session.scalars(sa.select(Certificate))}
    amira, ben, cara = (cohort_world["learners"][i] for i in (1, 2, 0))
    assert _zip_names(download.data) == [  # in order of name; Dev has none, Eve is elsewhere
        f"amira-shah-{codes[amira.id]}.pdf",
        f"ben-okafor-{codes[ben.id]}.pdf",
        f"cara-lee-{codes[cara.id]}.pdf",
    ]
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "download-certificates")
    )
    assert event.subject == f"cohort {cohort.id}"
    assert "Download certificates-cohort" in body and "You can download the file until" in body


def test_another_organisations_coordinator_gets_not_found(db_app, cohort_world):
    cohort = cohort_world["cohort"]
    client = db_app.test_client()
    login(client, cohort_world["coordinator"])
    job_page = client.post(f"/cohorts/{cohort.id}/certificates.zip").location
    queue.wait_for_jobs()
    client.post("/logout")
    login(client, cohort_world["other_coordinator"])
    assert client.get(job_page).status_code == 404
    assert client.get(f"{job_page}/download").status_code == 404
    assert client.post(f"/cohorts/{cohort.id}/certificates.zip").status_code == 404
    assert count(Job) == 1


def test_the_file_expires(db_app, cohort_world):
    client = db_app.test_client()
    login(client, cohort_world["coordinator"])
    job_page = client.post(f"/cohorts/{cohort_world['cohort'].id}/certificates.zip").location
    queue.wait_for_jobs()
    assert client.get(f"{job_page}/download").status_code == 200
    clock.set(db.session.scalar(sa.select(JobFile.expires_at)) + timedelta(seconds=1))
    assert client.get(f"{job_page}/download").status_code == 404
    assert "The file has expired" in text(client.get(job_page))
    # The next file built deletes the expired one.
    client.post(f"/cohorts/{cohort_world['cohort'].id}/certificates.zip")
    queue.wait_for_jobs()
    assert count(JobFile) == 1 and count(Job) == 2
    # The daily sweep deletes expired files too.
    clock.advance(timedelta(days=2))
    sweep(clock.now().date())
    assert count(JobFile) == 0


def test_a_cohort_with_no_certificates_queues_nothing(db_app, make_org, make_user):
    org = make_org()
    cohort = create_cohort(org, "Autumn", "core")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    db.session.commit()
    client = db_app.test_client()
    login(client, coordinator)
    response = client.post(f"/cohorts/{cohort.id}/certificates.zip", follow_redirects=True)
    assert "Nobody in this cohort has a certificate yet" in text(response)
    assert count(Job) == 0


def test_the_certificates_of_the_learners_a_report_filter_matches(db_app, cohort_world):
    client = db_app.test_client()
    login(client, cohort_world["coordinator"])
    cohort = cohort_world["cohort"]
    report = f"/reports/learners?pathway=core&cohort={cohort.id}&search=amira"
    assert "Download their certificates (ZIP)" in text(client.get(report))
    started = client.post(
        f"/reports/learners/certificates.zip?pathway=core&cohort={cohort.id}&search=amira"
    )
    assert started.status_code == 303 and started.location.startswith("/jobs/")
    queue.wait_for_jobs()
    job = db.session.scalar(sa.select(Job))
    assert job.organisation_id == cohort.organisation_id
    names = _zip_names(client.get(f"/jobs/{job.id}/download").data)
    assert [name.rsplit("-", 3)[0] for name in names] == ["amira-shah"]
    # No filter at all: the certificates of everyone in the organisation.
    client.post("/reports/learners/certificates.zip?pathway=core")
    queue.wait_for_jobs()
    latest = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert latest.total == 3  # the cohort's three: Eve is not enrolled on the pathway


def test_a_report_filter_spanning_organisations_asks_for_one(db_app, cohort_world, make_user):
    org = cohort_world["cohort"].organisation
    other = cohort_world["other_coordinator"].organisation
    elsewhere = make_user(organisation=other)
    db.session.add(Enrolment(user_id=elsewhere.id, pathway_id="core"))
    db.session.add(Certificate(user_id=elsewhere.id, pathway_id="core", minutes=240))
    both = make_user(role=Role.COORDINATOR, organisation=org, covers=(org, other))
    client = db_app.test_client()
    login(client, both)
    response = client.post("/reports/learners/certificates.zip?pathway=core",
                           follow_redirects=True)  # fmt: skip
    assert "Choose one organisation in the filters" in text(response)
    assert count(Job) == 0
    chosen = client.post(f"/reports/learners/certificates.zip?pathway=core&organisation={other.id}")
    assert chosen.status_code == 303
    queue.wait_for_jobs()
    job = db.session.scalar(sa.select(Job))
    assert (job.organisation_id, job.total) == (other.id, 1)


def test_erasing_a_learner_deletes_the_files_that_may_hold_their_certificate(
    db_app, cohort_world, make_user
):
    from courseapp.privacy.erasure import erase_learner

    client = db_app.test_client()
    login(client, cohort_world["coordinator"])
    job_page = client.post(f"/cohorts/{cohort_world['cohort'].id}/certificates.zip").location
    queue.wait_for_jobs()
    assert client.get(f"{job_page}/download").status_code == 200
    admin = make_user(role=Role.ADMIN)
    erase_learner(cohort_world["learners"][1], admin)
    db.session.commit()
    assert count(JobFile) == 0
    assert client.get(f"{job_page}/download").status_code == 404
