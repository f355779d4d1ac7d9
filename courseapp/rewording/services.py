"""What the rewording feature does: exercises for a learner, responses with feedback,
self-rating, and the coordinators' review queue. Services flush; the request commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from courseapp.accounts.models import User
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.catalogue.exercises import Exercise, RuleDef
from courseapp.clock import utcnow
from courseapp.content.services import enrolled_pathways
from courseapp.database import lock_for_writing
from courseapp.extensions import db
from courseapp.organisations.models import on_local_days
from courseapp.rewording.copies import marks
from courseapp.rewording.engine import (
    CONSTRUCTIVE,
    NEEDS_WORK,
    NOT_OWN_VERSION,
    UNCERTAIN,
    Assessment,
    Finding,
    assess_exercise,
)
from courseapp.rewording.models import Mark, Response, ReviewMark, ReviewNote, SelfRating


def exercises() -> dict[str, Exercise]:
    return course().rewording.exercises


def exercise_or_404(exercise_id: str) -> Exercise:
    return exercises().get(exercise_id) or abort(404)


def exercises_for(user: User) -> list[Exercise]:
    """A learner's exercises are those of their pathways; staff see them all."""
    pathway_ids = {pathway.id for pathway in enrolled_pathways(user)}
    if user.is_admin or user.is_coordinator or not pathway_ids:
        return list(exercises().values())
    return [e for e in exercises().values() if pathway_ids & set(e.pathways)]


def exercises_for_module(module_id: str) -> list[Exercise]:
    return [e for e in exercises().values() if module_id in e.modules]


def feedback(
    exercise: Exercise,
    text: str,
    own: Iterable[tuple[Exercise, str]] = (),
    shared_with: Iterable[str] = (),
) -> Assessment:
    """`own`: the learner's versions of other exercises it is compared with (own_elsewhere);
    `shared_with`: other learners' earlier versions of this exercise that it might be
    (shared_with)."""
    found = course().rewording
    return assess_exercise(found.rules, exercise, text, found.exercises.values(), own, shared_with)


# The final verdicts of the versions a learner's later versions of other exercises are
# compared with: those that did their exercise, and those waiting for a coordinator (a
# text the coach cannot judge, sent to every exercise, would otherwise fill the
# coordinators' queue with one text).
COMPARED = (CONSTRUCTIVE, UNCERTAIN)


def own_elsewhere(user_id: int, exercise: Exercise) -> list[tuple[Exercise, str]]:
    """The learner's versions of other exercises with a verdict in COMPARED, with their
    exercises: a text with the names changed is not a new one (engine.assess)."""
    query = sa.select(Response.exercise_id, Response.text).where(
        Response.user_id == user_id,
        Response.exercise_id != exercise.id,
        Response.final_verdict.in_(COMPARED),
    )
    found = exercises()
    return [(found[other], text) for other, text in db.session.execute(query) if other in found]


# How many of other learners' versions a new version is compared with: those with the
# most marks in common with it.
SHARED_CANDIDATES = 20


def shared_with(
    user_id: int, exercise: Exercise, found: list[int], before: int | None = None
) -> list[str]:
    """Other learners' versions of this exercise (kept before the version numbered
    `before`, if given) with any of the marks `found`: those it might be, or be close to
    (copies.marks)."""
    if not found:
        return []
    query = (
        sa.select(Response.text)
        .join(Mark, Mark.response_id == Response.id)
        .where(
            Mark.exercise_id == exercise.id,
            Mark.mark.in_(found),
            Response.user_id != user_id,
            *([Response.id < before] if before is not None else []),
        )
        .group_by(Response.id, Response.text)
        .order_by(sa.func.count().desc(), Response.id)
        .limit(SHARED_CANDIDATES)
    )
    return list(db.session.scalars(query))


def _marked(exercise: Exercise, text: str) -> list[Mark]:
    return [Mark(mark=mark, exercise_id=exercise.id) for mark in marks(text, exercise.people)]


