"""The tasks jobs run, by name. Each runs in an app context and commits once at the
end (see courseapp.jobs.queue)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app

from courseapp.accounts.services import make_password_link
from courseapp.certificates import bundles
from courseapp.clock import utcnow
from courseapp.cohorts import import_jobs, import_links
from courseapp.cohorts.models import EnrolmentImport
from courseapp.extensions import db
from courseapp.jobs import files
from courseapp.jobs.models import Job
from courseapp.jobs.notices import claim
from courseapp.jobs.queue import FAILED_JOB_SECONDS, perform, progress, rq_queue, task
from courseapp.jobs.sweep import run_sweep
from courseapp.mail import compose, deliver, queue_email
from courseapp.reports import export_jobs
from courseapp.reports.data import Filters


@task("deliver_email", retried=True)
def deliver_email(message: dict) -> None:
    deliver(message)


@task("email_import_links")
def email_import_links(job: Job, import_id: int) -> None:
    """Email each learner an import created, who has no password yet, their link: at
    most once a day each (a second press, or a double click, sends nobody a second
    link that day), each email delivered by a job of its own."""
    upload = db.session.get(EnrolmentImport, import_id)
    learners = import_links.learners_to_email(upload) if upload else []
    progress(job, 0, "Starting", total=len(learners))
    service = current_app.config["SERVICE_NAME"]
    today = f"import {import_id}: {utcnow().date().isoformat()}"
    sent = 0
    for number, user in enumerate(learners, start=1):
        if claim(user.id, "set-password-link", today):
            body = (
                f"Hello {user.name},\n\nYou have been enrolled on {service}. Use this link "
                f"to set your password:\n\n{make_password_link(user)}\n\nThe link works once. "
                "If you did not expect this email you can ignore it.\n"
            )
            queue_email(compose(user.email, f"Set your password for {service}", body))
            sent += 1
        progress(job, number, f"{number} of {len(learners)} done")
    job.message = import_links.emailed_message(sent, len(learners) - sent)


@task("certificates_zip")
def certificates_zip(job: Job, certificate_ids: list[int], filename: str) -> None:
    """Build a ZIP file of certificate PDFs, kept for the coordinator to download."""
    bundles.build(job, certificate_ids, filename)


@task("report_export")
def report_export(job: Job, kind: str, filters: dict) -> None:
    """Build a large report export, kept for the coordinator to download."""
    export_jobs.build(job, kind, Filters.from_json(filters))


@task("confirm_import")
def confirm_import(job: Job, import_id: int, actor_id: int) -> None:
    """Import a large checked file, in one transaction."""
    import_jobs.run(job, import_id, actor_id)


@task("daily_sweep")
def daily_sweep(on: str | None = None, reschedule: bool = False) -> None:
    """Send the reminders, digests, renewal notices and follow-up invitations due on `on`
    (an ISO date; default today), and delete expired job files. With `reschedule`, put
    tomorrow's sweep on the queue (RQ only)."""
    if reschedule and current_app.config.get("REDIS_URL"):
        # First, so that a sweep that fails does not stop tomorrow's.
        schedule_next_sweep(current_app._get_current_object())
    day = date.fromisoformat(on) if on else utcnow().date()
    result = run_sweep(day)
    current_app.logger.info(
        "Sweep: %s reminders, %s digests, %s renewal notices, %s follow-up invitations, "
        "%s follow-up reminders", result.reminders, result.digests, result.renewals,
        result.follow_up_invitations, result.follow_up_reminders,
    )  # fmt: skip
    files.delete_expired()


def next_sweep_time(now: datetime) -> datetime:
    hour = int(current_app.config["SWEEP_HOUR_UTC"])
    when = datetime.combine(now.date(), time(hour), tzinfo=UTC)
    return when if when > now else when + timedelta(days=1)


def schedule_next_sweep(app) -> None:
    """Put the next sweep on the queue, under an id of its day: scheduling it again (a
    worker starting, or the sweep before it) replaces it, and never the running one."""
    when = next_sweep_time(utcnow())
    rq_queue(app).enqueue_at(
        when, perform, "daily_sweep", {"reschedule": True}, None,
        job_id=f"courseapp-daily-sweep-{when:%Y-%m-%d}", failure_ttl=FAILED_JOB_SECONDS,
    )  # fmt: skip
