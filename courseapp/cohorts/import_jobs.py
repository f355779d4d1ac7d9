"""Confirming a large import as a job. An import of more learners than
IMPORT_JOB_THRESHOLD is handed to a job rather than done in the request, which would
keep the coordinator waiting (and could outlast the server's time limit).

The job imports the whole file in ONE transaction, exactly as the request does for a
small file (see imports.confirm): every valid row is imported or, on any error, none
is, and the job's page says what went wrong. Its progress is written apart from that
transaction (courseapp.jobs.queue.progress), so the page can follow it meanwhile.

A second confirmation (a double click, a second tab) finds the job already started
for the file and is shown its page; should two requests race past that check, the
second job finds the file claimed (imports._claim) and imports nothing."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from courseapp.accounts.models import User
from courseapp.cohorts import import_file, import_links, imports
from courseapp.cohorts.models import EnrolmentImport
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job, JobState

KIND = "enrol-learners"


def subject(upload: EnrolmentImport) -> str:
    return f"import {upload.id}"


def existing_job(upload: EnrolmentImport) -> Job | None:
    """The job confirming this import that is queued, running or finished, if any (a
    failed one may be tried again)."""
    return db.session.scalar(
        sa.select(Job)
        .where(Job.kind == KIND, Job.subject == subject(upload), Job.state != JobState.FAILED)
        .order_by(Job.id.desc())
        .limit(1)
    )


def start(upload: EnrolmentImport, actor: User) -> Job:
    """Queue the job that confirms the import (the caller has rechecked the rows)."""
    cohort = upload.cohort
    job = queue.track(KIND, actor.id, cohort.organisation_id,
                      total=imports.summary(upload).to_import, subject=subject(upload))  # fmt: skip
    job.next_url = url_for("cohorts.imported", cohort_id=cohort.id, import_id=upload.id)
    job.next_label = "See the learners enrolled, and send the new ones their password links"
    queue.enqueue("confirm_import", job, import_id=upload.id, actor_id=actor.id)
    return job


def run(job: Job, import_id: int, actor_id: int) -> None:
    """The job: check the rows again and import them, all or nothing."""
    upload = db.session.get(EnrolmentImport, import_id)
    actor = db.session.get(User, actor_id)
    if upload is None or actor is None:
        raise queue.JobFailed("The file or the person who uploaded it has been removed.")
    queue.progress(job, 0, "Checking the rows again")
    if not imports.recheck(upload):
        raise queue.JobFailed(
            "Some rows changed after the file was checked (for example, someone registered "
            "with an address in it). Go back to the file, check the rows again and confirm."
        )
    try:
        outcome = imports.confirm(
            upload, actor, lambda done: queue.progress(job, done, f"Enrolled {done:,}")
        )
    except imports.AlreadyConfirmed:
        raise queue.JobFailed("This file has already been imported.") from None
    except import_file.ImportFileError as error:
        raise queue.JobFailed(f"{error}.") from None
    import_links.tell_learners_elsewhere(outcome.elsewhere, upload.cohort)
    enrolled = outcome.summary.existing + len(outcome.created)
    job.total = job.done = enrolled
    job.message = (
        f"Enrolled {enrolled:,} learner{'' if enrolled == 1 else 's'} in {upload.cohort.name}"
    )