def store(response: Response, result: Assessment) -> None:
    """Keep what the learner is shown, and the rules version it was judged with."""
    response.verdict = result.verdict
    response.flags = [f.rule.id for f in result.flags]
    response.strengths = [s.rule.id for s in result.strengths]
    response.findings = [
        {
            "rule": f.rule.id,
            "kind": kind,
            "evidence": f.evidence,
            "label": f.rule.label,
            "explains": f.rule.explains,
            "practice": f.rule.practice,
        }
        for kind, group in (("flag", result.flags), ("strength", result.strengths))
        for f in group
    ]
    response.rules_version = course().rewording.rules.version


def stored_feedback(response: Response) -> Assessment:
    """The feedback as it was given, from what was stored: never judged again here.
    Versions kept before findings were stored take the rules file's wording."""
    rules = course().rewording.rules

    def definition(found: dict) -> RuleDef:
        if "label" in found:
            return RuleDef(
                id=found["rule"],
                label=found["label"],
                explains=found["explains"],
                practice=found["practice"],
            )
        try:
            return rules.rule(found["rule"]).definition
        except StopIteration:  # a rule since removed from the file
            return RuleDef(
                id=found["rule"],
                label=found["rule"].replace("-", " ").capitalize(),
                practice="language-and-documentation",
                explains="This point came from a rule the course no longer uses.",
            )

    found = response.findings or [
        {"rule": rule_id, "kind": kind, "evidence": ""}
        for kind, ids in (("flag", response.flags), ("strength", response.strengths))
        for rule_id in ids
    ]
    by_kind = {
        kind: tuple(Finding(definition(f), f["evidence"]) for f in found if f["kind"] == kind)
        for kind in ("flag", "strength")
    }
    return Assessment(response.verdict, by_kind["flag"], by_kind["strength"])


def history(user: User, exercise: Exercise) -> list[Response]:
    return list(
        db.session.scalars(
            sa.select(Response)
            .where(Response.user_id == user.id, Response.exercise_id == exercise.id)
            .options(joinedload(Response.notes))
            .order_by(Response.version)
        ).unique()
    )


def own_version(response: Response) -> bool:
    """A version of the learner's own, judged on what it says: the coach found it
    constructive or needing work, and not because it was a copy, a list of words or
    names, too short, the statement again, off the subject or about no case in
    particular. A version the coach could not judge counts once a coordinator has."""
    if response.coordinator_verdict is not None:
        return response.coordinator_verdict in (CONSTRUCTIVE, NEEDS_WORK)
    return response.verdict in (CONSTRUCTIVE, NEEDS_WORK) and not (
        set(response.flags or ()) & NOT_OWN_VERSION
    )


def shows_model_answers(versions: list[Response]) -> bool:
    """The model answers appear once the learner has written a version of their own:
    shown sooner, they could be read after any text at all and paraphrased."""
    return any(own_version(response) for response in versions)


def latest_by_exercise(user: User) -> dict[str, Response]:
    rows = db.session.scalars(
        sa.select(Response).where(Response.user_id == user.id).order_by(Response.version)
    )
    return {row.exercise_id: row for row in rows}


def submit(user: User, exercise: Exercise, text: str) -> Response:
    """Keep a new version with its feedback. Sending the same text again (a double
    click, a second tab) returns the version already kept."""
    text = text.strip()
    # One of the learner's versions at a time, so that two sent at once (two tabs) are
    # each judged against the other's (own_elsewhere). SQLite has one writer anyway.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    versions = history(user, exercise)
    if versions and versions[-1].text == text:
        return versions[-1]
    response = Response(
        user_id=user.id,
        exercise_id=exercise.id,
        # After the retention purge the earliest versions may be gone: never reuse a number.
        version=versions[-1].version + 1 if versions else 1,
        text=text,
        marks=_marked(exercise, text),
    )
    others = shared_with(user.id, exercise, [mark.mark for mark in response.marks])
    store(response, feedback(exercise, text, own_elsewhere(user.id, exercise), others))
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:  # the same version was kept a moment ago by another request
        return history(user, exercise)[-1]
    return response


def rate(response: Response, rating: SelfRating) -> None:
    response.self_rating = rating
    db.session.flush()


# -- Review queue -------------------------------------------------------------------


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
                response.marks = _marked(exercise, response.text)
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
