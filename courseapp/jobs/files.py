"""Files that jobs make for download. They are kept in the database, not on a
process's disk, so that the replica answering the download finds what a worker on
another machine made; each is deleted once it expires (JOB_FILE_MAX_AGE_HOURS)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.jobs.models import Job, JobFile


def max_age() -> timedelta:
    return timedelta(hours=float(current_app.config["JOB_FILE_MAX_AGE_HOURS"]))


def keep(job: Job, filename: str, mimetype: str, content: bytes) -> JobFile:
    """Keep a job's file for download until it expires, and delete expired ones."""
    delete_expired()
    kept = JobFile(job=job, filename=filename, mimetype=mimetype, content=content,
                   size=len(content), expires_at=utcnow() + max_age())  # fmt: skip
    db.session.add(kept)
    db.session.flush()
    return kept


def available(job: Job) -> JobFile | None:
    """The job's file, if it has one that has not expired."""
    kept = job.file
    if kept is None or kept.expires_at <= utcnow():
        return None
    return kept


def delete_expired() -> int:
    return db.session.execute(sa.delete(JobFile).where(JobFile.expires_at <= utcnow())).rowcount
