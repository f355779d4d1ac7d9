"""Exports of a row per learner (or per answer) for many learners, built by a job: a
national report's learners CSV has 100,000 rows and takes longer to build than anyone
should wait on a page. The coordinator confirms, a job builds the same file as a small
export (exports.py) and keeps it for download (courseapp.jobs.files), and the job's
page shows how far it has got. Smaller exports are sent at once."""

from __future__ import annotations

from flask import current_app

from courseapp.accounts.models import User
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.jobs import files, queue
from courseapp.jobs.models import Job
from courseapp.reports import exports, summaries
from courseapp.reports import status as learner_status
from courseapp.reports.data import Filters

KIND = "report-export"
BY_JOB = {"learners", "responses"}  # exports of a row per learner or more


def learners_selected(filters: Filters) -> int:
    """How many learners the filters select, from the summaries (one statement)."""
    return sum(summaries.totals(filters, kinds=("status",)).statuses().values())


def too_large(kind: str, filters: Filters) -> int | None:
    """How many learners the export covers, if that is too many to send at once (a
    row per learner or per answer over EXPORT_JOB_THRESHOLD); otherwise None. Other
    exports (a row per question) are never counted."""
    if kind not in BY_JOB:
        return None
    learners = learners_selected(filters)
    return learners if learners > current_app.config["EXPORT_JOB_THRESHOLD"] else None


def one_organisation(filters: Filters) -> bool:
    """Whether the export is of one organisation (or, for an administrator, of all):
    the job and its file belong to it, so that only those who may read it can, and an
    erasure in it deletes the file. A coordinator of several chooses one."""
    return filters.organisation_ids is None or len(filters.organisation_ids) == 1


def start(kind: str, filters: Filters, learners: int, actor: User) -> Job:
    """Queue the job that builds the export (after the commit)."""
    ids = filters.organisation_ids
    organisation_id = next(iter(ids)) if ids else None  # None: every organisation (an admin)
    job = queue.track(KIND, actor.id, organisation_id, total=learners)
    queue.enqueue("report_export", job, kind=kind, filters=filters.as_json())
    record(actor, f"export-{kind}", f"pathway {filters.pathway_id}")
    return job


def build(job: Job, kind: str, filters: Filters) -> None:
    """Build the export as exports.py makes it, and keep it with the job."""
    pathway = course().pathways[filters.pathway_id]
    queue.progress(job, 0, "Reading the learners' records")
    loaded = learner_status.load(filters, pathway)
    body = exports.EXPORTS[kind](loaded, pathway)
    stamp = utcnow().strftime("%Y-%m-%d")
    files.keep(job, f"{kind}-{pathway.id}-{stamp}.csv", "text/csv", body)
    job.total = job.done = len(loaded.learners)
    job.message = f"Built the report of {job.done:,} learner{'' if job.done == 1 else 's'}"
