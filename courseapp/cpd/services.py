"""What the CPD feature does: keep a learner's reflections, and put together their CPD
record (what they did, when, how long the course reckons it takes, and what they wrote
about it) for the page and the downloads.

A reflection is the learner's own, private unless they choose to share it with their
coordinators. It is kept with their account: the retention purge (privacy.retention)
leaves it, as it leaves module progress and certificates, because a CPD record is
needed for as long as someone stays registered; erasing the learner removes it with
the account (the foreign key cascades).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import journey
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.course import Module, Pathway
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.cpd.models import Activity, Reflection
from courseapp.database import upsert
from courseapp.extensions import db
from courseapp.templating import local_time

logger = logging.getLogger(__name__)


# -- Reflections ----------------------------------------------------------------------


def activity_or_none(activity: Activity, activity_id: str) -> Module | Pathway | None:
    loaded = course()
    things = loaded.modules if activity is Activity.MODULE else loaded.pathways
    return things.get(activity_id)


def activity_title(activity: str, activity_id: str) -> str:
    found = activity_or_none(Activity(activity), activity_id)
    return found.title if found is not None else activity_id


def may_reflect(user: User, activity: Module | Pathway) -> bool:
    """A learner reflects on a module once it is complete, and on a pathway once the
    whole of it is (content.completion)."""
    if isinstance(activity, Module):
        row = content.progress_by_module(user).get(activity.id)
        return row is not None and row.completed
    return pathway_complete(user, activity)


def pathway_complete(user: User, pathway: Pathway) -> bool:
    if journey.certificate_for(user, pathway) is not None:
        return True
    progress = content.pathway_progress(user, pathway)
    return journey.completion(user, pathway, progress).complete


def reflection_for(user: User, activity: Activity, activity_id: str) -> Reflection | None:
    return db.session.scalar(
        sa.select(Reflection).where(
            Reflection.user_id == user.id,
            Reflection.activity == activity.value,
            Reflection.activity_id == activity_id,
        )
    )


def save_reflection(
    user: User,
    activity: Activity,
    activity_id: str,
    *,
    learnt: str,
    practice: str,
    peer: str,
    shared: bool,
) -> None:
    """Write or rewrite the learner's reflection on an activity. An upsert, so that the
    same form sent twice (a double click, two tabs) leaves one reflection."""
    now = utcnow()
    answers = {"learnt": learnt, "practice": practice, "peer": peer, "shared": shared}
    values = {"user_id": user.id, "activity": activity.value, "activity_id": activity_id,
              "created_at": now, "updated_at": now, **answers}  # fmt: skip
    changes = {name: f"excluded.{name}" for name in answers} | {"updated_at": now}
    upsert(Reflection, values, ["user_id", "activity", "activity_id"], changes)
    logger.info("CPD reflection on %s %s saved by user %s", activity.value, activity_id, user.id)


def own_reflections(user: User) -> list[Reflection]:
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .where(Reflection.user_id == user.id)
            .order_by(Reflection.created_at, Reflection.id)
        )
    )


@dataclass(frozen=True)
class SharedReflection:
    title: str
    reflection: Reflection


def shared_reflections(person: User) -> list[SharedReflection]:
    """The reflections a learner has chosen to share with their coordinators; the
    caller has checked that the coordinator may see the learner at all."""
    rows = db.session.scalars(
        sa.select(Reflection)
        .where(Reflection.user_id == person.id, Reflection.shared.is_(True))
        .order_by(Reflection.created_at, Reflection.id)
    )
    return [SharedReflection(activity_title(row.activity, row.activity_id), row) for row in rows]


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def exported_reflections(user: User) -> list[dict[str, Any]]:
    """The learner's reflections for their data download (privacy.export)."""
    return [
        {
            "about": row.activity,
            "id": row.activity_id,
            "title": activity_title(row.activity, row.activity_id),
            "what_i_learnt": row.learnt,
            "how_i_will_use_it": row.practice,
            "discussed_with": row.peer,
            "shared_with_coordinator": row.shared,
            "written": _when(row.created_at),
            "last_changed": _when(row.updated_at),
        }
        for row in own_reflections(user)
    ]


# -- The record -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One CPD activity: a module, or a pathway as a whole."""

    activity: Activity
    activity_id: str
    title: str
    pathway: Pathway
    completed_at: datetime | None
    minutes: int  # the course's own estimate (catalogue.timing)
    hours: float
    details: tuple[str, ...]  # tests taken and the certificate, for a pathway
    reflection: Reflection | None

    @property
    def kind(self) -> str:
        return "Module" if self.activity is Activity.MODULE else "Whole course"

    @property
    def has_peer_reflection(self) -> bool:
        return bool(self.reflection and self.reflection.peer.strip())


@dataclass(frozen=True)
class CpdRecord:
    learner: User
    entries: tuple[Entry, ...]
    made_at: datetime

    @property
    def reflections(self) -> int:
        return sum(entry.reflection is not None for entry in self.entries)

    @property
    def with_peer_reflection(self) -> int:
        return sum(entry.has_peer_reflection for entry in self.entries)


def _test_lines(user: User, taken: list[TestAttempt]) -> list[str]:
    lines = []
    for attempt in taken:
        name = "Pre-test" if attempt.phase is Phase.PRE else "Post-test"
        score = f"{round((attempt.score or 0) * 100)}%"
        passed = ", passed" if attempt.passed and attempt.phase is Phase.POST else ""
        day = local_time(attempt.submitted_at, user.organisation)
        lines.append(f"{name} taken {day}: {score}{passed}")
    return lines


def cpd_record(user: User) -> CpdRecord:
    """What the learner has done and written, activity by activity: each module they
    have completed (or reflected on), then each pathway they have completed."""
    progress = content.progress_by_module(user)
    reflections = {(r.activity, r.activity_id): r for r in own_reflections(user)}
    certificates = {
        c.pathway_id: c
        for c in db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id))
    }
    submitted = db.session.scalars(
        sa.select(TestAttempt)
        .where(TestAttempt.user_id == user.id, TestAttempt.submitted_at.is_not(None))
        .order_by(TestAttempt.submitted_at, TestAttempt.id)
    ).all()
    entries: list[Entry] = []
    seen: set[str] = set()
    for pathway in content.enrolled_pathways(user):
        done = []
        for module in pathway.modules:
            row = progress.get(module.id)
            reflection = reflections.get((Activity.MODULE.value, module.id))
            completed = row.completed_at if row is not None else None
            if completed:
                done.append(completed)
            if module.id in seen or not (completed or reflection):
                continue
            seen.add(module.id)
            hours = round(module.minutes / 60, 2)
            entries.append(Entry(Activity.MODULE, module.id, module.title, pathway, completed,
                                 module.minutes, hours, (), reflection))  # fmt: skip
        certificate = certificates.get(pathway.id)
        reflection = reflections.get((Activity.PATHWAY.value, pathway.id))
        if certificate is None and reflection is None and not pathway_complete(user, pathway):
            continue
        details = _test_lines(user, [a for a in submitted if a.pathway_id == pathway.id])
        if certificate is not None:
            day = local_time(certificate.issued_at, user.organisation)
            details.append(f"Certificate {certificate.code}, issued {day}")
        completed = certificate.issued_at if certificate else max(done, default=None)
        length = certificate or pathway  # a certificate keeps the length it was issued for
        entries.append(Entry(Activity.PATHWAY, pathway.id, pathway.title, pathway, completed,
                             length.minutes, length.cpd_hours, tuple(details),
                             reflection))  # fmt: skip
    return CpdRecord(user, tuple(entries), utcnow())
