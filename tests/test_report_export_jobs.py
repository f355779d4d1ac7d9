"""Report exports of a row per learner for more learners than EXPORT_JOB_THRESHOLD are
built by a job, confirmed on a page of their own: the same file as a small export,
kept in the database for download by those who may read it, deleted by an erasure."""

from __future__ import annotations

import html
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from courseapp.accounts.models import JobRole, Role
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job, JobFile, JobState
from courseapp.privacy import erasure
from courseapp.reports.data import Filters
from tests.conftest import login


@pytest.fixture
def db_app(any_db_app: Flask) -> Flask:
    any_db_app.config["EXPORT_JOB_THRESHOLD"] = 2
    return any_db_app


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def world(make_org, make_user):
    org, other = make_org(name="Eastbrook"), make_org(name="Westmoor")
    learners = [make_user(organisation=org, name=f"Learner {n}", email=f"l{n}@example.org")
                for n in range(3)]  # fmt: skip
    for learner in [*learners, make_user(organisation=other, name="Wes Moor")]:
        enrol(learner, course().pathways["core"])
    db.session.commit()
    return {
        "org": org, "other": other, "learners": learners,
        "coordinator": make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)),
        "both": make_user(role=Role.COORDINATOR, organisation=org, covers=(org, other)),
        "admin": make_user(role=Role.ADMIN),
    }  # fmt: skip


def test_a_large_export_is_confirmed_built_by_a_job_and_downloaded(db_app, world):
    client = db_app.test_client()
    login(client, world["coordinator"])
    db_app.config["EXPORT_JOB_THRESHOLD"] = 100
    direct = client.get("/reports/export/learners.csv")
    assert direct.mimetype == "text/csv"
    db_app.config["EXPORT_JOB_THRESHOLD"] = 2

    asked = client.get("/reports/export/learners.csv")
    page = text(asked)
    assert asked.status_code == 200 and asked.mimetype == "text/html"
    assert "This report covers 3 learners" in page and "Build the file" in page
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Job))

    started = client.post("/reports/export/learners.csv")
    assert started.status_code == 303 and started.location.startswith("/jobs/")
    queue.wait_for_jobs()
    body = text(client.get(started.location))
    assert "We are building the report of 3 learners" in body
    assert "Report ready" in body and "Built the report of 3 learners" in body
    job = db.session.scalar(sa.select(Job))
    assert job.state is JobState.FINISHED and job.organisation_id == world["org"].id
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="learners-core-'
    )
    assert download.data == direct.data  # the same file as one sent at once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export-learners")) == 2  # fmt: skip

    client.post("/logout")
    login(client, world["both"])  # a coordinator of both organisations may read it
    assert client.get(f"/jobs/{job.id}/download").status_code == 200


def test_small_exports_and_question_statistics_are_sent_at_once(db_app, world):
    client = db_app.test_client()
    login(client, world["coordinator"])
    assert client.get("/reports/export/items.csv").mimetype == "text/csv"  # a row per question
    assert client.get("/reports/export/learners.csv?search=Learner+1").mimetype == "text/csv"
    assert client.post("/reports/export/items.csv").status_code == 404


def test_a_coordinator_of_several_organisations_chooses_one(db_app, world):
    client = db_app.test_client()
    login(client, world["both"])
    page = text(client.get("/reports/export/learners.csv"))
    assert "This report covers 4 learners" in page
    assert "Choose one organisation" in page and "Build the file" not in page
    refused = client.post("/reports/export/learners.csv")
    assert refused.status_code == 303 and "/reports/export/learners.csv" in refused.location
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Job))
    chosen = client.post(f"/reports/export/learners.csv?organisation={world['org'].id}")
    assert chosen.location.startswith("/jobs/")
    queue.wait_for_jobs()


def test_others_cannot_read_the_file_and_an_erasure_deletes_it(db_app, world):
    client = db_app.test_client()
    login(client, world["admin"])
    every = client.post("/reports/export/learners.csv").location  # every organisation
    login_other = db_app.test_client()
    login(login_other, world["coordinator"])
    mine = login_other.post("/reports/export/responses.csv").location
    queue.wait_for_jobs()
    assert login_other.get(f"{every}/download").status_code == 404  # not one of theirs
    assert client.get(f"{mine}/download").status_code == 200  # an admin may read any
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobFile)) == 2

    erasure.erase_learner(world["learners"][0], world["admin"])
    db.session.commit()
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(JobFile))
    assert client.get(f"{every}/download").status_code == 404


def test_filters_travel_to_the_job_unchanged():
    filters = Filters("core", frozenset({3, 1}), team_id=4, job_role=JobRole.TEACHER,
                      cohort_id=9, enrolled_from=date(2026, 1, 2), enrolled_to=date(2026, 3, 4),
                      search="50%_", include_deactivated=True)  # fmt: skip
    assert Filters.from_json(filters.as_json()) == filters
    assert Filters.from_json(Filters("core", None).as_json()) == Filters("core", None)
