"""The job queue's in-process fallback, email through a real SMTP server (aiosmtpd),
the daily sweep's reminders and digest, unsubscribing, and the progress page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from courseapp.accounts.models import Role
from courseapp.accounts.services import issue_password_link, user_for_password_token
from courseapp.catalogue import course
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job, JobState, Notice
from courseapp.jobs.sweep import current_stage
from courseapp.mail import send_email, unsubscribe_token
from tests.conftest import app_with_schema, build_app, login, postgres_url, sqlite_url, sweep
from tests.mailbox import SMTPServer

DUE = date(2026, 3, 16)


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def mail_app(request, tmp_path, smtp) -> Iterator[Flask]:
    url = sqlite_url(tmp_path) if request.param == "sqlite" else postgres_url()
    app = build_app(url, tmp_path, **smtp.settings())
    with app_with_schema(app), app.app_context():
        yield app


def _cohort_learner(make_org, make_user, due: date = DUE):
    org = make_org()
    cohort = create_cohort(org, "Spring", "core")
    cohort.due_on = due
    learner = make_user(organisation=org, name="Amira Shah", email="amira@example.org")
    enrol_in_cohort(learner, cohort, course().pathways["core"])
    db.session.commit()
    return org, learner


def test_without_redis_a_job_runs_in_process_and_the_email_arrives(mail_app, smtp):
    send_email("sam@example.org", "Hello", "A plain message.")
    queue.wait_for_jobs()
    [message] = smtp.mailbox.to("sam@example.org")
    assert message["Subject"] == "Hello"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "A plain message." in body and mail_app.config["SERVICE_NAME"] in body
    assert message["List-Unsubscribe"] is None  # not a reminder


def test_reminder_stages_a_week_before_on_the_day_and_a_week_after():
    assert current_stage(DUE, DUE - timedelta(days=8)) is None
    assert current_stage(DUE, DUE - timedelta(days=7)) == "due-in-a-week"
    assert current_stage(DUE, DUE - timedelta(days=1)) == "due-in-a-week"
    assert current_stage(DUE, DUE) == "due-today"
    assert current_stage(DUE, DUE + timedelta(days=7)) == "overdue-a-week"
    assert current_stage(DUE, DUE + timedelta(days=14)) == "overdue-a-week"
    assert current_stage(DUE, DUE + timedelta(days=15)) is None


def test_due_date_reminders_go_once_each_on_the_right_days(mail_app, smtp, make_org, make_user):
    _cohort_learner(make_org, make_user)
    sent = lambda: smtp.mailbox.to("amira@example.org")  # noqa: E731
    sweep(DUE - timedelta(days=8))
    assert sent() == []
    sweep(DUE - timedelta(days=7))
    sweep(DUE - timedelta(days=7))  # twice run, once sent
    sweep(DUE - timedelta(days=3))
    assert len(sent()) == 1 and "due in a week" in sent()[0].get_content()
    # The sweep missed the due day itself: the day after catches it up, once.
    sweep(DUE + timedelta(days=1))
    sweep(DUE + timedelta(days=2))
    assert len(sent()) == 2 and "due today" in sent()[1].get_content()
    sweep(DUE + timedelta(days=7))
    sweep(DUE + timedelta(days=30))
    assert len(sent()) == 3 and "not finished yet" in sent()[2].get_content()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 3
    reminder = sent()[0]
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reminder["List-Unsubscribe"].strip().startswith("<http://localhost/unsubscribe/")


def test_without_a_mail_server_the_sweep_sends_nothing_and_keeps_nothing_back(
    app, make_org, make_user
):
    """No MAIL_SERVER (a laptop): the sweep runs, records no notice as sent, and the
    reminders still go once a mail server is set."""
    _cohort_learner(make_org, make_user)
    sweep(DUE)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 0


def test_a_learner_with_a_certificate_gets_no_reminder(mail_app, smtp, make_org, make_user):
    from courseapp.assessment.models import Certificate

    _org, learner = _cohort_learner(make_org, make_user)
    db.session.add(Certificate(user_id=learner.id, pathway_id="core", minutes=240))
    db.session.commit()
    sweep(DUE)
    assert smtp.mailbox.messages == []


def test_unsubscribe_stops_reminders_but_not_set_password_emails(
    mail_app, smtp, make_org, make_user
):
    _org, learner = _cohort_learner(make_org, make_user)
    sweep(DUE - timedelta(days=7))
    [reminder] = smtp.mailbox.to("amira@example.org")
    link = reminder["List-Unsubscribe"].strip().strip("<>").removeprefix("http://localhost")
    client = mail_app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "Stop reminder emails" in page.get_data(as_text=True)
    # RFC 8058: the mail program posts "List-Unsubscribe=One-Click", with no form token.
    done = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more reminder emails" in done.get_data(as_text=True)
    assert client.get(link.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 404
    sweep(DUE)
    assert len(smtp.mailbox.to("amira@example.org")) == 1
    db.session.refresh(learner)
    assert learner.reminders_off_at is not None
    issue_password_link(learner)
    db.session.commit()
    queue.wait_for_jobs()
    [_reminder, password] = smtp.mailbox.to("amira@example.org")
    assert password["Subject"].startswith("Set your password")
    assert password["List-Unsubscribe"] is None


def test_weekly_digest_only_with_something_to_say(mail_app, smtp, make_org, make_user):
    org, _learner = _cohort_learner(make_org, make_user)
    make_user(role=Role.COORDINATOR, organisation=org, covers=(org,), email="coord@example.org")
    other = make_org()
    make_user(role=Role.COORDINATOR, organisation=other, covers=(other,), email="y@example.org")
    sweep(DUE - timedelta(days=1))  # nobody overdue yet
    assert smtp.mailbox.to("coord@example.org") == []
    sweep(DUE + timedelta(days=1))
    sweep(DUE + timedelta(days=2))  # the same week: no second digest
    [digest] = smtp.mailbox.to("coord@example.org")
    assert "Amira Shah: overdue" in digest.get_content()
    assert digest["List-Unsubscribe"] is not None
    assert smtp.mailbox.to("y@example.org") == []  # nothing in their organisation
    sweep(DUE + timedelta(days=8))  # next week, still overdue
    assert len(smtp.mailbox.to("coord@example.org")) == 2


def _confirmed_import(app, make_org, make_user):
    """A coordinator's client, and a confirmed import of two new learners."""
    from tests.conftest import upload_csv

    org = make_org()
    cohort = create_cohort(org, "Spring", "core")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    db.session.commit()
    client = app.test_client()
    login(client, coordinator)
    upload_csv(client, cohort, "name,email\nAl One,al@example.org\nBea Two,bea@example.org\n")
    upload = cohort_upload(cohort)
    client.post(f"/cohorts/{cohort.id}/imports/{upload}/confirm")
    return client, cohort, upload


