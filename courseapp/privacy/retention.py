"""Removing attempt data once it is older than the retention period.

Test attempts (with their answers), rewording responses (with coordinators' comments)
and CSV uploads go. Accounts, enrolments, module progress and certificates stay: a
certificate outlives the attempt that earned it (its attempt_id becomes NULL).

CPD reflections stay too: they are the learner's own record of their professional
development, which they may need for as long as they are registered, and they are
not attempt data. They go when the learner's account is erased (privacy.erasure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from courseapp.assessment.models import Answer, TestAttempt
from courseapp.audit.services import record
from courseapp.cohorts.models import EnrolmentImport
from courseapp.extensions import db
from courseapp.reports.versions import touch
from courseapp.rewording.models import Response, ReviewNote

DAYS_IN = {"d": 1, "w": 7, "y": 365}
AGE = re.compile(r"(\d+)\s*([dwy])", re.IGNORECASE)
AGE_HINT = "Give a number of days, weeks or years (such as 730d, 104w or 2y) or a date (2024-01-31)"


def cutoff_for(age: str, now: datetime) -> datetime:
    """The moment before which data is removed, from an age such as "730d", "104w",
    "2y" (365 days a year) or an ISO date (midnight UTC at its start)."""
    text = age.strip()
    if match := AGE.fullmatch(text):
        amount = int(match.group(1)) * DAYS_IN[match.group(2).lower()]
        if amount == 0:
            raise ValueError("The age must be more than zero, or everything would be removed")
        try:
            return now - timedelta(days=amount)
        except OverflowError:
            raise ValueError(f"{age!r} is further back than any date") from None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{age!r} is not an age or a date. {AGE_HINT}") from None
    cutoff = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo)
    if cutoff > now:
        raise ValueError(f"{day.isoformat()} is in the future, so everything would be removed")
    return cutoff


def describe_days(days: int) -> str:
    """A retention period as people say it: "2 years (730 days)", or "400 days"."""
    in_days = f"{days} day" + ("" if days == 1 else "s")
    years, rest = divmod(days, 365)
    if years and not rest:
        return f"{years} year" + ("" if years == 1 else "s") + f" ({in_days})"
    return in_days


def cutoff_for_days(days: int, now: datetime) -> datetime:
    return cutoff_for(f"{days}d", now)


LABELS = {
    "test_attempts": "test attempts",
    "answers": "answers",
    "rewording_responses": "rewording responses",
    "coordinator_comments": "coordinators' comments",
    "csv_uploads": "CSV uploads",
}


@dataclass(frozen=True)
class Purged:
    test_attempts: int
    answers: int
    rewording_responses: int
    coordinator_comments: int
    csv_uploads: int

    def lines(self) -> list[str]:
        return [f"{LABELS[field.name]}: {getattr(self, field.name)}" for field in fields(self)]

    def summary(self) -> str:
        return ", ".join(self.lines())


def _count(cutoff: datetime) -> Purged:
    old_attempt = TestAttempt.started_at < cutoff
    old_response = Response.created_at < cutoff
    queries = (
        sa.select(sa.func.count(TestAttempt.id)).where(old_attempt),
        sa.select(sa.func.count(Answer.id)).join(Answer.attempt).where(old_attempt),
        sa.select(sa.func.count(Response.id)).where(old_response),
        sa.select(sa.func.count(ReviewNote.id)).join(ReviewNote.response).where(old_response),
        sa.select(sa.func.count(EnrolmentImport.id)).where(EnrolmentImport.created_at < cutoff),
    )
    row = db.session.execute(sa.select(*(query.scalar_subquery() for query in queries))).one()
    return Purged(*row)


def purge(cutoff: datetime, dry_run: bool = False) -> Purged:
    """Count, and unless dry_run remove, what is older than cutoff; the caller commits.
    Answers, comments and certificates' links follow their parents by foreign key."""
    found = _count(cutoff)
    if dry_run:
        return found
    old = sa.union(
        sa.select(TestAttempt.user_id).where(TestAttempt.started_at < cutoff),
        sa.select(Response.user_id).where(Response.created_at < cutoff),
    )
    touch(db.session.scalars(old).all())  # their report summaries lose what goes
    for statement in (
        sa.delete(TestAttempt).where(TestAttempt.started_at < cutoff),
        sa.delete(Response).where(Response.created_at < cutoff),
        sa.delete(EnrolmentImport).where(EnrolmentImport.created_at < cutoff),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    record(None, "purge", f"before {cutoff:%Y-%m-%d %H:%M}: {found.summary()}")
    return found
