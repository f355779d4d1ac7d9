"""Extra post-test attempts. A learner who has failed every post-test attempt they were
allowed is "out of attempts": their pages say so, their coordinators see them listed,
and a coordinator may grant one more attempt with a reason (kept with the learner's
records; the audit log holds the grant's id). Retakes keep alternating forms, since the
form follows the attempt's number (attempts.form_id_for)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import AttemptGrant, Phase, Renewal, TestAttempt
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.catalogue.course import Pathway
from courseapp.extensions import db

USED_UP_MESSAGE = "No attempts left: your coordinator has been told"


class GrantError(Exception):
    """The attempt cannot be granted; the message says why."""


def base_attempts() -> int:
    return int(current_app.config["POST_TEST_ATTEMPTS"])


def grants(user: User, pathway: Pathway) -> list[AttemptGrant]:
    return list(
        db.session.scalars(
            sa.select(AttemptGrant)
            .where(AttemptGrant.user_id == user.id, AttemptGrant.pathway_id == pathway.id)
            .order_by(AttemptGrant.id)
        )
    )


def extra_attempts(user: User, pathway: Pathway) -> int:
    return db.session.scalar(_EXTRA_ATTEMPTS, {"user_id": user.id, "pathway_id": pathway.id})


_EXTRA_ATTEMPTS = sa.select(sa.func.count()).where(  # built once: a pathway's page reads it
    AttemptGrant.user_id == sa.bindparam("user_id"),
    AttemptGrant.pathway_id == sa.bindparam("pathway_id"),
)


def _post_counts():
    """Per learner and pathway: post-test attempts submitted, and whether one passed, in
    the learner's current round (after a renewal began, see assessment.renewal)."""
    round_start = (
        sa.select(sa.func.max(Renewal.started_at))
        .where(Renewal.user_id == TestAttempt.user_id, Renewal.pathway_id == TestAttempt.pathway_id)
        .correlate(TestAttempt)
        .scalar_subquery()
    )
    return (
        sa.select(
            TestAttempt.user_id,
            TestAttempt.pathway_id,
            sa.func.count(TestAttempt.submitted_at).label("submitted"),
            sa.func.max(sa.case((TestAttempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(
            TestAttempt.phase == Phase.POST,
            sa.or_(round_start.is_(None), TestAttempt.started_at >= round_start),
        )
        .group_by(TestAttempt.user_id, TestAttempt.pathway_id)
        .subquery()
    )


def _grant_counts():
    return (
        sa.select(AttemptGrant.user_id, AttemptGrant.pathway_id, sa.func.count().label("n"))
        .group_by(AttemptGrant.user_id, AttemptGrant.pathway_id)
        .subquery()
    )


def _used_up_query(pathway_id: str | None = None):
    """Learners and pathways whose post-test attempts are all submitted and failed."""
    posts, granted = _post_counts(), _grant_counts()
    tested = [p.id for p in course().pathways.values() if p.definition.test_forms]
    if pathway_id is not None:
        tested = [p for p in tested if p == pathway_id]
    return (
        sa.select(User, posts.c.pathway_id)
        .join(posts, posts.c.user_id == User.id)
        .outerjoin(
            granted,
            sa.and_(granted.c.user_id == User.id, granted.c.pathway_id == posts.c.pathway_id),
        )
        .where(
            User.role == Role.LEARNER,
            posts.c.pathway_id.in_(tested),
            posts.c.passed == 0,
            posts.c.submitted >= base_attempts() + sa.func.coalesce(granted.c.n, 0),
        )
    )


def used_up_among(user_ids: list[int], pathway_id: str) -> set[int]:
    """Which of these learners have used up their post-test attempts on the pathway."""
    query = _used_up_query(pathway_id).where(User.id.in_(user_ids))
    return {user.id for user, _pathway_id in db.session.execute(query)}


def used_up(user: User, pathway: Pathway) -> bool:
    query = _used_up_query(pathway.id).where(User.id == user.id)
    return db.session.execute(query.limit(1)).first() is not None


@dataclass(frozen=True)
class OutOfAttempts:
    learner: User
    pathway: Pathway


@dataclass(frozen=True)
class Waiting:
    first: list[OutOfAttempts]  # by name, at most the `limit` asked for
    total: int


def out_of_attempts(viewer: User, limit: int = 5) -> Waiting:
    """Learners in the viewer's organisations who have used every post-test attempt
    without passing: the first few by name and how many in all (the coordinators'
    notice, which sends them to the learners list for the rest)."""
    query = _used_up_query()
    scope = viewer.scope_organisation_ids()
    if scope is not None:
        query = query.where(User.organisation_id.in_(scope))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pathways = course().pathways
    first = db.session.execute(query.order_by(User.name, User.id).limit(limit)) if total else []
    return Waiting([OutOfAttempts(user, pathways[pid]) for user, pid in first], total)


def grant(coordinator: User, learner: User, pathway: Pathway, reason: str) -> AttemptGrant:
    """One more post-test attempt for a learner who has used theirs."""
    reason = reason.strip()
    if not reason:
        raise GrantError("Enter the reason for the extra attempt")
    if not used_up(learner, pathway):
        raise GrantError(f"{learner.name} still has a post-test attempt to use")
    given = AttemptGrant(
        user_id=learner.id, pathway_id=pathway.id, granted_by_id=coordinator.id, reason=reason
    )
    db.session.add(given)
    db.session.flush()
    record(
        coordinator,
        "grant-attempt",
        f"user {learner.id}, pathway {pathway.id}, grant {given.id}",
    )
    return given
