"""What the rewording feature does: exercises for a learner, responses with feedback,
and self-rating (the coordinators' review is reviewing.py's). Services flush; the request
commits."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from courseapp.accounts.models import User
from courseapp.catalogue import course
from courseapp.catalogue.exercises import Exercise, RuleDef
from courseapp.content.services import enrolled_pathways
from courseapp.extensions import db
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
from courseapp.rewording.models import Mark, Response, SelfRating


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


def index_marks(exercise: Exercise, text: str) -> list[Mark]:
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
        marks=index_marks(exercise, text),
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
