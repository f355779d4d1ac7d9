"""Erasing a learner: their account and every record about them.

Rows that belong to the learner go with the users row through the foreign keys
(ON DELETE CASCADE, or SET NULL where the row belongs to someone else). Two places
name a learner without a foreign key, and are rewritten here: the rows of CSV
uploads kept with each EnrolmentImport, and audit events whose subject is
"user <id>" (ids can be reused once the row is gone, so the old events must not
keep pointing at whoever gets the id next).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from courseapp.accounts.models import Role, User, normalise_email
from courseapp.assessment.models import Answer, Certificate, TestAttempt
from courseapp.audit.models import AuditEvent
from courseapp.audit.services import record
from courseapp.cohorts.models import EnrolmentImport
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.database import checkpoint_after_commit
from courseapp.extensions import db
from courseapp.jobs.models import Job, JobFile
from courseapp.rewording.models import Response, ReviewNote

ERASED = "(erased)"
ERASED_SUBJECT = "an erased learner"
ONLY_LEARNERS = (
    "Only learners' accounts can be erased here. {name} has {role} account, which "
    "cannot be erased this way."
)


class ErasureRefused(Exception):
    """The person is not a learner; the message says why, for the page."""


@dataclass(frozen=True)
class Holdings:
    """How much the platform holds about a learner, shown before erasing them."""

    enrolments: int
    modules: int
    test_attempts: int
    answers: int
    rewordings: int
    comments: int
    certificates: int
    upload_rows: int
    audit_events: int


def _count(model: type, *where: Any) -> sa.ScalarSelect:
    return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()


def holdings(user: User) -> Holdings:
    uid = user.id
    answers = (
        sa.select(sa.func.count(Answer.id))
        .join(TestAttempt, TestAttempt.id == Answer.attempt_id)
        .where(TestAttempt.user_id == uid)
        .scalar_subquery()
    )
    comments = (
        sa.select(sa.func.count(ReviewNote.id))
        .join(Response, Response.id == ReviewNote.response_id)
        .where(Response.user_id == uid)
        .scalar_subquery()
    )
    counts = db.session.execute(
        sa.select(
            _count(Enrolment, Enrolment.user_id == uid),
            _count(ModuleProgress, ModuleProgress.user_id == uid),
            _count(TestAttempt, TestAttempt.user_id == uid),
            answers,
            _count(Response, Response.user_id == uid),
            comments,
            _count(Certificate, Certificate.user_id == uid),
            _count(AuditEvent, AuditEvent.subject == f"user {uid}"),
        )
    ).one()
    upload_rows = sum(len(_rows_about(user, upload.rows)) for upload in _uploads_mentioning(user))
    *counts, events = counts
    return Holdings(*counts, upload_rows=upload_rows, audit_events=events)


def check_erasable(user: User) -> None:
    if user.role is not Role.LEARNER:
        role = "an administrator" if user.role is Role.ADMIN else "a coordinator"
        raise ErasureRefused(ONLY_LEARNERS.format(name=user.name, role=role))


def erase_learner(user: User, actor: User) -> None:
    """Delete the learner and everything about them, and record that it was done
    (naming only the organisation). The caller commits."""
    check_erasable(user)
    organisation_id = user.organisation_id
    for upload in _uploads_mentioning(user):
        upload.rows = _scrubbed(user, upload.rows)
    db.session.execute(
        sa.update(AuditEvent)
        .where(
            sa.or_(
                AuditEvent.subject == f"user {user.id}",
                AuditEvent.subject.startswith(f"user {user.id}, ", autoescape=True),
            )
        )
        .values(subject=ERASED_SUBJECT)
        .execution_options(synchronize_session=False)
    )
    # A file a job made for the organisation (a ZIP of certificates, a large export), or
    # an administrator's export of every organisation, may hold theirs: it goes too (it
    # can be built again).
    db.session.execute(
        sa.delete(JobFile).where(
            JobFile.job_id.in_(sa.select(Job.id).where(sa.or_(
                Job.organisation_id == organisation_id, Job.organisation_id.is_(None)
            )))
        )
    )  # fmt: skip
    db.session.delete(user)
    db.session.flush()
    record(actor, "erase-learner", f"organisation {organisation_id}")
    checkpoint_after_commit()


def _uploads_mentioning(user: User) -> list[EnrolmentImport]:
    """Uploads whose rows name the learner: by account, or by an email address that
    normalises to theirs, however it was typed (case, accents, Unicode form).

    The database narrows the uploads down by the longest run of plain ASCII in the
    address (which SQL lower() folds alike everywhere, and JSON never escapes);
    each candidate's rows are then compared in Python, address by address."""
    query = sa.select(EnrolmentImport).order_by(EnrolmentImport.id)
    fragment = _ascii_fragment(user.email)
    if fragment:
        text = sa.func.lower(sa.cast(EnrolmentImport.rows, sa.Text))
        query = query.where(text.contains(fragment, autoescape=True))
    return [upload for upload in db.session.scalars(query) if _rows_about(user, upload.rows)]


def _ascii_fragment(email: str) -> str | None:
    runs = re.findall(r"[a-z0-9.@_+-]+", email)
    longest = max(runs, key=len, default="")
    return longest if len(longest) >= 3 else None


def _rows_about(user: User, rows: list[dict[str, Any]]) -> list[int]:
    return [
        index
        for index, row in enumerate(rows)
        if row.get("user_id") == user.id
        or normalise_email(str(row.get("email") or "")) == user.email
    ]


def _scrubbed(user: User, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the learner's name and email replaced by a marker. Each row keeps
    its status, so the upload's counts of new, existing and refused rows still add up."""
    rows = copy.deepcopy(rows)
    for index in _rows_about(user, rows):
        rows[index].update(name=ERASED, email=ERASED, user_id=None)
    return rows
