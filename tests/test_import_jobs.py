"""Confirming a large CSV import as a job: the page says what will happen and follows
the job; the whole file is imported in one transaction, once, or on an error not at
all; the new learners' links are then given as for a small file."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from courseapp.accounts.models import Role, User
from courseapp.audit.models import AuditEvent
from courseapp.cohorts import imports
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job, JobState
from tests.conftest import (
    app_with_schema,
    build_app,
    count,
    login,
    postgres_url,
    sqlite_url,
    upload_csv,
)

ROWS = 6  # above the threshold these tests set
FILE = "name,email,team\n" + "".join(f"P{n},p{n}@example.org,Duty\n" for n in range(ROWS))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request, tmp_path) -> Iterator[Flask]:
    url = sqlite_url(tmp_path) if request.param == "sqlite" else postgres_url()
    app = build_app(url, tmp_path, IMPORT_JOB_THRESHOLD=ROWS - 1)
    with app_with_schema(app), app.app_context():
        yield app


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def setup(db_app, make_org, make_user):
    org = make_org(name="Eastbrook", teams=("Duty",))
    cohort = Cohort(organisation=org, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    client = db_app.test_client()
    login(client, coordinator)
    upload_csv(client, cohort, FILE)
    upload = db.session.scalar(sa.select(EnrolmentImport))
    return client, cohort, upload


def _learners() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.role == Role.LEARNER)
    )


def test_a_large_import_is_confirmed_by_a_job(setup):
    client, cohort, upload = setup
    confirm = f"/cohorts/{cohort.id}/imports/{upload.id}/confirm"
    started = client.post(confirm)
    assert started.status_code == 303 and started.location.startswith("/jobs/")
    queue.wait_for_jobs()
    page = text(client.get(started.location))
    assert f"We are enrolling {ROWS} learners in Spring" in page
    assert "Learners enrolled" in page and f"Enrolled {ROWS} learners in Spring" in page
    job = db.session.scalar(sa.select(Job))
    assert job.state is JobState.FINISHED and (job.done, job.total) == (ROWS, ROWS)
    assert _learners() == ROWS and count(Enrolment) == ROWS
    assert {e.cohort_id for e in db.session.scalars(sa.select(Enrolment))} == {cohort.id}
    # Double confirm: the second finds the job and imports nothing more.
    again = client.post(confirm)
    assert again.location == started.location
    assert "already being imported" in text(client.get(again.location))
    assert count(Job) == 1 and _learners() == ROWS
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "csv-import")
        )
        == 1
    )
    # What follows, as for a small file: the links file, given once.
    imported = f"/cohorts/{cohort.id}/imports/{upload.id}/imported"
    assert imported in page
    result = text(client.get(imported))
    assert "Download the password links (CSV)" in result and f"{ROWS} learners enrolled" in result
    links = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/password-links.csv")
    assert links.mimetype == "text/csv" and links.data.decode("utf-8-sig").count("\n") == ROWS + 1
    second = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/password-links.csv")
    assert second.status_code == 303
    assert "is given only once" in text(client.get(imported))


def test_the_job_imports_nothing_twice_even_if_two_confirmations_race(setup):
    """Should two requests pass the check for a job at once, the second job finds the
    file claimed and stops with a clear message."""
    client, cohort, upload = setup
    first = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm").location
    queue.wait_for_jobs()
    job = Job(kind="enrol-learners", subject=f"import {upload.id}",
              organisation_id=cohort.organisation_id, total=ROWS)  # fmt: skip
    db.session.add(job)
    db.session.commit()
    actor = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR))
    queue.run("confirm_import", {"import_id": upload.id, "actor_id": actor.id}, job.id)
    db.session.refresh(job)
    assert job.state is JobState.FAILED
    assert job.message == "This file has already been imported. Nothing from this job was kept."
    assert _learners() == ROWS and first != f"/jobs/{job.id}"
    page = text(client.get(f"/jobs/{job.id}"))
    assert "There is a problem" in page and "This file has already been imported." in page


def test_a_job_that_cannot_import_says_why_and_keeps_nothing(setup):
    client, cohort, upload = setup
    db.session.get(Cohort, cohort.id).closed_at = db.func.now()
    db.session.commit()
    started = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    queue.wait_for_jobs()
    page = client.get(started.location)
    assert "Refresh" not in page.headers
    body = text(page)
    assert "This did not finish" in body and imports.CLOSED in body
    assert "Nothing from this job was kept" in body
    assert _learners() == 0 and count(Enrolment) == 0
    db.session.refresh(upload)
    assert upload.confirmed_at is None


def test_an_error_part_way_leaves_nothing_half_done(setup, monkeypatch):
    client, cohort, upload = setup
    real_enrol_row = imports._enrol_row
    calls = []

    def failing_enrol_row(*args):
        calls.append(args)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        enrolment = real_enrol_row(*args)
        db.session.flush()  # the first rows really reach the database first
        return enrolment

    monkeypatch.setattr(imports, "_enrol_row", failing_enrol_row)
    started = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    with pytest.raises(RuntimeError):
        queue.wait_for_jobs()
    assert len(calls) == 4
    assert _learners() == 0 and count(Enrolment) == 0 and count(AuditEvent) == 0
    body = text(client.get(started.location))
    assert "Something went wrong. Nothing from this job was kept." in body
    db.session.refresh(upload)
    assert upload.confirmed_at is None
    # A failed job does not stop the file being confirmed again.
    monkeypatch.setattr(imports, "_enrol_row", real_enrol_row)
    retry = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    assert retry.location != started.location
    queue.wait_for_jobs()
    assert _learners() == ROWS


def test_a_small_import_stays_in_the_request(db_app, setup):
    client, cohort, upload = setup
    db_app.config["IMPORT_JOB_THRESHOLD"] = ROWS
    response = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    assert response.status_code == 200 and count(Job) == 0
    assert _learners() == ROWS


def test_the_imported_page_is_only_for_a_confirmed_import_in_scope(setup, make_user, make_org):
    client, cohort, upload = setup
    imported = f"/cohorts/{cohort.id}/imports/{upload.id}/imported"
    assert client.get(imported).status_code == 404  # not confirmed yet
    client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    queue.wait_for_jobs()
    assert client.get(imported).status_code == 200
    other = make_org()
    outsider = make_user(role=Role.COORDINATOR, organisation=other, covers=(other,))
    client.post("/logout")
    login(client, outsider)
    assert client.get(imported).status_code == 404
    assert client.get(f"/jobs/{db.session.scalar(sa.select(Job.id))}").status_code == 404


def test_while_a_file_waits_for_its_job_the_preview_leads_to_the_job(setup):
    client, cohort, upload = setup
    waiting = Job(kind="enrol-learners", subject=f"import {upload.id}",
                  organisation_id=cohort.organisation_id, total=ROWS)  # fmt: skip
    db.session.add(waiting)
    db.session.commit()
    preview = text(client.get(f"/cohorts/{cohort.id}/imports/{upload.id}"))
    assert "We are importing this file now" in preview and f"/jobs/{waiting.id}" in preview
    assert f"Import {ROWS} learners" not in preview
    again = client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm")
    assert again.location == f"/jobs/{waiting.id}"
    queue.wait_for_jobs()
    assert count(Job) == 1 and _learners() == 0
