"""Real RQ workers (`flask worker` subprocesses) on a real Redis, with the mail going to
a real SMTP server. Run when TEST_REDIS_URL is set; in CI they must run, never skip."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta

import pytest
import redis
import sqlalchemy as sa
from rq import Worker as RQWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.cohorts.models import EnrolmentImport
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import queue, tasks
from courseapp.jobs.models import Job, JobState, Notice
from courseapp.mail import send_email
from tests.conftest import (
    TEST_SECRET,
    app_with_schema,
    build_app,
    login,
    postgres_url,
    redis_test_url,
    upload_csv,
)
from tests.mailbox import SMTPServer

DUE = date(2026, 3, 16)


@pytest.fixture
def redis_url() -> str:
    url = redis_test_url()
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def setup(redis_url, tmp_path):
    smtp = SMTPServer()
    smtp.controller.start()
    url = postgres_url()
    app = build_app(url, tmp_path, REDIS_URL=redis_url, **smtp.settings())
    with app_with_schema(app), app.app_context():
        yield app, smtp, url, redis_url
    smtp.controller.stop()


def _worker(url: str, redis_url: str, smtp: SMTPServer, *options: str, **settings):
    """A `flask worker` process that does not schedule the daily sweep."""
    env = (
        os.environ
        | settings
        | {
            "COURSEAPP_ENV": "development",
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_USE_TLS": "0",
            "BASE_URL": "http://localhost",
        }
    )
    flask = [sys.executable, "-m", "flask", "--app", "courseapp", "worker", "--no-sweep"]
    return subprocess.Popen([*flask, *options], env=env)


def _workers(app, url: str, redis_url: str, smtp: SMTPServer, count: int = 1, **settings) -> None:
    """`count` workers that stop when the queue is empty."""
    procs = [_worker(url, redis_url, smtp, "--burst", **settings) for _ in range(count)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0


def _due_learners(make_org, make_user, count: int) -> list:
    """Learners in a cohort due on DUE."""
    org = make_org()
    cohort = create_cohort(org, "Spring", "core", due_on=DUE)
    learners = [make_user(organisation=org) for _ in range(count)]
    for learner in learners:
        enrol_in_cohort(learner, cohort, course().pathways["core"])
    db.session.commit()
    return learners


def test_an_email_job_runs_in_a_worker_and_arrives(setup):
    app, smtp, url, redis_url = setup
    send_email("sam@example.org", "From the worker", "Sent by a job.")
    assert smtp.mailbox.messages == []  # queued in Redis, not sent by this process
    _workers(app, url, redis_url, smtp)
    [message] = smtp.mailbox.to("sam@example.org")
    assert "Sent by a job." in message.get_content()


def test_two_workers_running_the_sweep_at_once_send_each_reminder_once(setup, make_org, make_user):
    app, smtp, url, redis_url = setup
    learners = _due_learners(make_org, make_user, 6)
    on = (DUE - timedelta(days=7)).isoformat()
    for _ in range(4):  # four sweeps of the same day for two workers to share
        queue.enqueue_now("daily_sweep", on=on)
    _workers(app, url, redis_url, smtp, count=2)
    assert len(smtp.mailbox.messages) == len(learners)
    assert {m["To"] for m in smtp.mailbox.messages} == {u.email for u in learners}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == len(learners)


def test_a_mail_server_refusing_for_a_while_delays_the_sweeps_emails_and_sends_each_once(
    setup, make_org, make_user
):
    """The sweep records its notices and hands each email to a delivery job when it
    commits: a refused delivery is tried again (here with no wait) and undoes nothing,
    so every reminder arrives once, and a second sweep of the day sends none again."""
    app, smtp, url, redis_url = setup
    learners = _due_learners(make_org, make_user, 5)
    smtp.mailbox.refuse = 3
    on = (DUE - timedelta(days=7)).isoformat()
    queue.enqueue_now("daily_sweep", on=on)
    _workers(app, url, redis_url, smtp, JOB_RETRY_SECONDS="0,0")
    queue.enqueue_now("daily_sweep", on=on)
    _workers(app, url, redis_url, smtp, JOB_RETRY_SECONDS="0,0")
    assert smtp.mailbox.refuse == 0
    assert sorted(m["To"] for m in smtp.mailbox.messages) == sorted(u.email for u in learners)
    assert FailedJobRegistry(queue=queue.rq_queue(app)).count == 0


def test_an_email_that_cannot_be_delivered_is_kept_a_week_not_a_year(setup):
    """Its arguments hold an address and perhaps a set-password link."""
    app, smtp, url, redis_url = setup
    smtp.mailbox.refuse = 10
    app.config["JOB_RETRY_SECONDS"] = ["0"]  # one more try, at once
    send_email("sam@example.org", "Your link", "A set-password link.")
    _workers(app, url, redis_url, smtp)
    failed = FailedJobRegistry(queue=queue.rq_queue(app))
    [job_id] = failed.get_job_ids()
    assert smtp.mailbox.refuse == 8  # the first try and one more
    assert 0 < queue.rq_queue(app).connection.ttl(f"rq:job:{job_id}") <= queue.FAILED_JOB_SECONDS


def test_a_sweep_that_fails_has_already_put_the_next_days_sweep_on_the_queue(setup, monkeypatch):
    app = setup[0]

    def broken(on):
        raise RuntimeError("the sweep broke")

    monkeypatch.setattr(tasks, "run_sweep", broken)
    with pytest.raises(RuntimeError):
        queue.run("daily_sweep", {"reschedule": True}, None)
    scheduled = ScheduledJobRegistry(queue=queue.rq_queue(app)).get_job_ids()
    assert scheduled == [f"courseapp-daily-sweep-{tasks.next_sweep_time(utcnow()):%Y-%m-%d}"]


def test_two_workers_lapse_each_certificate_once(setup, make_org, make_user):
    """Renewal in real workers: each lapsed certificate gets one renewal round and one
    email, however many sweeps two workers share."""
    from courseapp.assessment.models import Certificate, Renewal
    from courseapp.content.services import enrol

    app, smtp, url, redis_url = setup
    org = make_org()
    learners = [make_user(organisation=org) for _ in range(4)]
    for learner in learners:
        enrol(learner, course().pathways["core"])
        db.session.add(Certificate(user_id=learner.id, pathway_id="core",
                                   valid_until=date(2026, 1, 31), minutes=240))  # fmt: skip
    db.session.commit()
    for _ in range(4):
        queue.enqueue_now("daily_sweep", on="2026-02-02")
    _workers(app, url, redis_url, smtp, count=2)
    assert sorted(m["To"] for m in smtp.mailbox.messages) == sorted(u.email for u in learners)
    assert all(m["Subject"].startswith("Renew your certificate") for m in smtp.mailbox.messages)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Renewal)) == len(learners)


def test_a_cohorts_certificates_are_built_by_a_worker(setup, make_org, make_user):
    app, smtp, url, redis_url = setup
    org = make_org()
    cohort = create_cohort(org, "Spring", "core")
    learners = [make_user(organisation=org) for _ in range(2)]
    for learner in learners:
        enrol_in_cohort(learner, cohort, course().pathways["core"])
        db.session.add(Certificate(user_id=learner.id, pathway_id="core", minutes=240))
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    client = app.test_client()
    login(client, coordinator)
    job_page = client.post(f"/cohorts/{cohort.id}/certificates.zip").location
    queue.wait_for_jobs()  # nothing runs in this process with Redis set
    assert db.session.scalar(sa.select(Job.state)) is JobState.QUEUED
    assert client.get(job_page).headers["Refresh"] == "5"
    _workers(app, url, redis_url, smtp)
    db.session.rollback()
    assert db.session.scalar(sa.select(Job.state)) is JobState.FINISHED
    download = client.get(f"{job_page}/download")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert len(archive.namelist()) == 2


def test_a_large_import_is_confirmed_by_a_worker(setup, make_org, make_user):
    app, smtp, url, redis_url = setup
    app.config["IMPORT_JOB_THRESHOLD"] = 2
    org = make_org()
    cohort = create_cohort(org, "Spring", "core")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    client = app.test_client()
    login(client, coordinator)
    upload_csv(
        client, cohort, "name,email\n" + "".join(f"P{n},p{n}@example.org\n" for n in range(3))
    )
    upload = db.session.scalar(sa.select(EnrolmentImport.id))
    job_page = client.post(f"/cohorts/{cohort.id}/imports/{upload}/confirm").location
    assert job_page.startswith("/jobs/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0
    _workers(app, url, redis_url, smtp)
    db.session.rollback()
    assert db.session.scalar(sa.select(Job.state)) is JobState.FINISHED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 3
    assert "Enrolled 3 learners in Spring" in client.get(job_page).get_data(as_text=True)


def test_a_worker_told_to_stop_stops_within_seconds(setup):
    """As a deploy tells it to: RQ's own listener kept a stopping worker up to a minute."""
    app, smtp, url, redis_url = setup
    proc = _worker(url, redis_url, smtp)
    connection = queue.rq_queue(app).connection
    try:
        # Idle, waiting for a job: RQ makes the worker known before it handles signals,
        # and a SIGTERM between the two ends it as the default handler does.
        for _ in range(600):
            if [w.get_state() for w in RQWorker.all(connection=connection)] == ["idle"]:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        proc.kill()
