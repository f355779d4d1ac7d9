"""What the rewording feature does: exercises for a learner, responses with feedback,
self-rating, and the coordinators' review queue. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from courseapp.accounts.models import User
from courseapp.content.services import course, enrolled_pathways
from courseapp.extensions import db
from courseapp.organisations.models import on_local_days
from courseapp.rewording.engine import Assessment, assess
from courseapp.rewording.models import Response, ReviewMark, ReviewNote, SelfRating
from courseapp.rewording.schema import Exercise


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


def feedback(exercise: Exercise, text: str) -> Assessment:
    return assess(
        course().rewording.rules, text, exercise.destructive, tuple(exercise.model_answers)
    )


def history(user: User, exercise: Exercise) -> list[Response]:
    return list(
        db.session.scalars(
            sa.select(Response)
            .where(Response.user_id == user.id, Response.exercise_id == exercise.id)
            .options(joinedload(Response.notes))
            .order_by(Response.version)
        ).unique()
    )


def latest_by_exercise(user: User) -> dict[str, Response]:
    rows = db.session.scalars(
        sa.select(Response).where(Response.user_id == user.id).order_by(Response.version)
    )
    return {row.exercise_id: row for row in rows}


def submit(user: User, exercise: Exercise, text: str) -> Response:
    """Keep a new version with its feedback. Sending the same text again (a double
    click, a second tab) returns the version already kept."""
    text = text.strip()
    versions = history(user, exercise)
    if versions and versions[-1].text == text:
        return versions[-1]
    result = feedback(exercise, text)
    response = Response(
        user_id=user.id,
        exercise_id=exercise.id,
        # After the retention purge the earliest versions may be gone: never reuse a number.
        version=versions[-1].version + 1 if versions else 1,
        text=text,
        **result.as_json(),
    )
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


@dataclass(frozen=True)
class QueueFilters:
    exercise_id: str | None = None
    team_id: int | None = None
    since: date | None = None
    until: date | None = None


def review_queue(reviewer: User, filters: QueueFilters, limit: int = 200) -> list[Response]:
    """The latest version of each learner's response to each exercise, newest first,
    for the organisations the reviewer covers."""
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
        .options(
            joinedload(Response.user).joinedload(User.team),
            joinedload(Response.user).joinedload(User.organisation),
            joinedload(Response.notes),
        )
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(limit)
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
    return list(db.session.scalars(query).unique())


def add_note(
    response: Response, reviewer: User, mark: ReviewMark | None, comment: str
) -> ReviewNote:
    note = ReviewNote(
        response=response, reviewer_id=reviewer.id, mark=mark, comment=comment.strip()
    )
    db.session.add(note)
    db.session.flush()
    return note


def current_mark(response: Response) -> ReviewMark | None:
    marks = [note.mark for note in response.notes if note.mark is not None]
    return marks[-1] if marks else None
