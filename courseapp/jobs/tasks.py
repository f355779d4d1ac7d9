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
from courseapp.jobs.queue import perform, progress, rq_queue, task
from courseapp.jobs.sweep import run_sweep
from courseapp.mail import compose, deliver, mail
from courseapp.reports import export_jobs
from courseapp.reports.data import Filters


@task("deliver_email")
def deliver_email(message: dict) -> None:
    deliver(message)


@task("email_import_links")
def email_import_links(job: Job, import_id: int) -> None:
    """Email each learner an import created, who has no password yet, their link."""
    upload = db.session.get(EnrolmentImport, import_id)
    learners = import_links.learners_to_email(upload) if upload else []
    progress(job, 0, "Starting", total=len(learners))
    service = current_app.config["SERVICE_NAME"]
    with mail.get_connection() as connection:
        for number, user in enumerate(learners, start=1):
            body = (
                f"Hello {user.name},\n\nYou have been enrolled on {service}. Use this link "
                f"to set your password:\n\n{make_password_link(user)}\n\nThe link works once. "
                "If you did not expect this email you can ignore it.\n"
            )
            deliver(compose(user.email, f"Set your password for {service}", body), connection)
            progress(job, number, f"Sent {number} of {len(learners)}")
    job.message = f"Sent {len(learners)} emails"


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
    day = date.fromisoformat(on) if on else utcnow().date()
    result = run_sweep(day)
    current_app.logger.info(
        "Sweep: %s reminders, %s digests, %s renewal notices, %s follow-up invitations, "
        "%s follow-up reminders", result.reminders, result.digests, result.renewals,
        result.follow_up_invitations, result.follow_up_reminders,
    )  # fmt: skip
    files.delete_expired()
    if reschedule and current_app.config.get("REDIS_URL"):
        schedule_next_sweep(current_app._get_current_object())


def next_sweep_time(now: datetime) -> datetime:
    hour = int(current_app.config["SWEEP_HOUR_UTC"])
    when = datetime.combine(now.date(), time(hour), tzinfo=UTC)
    return when if when > now else when + timedelta(days=1)


def schedule_next_sweep(app) -> None:
    rq_queue(app).enqueue_at(
        next_sweep_time(utcnow()), perform, "daily_sweep", {"reschedule": True}, None,
        job_id="courseapp-daily-sweep",
    )  # fmt: skip
