"""The coordinators' review of learners' versions: the queue with its filters, notes
and marks on a version, the notes a learner has not read, and judging every stored
version again when the rules change. Services flush; the request commits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from courseapp.accounts.models import User
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.catalogue.exercises import Exercise
from courseapp.clock import utcnow
from courseapp.database import lock_for_writing
from courseapp.extensions import db
from courseapp.organisations.models import on_local_days
from courseapp.rewording.engine import (
    UNCERTAIN,
    Assessment,
)
from courseapp.rewording.models import Response, ReviewMark, ReviewNote
from courseapp.rewording.services import (
    COMPARED,
    exercises,
    feedback,
    index_marks,
    shared_with,
    store,
)

NOT_REVIEWED, REVIEWED = "not-reviewed", "reviewed"
QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    exercise_id: str | None = None
    team_id: int | None = None
    since: date | None = None
    until: date | None = None
    reviewed: str | None = None  # NOT_REVIEWED (no note yet) or REVIEWED
    verdict: str | None = None  # the coordinator's where set, else the coach's


@dataclass(frozen=True)
class QueuePage:
    responses: list[Response]
    total: int
    page: int
    pages: int


def _queue_query(reviewer: User, filters: QueueFilters):
    """The latest version of each learner's response to each exercise, for the
    organisations the reviewer covers, filtered."""
    latest = (
        sa.select(Response.user_id, Response.exercise_id, sa.func.max(Response.version).label("v"))
        .group_by(Response.user_id, Response.exercise_id)
        .subquery()
    )
    query = (
        sa.select(Response)
        .join(
            latest,
            sa.and_(
                Response.user_id == latest.c.user_id,
                Response.exercise_id == latest.c.exercise_id,
                Response.version == latest.c.v,
            ),
        )
        .join(User, User.id == Response.user_id)
    )
    scope = reviewer.scope_organisation_ids()
    if scope is not None:
        query = query.where(User.organisation_id.in_(scope))
    if filters.exercise_id:
        query = query.where(Response.exercise_id == filters.exercise_id)
    if filters.team_id:
        query = query.where(User.team_id == filters.team_id)
    if filters.since or filters.until:
        query = query.where(
            on_local_days(Response.created_at, User.organisation_id, filters.since, filters.until)
        )
    if filters.reviewed:
        noted = sa.exists().where(ReviewNote.response_id == Response.id)
        query = query.where(~noted if filters.reviewed == NOT_REVIEWED else noted)
    if filters.verdict:
        final = sa.func.coalesce(Response.coordinator_verdict, Response.verdict)
        query = query.where(final == filters.verdict)
    return query


def review_queue(
    reviewer: User, filters: QueueFilters, page: int = 1, size: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """One page of the queue: responses the coach could not judge first (until a
    coordinator has), then newest first. Two queries whatever the page or the data."""
    query = _queue_query(reviewer, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    ordered = (
        query.options(
            joinedload(Response.user).joinedload(User.team),
            joinedload(Response.user).joinedload(User.organisation),
            joinedload(Response.notes),
        )
        .order_by(
            sa.case(
                (sa.and_(Response.verdict == UNCERTAIN, Response.coordinator_verdict.is_(None)), 0),
                else_=1,
            ),
            Response.created_at.desc(),
            Response.id.desc(),
        )
        .limit(size)
        .offset((page - 1) * size)
    )
    return QueuePage(list(db.session.scalars(ordered).unique()), total, page, pages)


# -- What a learner has not yet read --------------------------------------------------


def unread_notes(user: User) -> list[ReviewNote]:
    """Comments and verdicts coordinators left on the learner's responses that the
    learner has not seen since: their home page lists them."""
    return list(
        db.session.scalars(
            sa.select(ReviewNote)
            .join(Response, Response.id == ReviewNote.response_id)
            .where(
                Response.user_id == user.id,
                ReviewNote.read_at.is_(None),
                sa.or_(ReviewNote.comment != "", ReviewNote.verdict.is_not(None)),
            )
            .options(joinedload(ReviewNote.response), joinedload(ReviewNote.reviewer))
            .order_by(ReviewNote.created_at, ReviewNote.id)
        )
    )


def mark_notes_read(user: User, exercise: Exercise) -> None:
    """The learner has opened the exercise, where every note on it is shown. Mostly
    there is none unread, and nothing is written (nor the write lock taken)."""
    responses = sa.select(Response.id).where(
        Response.user_id == user.id, Response.exercise_id == exercise.id
    )
    unread = (ReviewNote.response_id.in_(responses), ReviewNote.read_at.is_(None))
    if not db.session.scalar(sa.select(sa.exists().where(*unread))):
        return
    lock_for_writing()
    db.session.execute(
        sa.update(ReviewNote)
        .where(*unread)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def add_note(
    response: Response,
    reviewer: User,
    mark: ReviewMark | None,
    comment: str,
    verdict: str | None = None,
) -> ReviewNote:
    """A coordinator's mark and comment; with a verdict, it replaces the coach's
    (recorded in the audit log)."""
    note = ReviewNote(
        response=response,
        reviewer_id=reviewer.id,
        mark=mark,
        comment=comment.strip(),
        verdict=verdict,
    )
    db.session.add(note)
    if verdict is not None and verdict != response.final_verdict:
        record(
            reviewer,
            "rewording.verdict",
            f"response {response.id}: {response.final_verdict} -> {verdict}",
        )
        response.coordinator_verdict = verdict
    db.session.flush()
    return note


# -- Re-judging after a rule change ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    response_id: int
    exercise_id: str
    version: int
    before: str
    after: str
    flags_before: tuple[str, ...]
    flags_after: tuple[str, ...]


def rejudge(dry_run: bool = False) -> tuple[int, list[Change]]:
    """Judge again every stored version judged with other rules than today's. Returns
    how many were judged again and what changed. A coordinator's verdict stands. The
    versions are read in the order they were kept, so that each is judged, as when it
    was sent, against the learner's versions kept before it that it is compared with
    (own_elsewhere), with those judged again counting as they are now judged, also in a
    dry run; and against other learners' versions of its exercise kept before it
    (shared_with). Versions kept before marks were get theirs (a dry run's are not
    kept: the command rolls back)."""
    current = course().rewording.rules.version
    found = exercises()
    learners = sa.select(Response.user_id).where(Response.rules_version != current)
    versions = db.session.scalars(
        sa.select(Response)
        .where(Response.user_id.in_(learners))
        .order_by(Response.id)
        .options(selectinload(Response.marks))
    ).all()
    earlier: defaultdict[int, list[tuple[Exercise, str]]] = defaultdict(list)
    judged, changes = 0, []
    for response in versions:
        stale = response.rules_version != current
        judged += stale
        exercise = found.get(response.exercise_id)
        if exercise is None:
            continue
        verdict = response.verdict
        if stale:
            if not response.marks:
                response.marks = index_marks(exercise, response.text)
            others = shared_with(
                response.user_id, exercise, [mark.mark for mark in response.marks], response.id
            )
            result, change = _judge_again(response, exercise, earlier[response.user_id], others)
            if change:
                changes.append(change)
            if not dry_run:
                store(response, result)
            verdict = result.verdict
        if (response.coordinator_verdict or verdict) in COMPARED:
            earlier[response.user_id].append((exercise, response.text))
    db.session.flush()
    return judged, changes


def _judge_again(
    response: Response, exercise: Exercise, own: list[tuple[Exercise, str]], others: list[str]
) -> tuple[Assessment, Change | None]:
    """One stored version judged again (rejudge), and what changed, if anything."""
    result = feedback(exercise, response.text, own, others)
    after = result.as_json()
    if (response.verdict, list(response.flags)) == (after["verdict"], after["flags"]) and set(
        response.strengths
    ) == set(after["strengths"]):
        return result, None
    change = Change(
        response.id,
        response.exercise_id,
        response.version,
        response.verdict,
        after["verdict"],
        tuple(response.flags),
        tuple(after["flags"]),
    )
    return result, change


def current_mark(response: Response) -> ReviewMark | None:
    marks = [note.mark for note in response.notes if note.mark is not None]
    return marks[-1] if marks else None