def test_sending_all_links_enqueues_and_shows_progress(mail_app, smtp, make_org, make_user):
    client, cohort, upload = _confirmed_import(mail_app, make_org, make_user)
    queue.wait_for_jobs()
    assert smtp.mailbox.messages == []  # nothing is sent until the coordinator chooses
    sent = client.post(f"/cohorts/{cohort.id}/imports/{upload}/email-links")
    job = db.session.scalar(sa.select(Job))
    assert sent.status_code == 303 and sent.location == f"/jobs/{job.id}"
    arrival = client.get(sent.location).get_data(as_text=True)
    assert "We are sending 2 emails with set-password links" in arrival
    queue.wait_for_jobs()
    finished = client.get(sent.location)
    assert "Refresh" not in finished.headers
    page = finished.get_data(as_text=True)
    assert "Password links sent" in page and "2 emails on the way" in page
    assert "2 of 2 emails done" in page and "We are sending" not in page  # said once
    db.session.refresh(job)
    assert job.state is JobState.FINISHED and (job.done, job.total) == (2, 2)
    assert len(smtp.mailbox.messages) == 2
    service = mail_app.config["SERVICE_NAME"]
    for address, name in (("al@example.org", "Al One"), ("bea@example.org", "Bea Two")):
        [message] = smtp.mailbox.to(address)
        assert message["Subject"] == f"Set your password for {service}"
        body = message.get_content()
        assert body.startswith(f"Hello {name},")
        [token] = re.findall(r"http://localhost/password/(\S+)", body)
        assert user_for_password_token(token).email == address


def test_pressing_email_links_twice_sends_each_learner_one_link_that_day(
    mail_app, smtp, make_org, make_user
):
    client, cohort, upload = _confirmed_import(mail_app, make_org, make_user)
    first = client.post(f"/cohorts/{cohort.id}/imports/{upload}/email-links").location
    second = client.post(f"/cohorts/{cohort.id}/imports/{upload}/email-links").location
    queue.wait_for_jobs()
    assert sorted(m["To"] for m in smtp.mailbox.messages) == ["al@example.org", "bea@example.org"]
    assert "2 emails on the way" in client.get(first).get_data(as_text=True)
    again = client.get(second).get_data(as_text=True)
    assert "0 emails on the way; 2 learners were already sent a link today" in again


def cohort_upload(cohort) -> int:
    from courseapp.cohorts.models import EnrolmentImport

    return db.session.scalar(
        sa.select(EnrolmentImport.id).where(EnrolmentImport.cohort_id == cohort.id)
    )


def test_a_forged_unsubscribe_link_changes_nothing(app, make_learner):
    """The one-click unsubscribe takes no CSRF token (a mail program posts it), so its
    signed token is all that protects it: a forged or altered one is refused."""
    learner = make_learner()
    client = app.test_client()
    for token in ("forged", unsubscribe_token(learner.id, learner.email) + "x"):
        assert client.post(f"/unsubscribe/{token}").status_code == 404
        assert client.get(f"/unsubscribe/{token}").status_code == 404
    db.session.refresh(learner)
    assert learner.reminders_off_at is None


def _job_page(app, make_org, make_user, **fields):
    org = make_org()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    job = Job(kind="certificates-zip", organisation_id=org.id, **fields)
    db.session.add(job)
    db.session.commit()
    client = app.test_client()
    login(client, coordinator)
    return client, job


def test_a_running_jobs_page_says_how_far_it_has_got_and_reloads(app, make_org, make_user):
    client, job = _job_page(app, make_org, make_user, state=JobState.RUNNING, done=120,
                            total=240)  # fmt: skip
    page = client.get(f"/jobs/{job.id}")
    assert page.headers["Refresh"] == "5"  # no JavaScript: the browser reloads it
    text = page.get_data(as_text=True)
    assert "Building certificates" in text and "120 of 240 certificates done" in text
    assert "Download" not in text
    still = client.get(f"/jobs/{job.id}?refresh=off")
    assert "Refresh" not in still.headers
    assert "This page does not update itself now" in still.get_data(as_text=True)


def test_a_failed_jobs_page_says_what_went_wrong_and_stops_reloading(app, make_org, make_user):
    message = "This cohort is closed. Nothing from this job was kept."
    client, job = _job_page(
        app, make_org, make_user, state=JobState.FAILED, done=3, total=9, message=message
    )
    page = client.get(f"/jobs/{job.id}")
    assert "Refresh" not in page.headers
    text = page.get_data(as_text=True)
    assert "This did not finish" in text and "There is a problem" in text
    assert message in text
    assert client.get(f"/jobs/{job.id}/download").status_code == 404  # it made no file
