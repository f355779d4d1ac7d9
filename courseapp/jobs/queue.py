"""The job queue: RQ on Redis when REDIS_URL is set, otherwise a thread in the web
process, so that a laptop with nothing else installed still runs every job.

A task is a function registered by name with `@task`. It runs inside an app context
with its own database session and ONE commit at the end, like a request; on an error
everything it wrote is rolled back. So a task never talks to the mail server itself: it
records what it sends (courseapp.jobs.notices) and hands each email to a delivery job
of its own when it commits (courseapp.mail.queue_email), so that one failed delivery
undoes nothing else and is tried again. A task given a `Job` row records its progress
there for the progress page.

On RQ, a task registered with `retried=True` is tried again after each of the
JOB_RETRY_SECONDS delays when it fails; a job that failed for good is kept for
FAILED_JOB_SECONDS (its arguments can hold a name, an address and a set-password link),
not RQ's default of a year.

`enqueue` waits for the current transaction to commit before the task is handed on,
so that the task sees what the request wrote (and nothing happens if it rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.jobs.models import Job, JobState

QUEUE_NAME = "courseapp"
TASKS: dict[str, Callable[..., None]] = {}
RETRIED: set[str] = set()
FAILED_JOB_SECONDS = 7 * 24 * 3600

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="courseapp-jobs")
_pending: list[Future] = []


def task(name: str, retried: bool = False) -> Callable:
    def register(function: Callable) -> Callable:
        TASKS[name] = function
        if retried:
            RETRIED.add(name)
        return function

    return register


class JobFailed(Exception):
    """A task stopped for a reason the person who started it should read (the message
    is shown on the job's page); everything it wrote is rolled back."""


FAILED = "Something went wrong. Nothing from this job was kept."


def track(
    kind: str, started_by_id: int | None, organisation_id: int | None, total: int,
    subject: str | None = None,
) -> Job:  # fmt: skip
    """A Job row for work a page will follow."""
    job = Job(kind=kind, started_by_id=started_by_id, organisation_id=organisation_id,
              total=total, subject=subject)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(name: str, job: Job | None = None, **kwargs: Any) -> None:
    """Run the task once the current transaction commits."""
    db.session.info.setdefault("after_commit_tasks", []).append(
        (name, kwargs, job.id if job else None)
    )


def enqueue_now(name: str, **kwargs: Any) -> None:
    """Hand the task on at once: for tasks that need nothing from this transaction."""
    _dispatch(current_app._get_current_object(), name, kwargs, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    tasks = session.info.pop("after_commit_tasks", [])
    if tasks:
        app = current_app._get_current_object()
        for name, kwargs, job_id in tasks:
            _dispatch(app, name, kwargs, job_id)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("after_commit_tasks", None)


def _dispatch(app: Flask, name: str, kwargs: dict, job_id: int | None) -> None:
    if name not in TASKS:
        raise KeyError(f"No task named {name}")
    if app.config.get("REDIS_URL"):
        rq_queue(app).enqueue(perform, name, kwargs, job_id, retry=_retry(app, name),
                              failure_ttl=FAILED_JOB_SECONDS)  # fmt: skip
    else:
        _pending.append(_pool.submit(run_in, app, name, kwargs, job_id))


def _retry(app: Flask, name: str):
    from rq import Retry

    delays = [int(seconds) for seconds in app.config["JOB_RETRY_SECONDS"]]
    return Retry(max=len(delays), interval=delays) if name in RETRIED and delays else None


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(app.config["REDIS_URL"]))


def wait_for_jobs() -> None:
    """Wait for the in-process jobs handed on so far (tests and the CLI)."""
    while _pending:
        _pending.pop(0).result()


_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def perform(name: str, kwargs: dict, job_id: int | None) -> None:
    """What the RQ worker runs (courseapp.jobs.queue.perform, with readable arguments)."""
    if _worker_app is None:
        from courseapp import create_app

        set_worker_app(create_app())
    run_in(_worker_app, name, kwargs, job_id)


def run_in(app: Flask, name: str, kwargs: dict, job_id: int | None) -> None:
    with app.app_context():
        try:
            run(name, kwargs, job_id)
        finally:
            db.session.remove()


def run(name: str, kwargs: dict, job_id: int | None) -> None:
    """Run one task in this app context: one commit at the end, or a rollback and the
    job marked failed."""
    job = db.session.get(Job, job_id) if job_id is not None else None
    try:
        if job is not None:
            TASKS[name](job=job, **kwargs)
            job.state = JobState.FINISHED
            job.finished_at = utcnow()
        else:
            TASKS[name](**kwargs)
        db.session.commit()
    except JobFailed as error:
        db.session.rollback()
        if job_id is None:
            raise
        _mark_failed(job_id, f"{error} Nothing from this job was kept.")
        current_app.logger.info("Job %s stopped: %s", name, error)
    except Exception:
        db.session.rollback()
        if job_id is not None:
            _mark_failed(job_id, FAILED)
        current_app.logger.exception("Job %s failed", name)
        raise


def _mark_failed(job_id: int, message: str) -> None:
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id)
        .values(state=JobState.FAILED, finished_at=utcnow(), message=message[:500])
    )  # fmt: skip
    db.session.commit()


def progress(job: Job, done: int, message: str = "", total: int | None = None) -> None:
    """Record how far a job has got (and, if given, how much there is to do), for its
    page. On PostgreSQL this is written at once on a connection of its own, and the
    job's session is told the values without taking them as changes of its own: were it
    to write the row in its long transaction, it would hold the row's lock and the next
    progress would wait for it for ever. On SQLite (one writer at a time) it is
    written with the job's own commit."""
    values = {"done": done, "message": message, "state": JobState.RUNNING}
    if total is not None:
        values["total"] = total
    if db.engine.dialect.name == "sqlite":
        for key, value in values.items():
            setattr(job, key, value)
        return
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job.id).values(**values))
    for key, value in values.items():
        set_committed_value(job, key, value)
