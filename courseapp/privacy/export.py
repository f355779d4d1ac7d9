"""Everything the platform holds about one person, as a JSON document they can keep.

Read in a fixed number of queries whatever the size of the record: one per kind of
row, answers and coordinators' comments included, matched up in Python.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from courseapp.accounts.models import User
from courseapp.assessment.models import (
    Answer,
    AttemptGrant,
    Certificate,
    FollowUp,
    Renewal,
    TestAttempt,
)
from courseapp.assessment.scores import shown_percent, shows_answers
from courseapp.catalogue.course import Course
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.cpd.services import exported_reflections
from courseapp.evaluation.services import personal_records as evaluation_records
from courseapp.extensions import db
from courseapp.rewording.models import Response, ReviewNote
from courseapp.sso.models import Identity

T = TypeVar("T")


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _title(things: dict, key: str) -> str | None:
    found = things.get(key)
    return found.title if found is not None else None


def personal_data(user: User, course: Course) -> dict[str, Any]:
    person = db.session.scalars(
        sa.select(User)
        .where(User.id == user.id)
        .options(joinedload(User.organisation), joinedload(User.team))
    ).one()
    return {
        "exported_at": _when(utcnow()),
        "times_are_in": "UTC",
        "profile": _profile(person),
        "enrolments": _enrolments(person, course),
        "module_progress": _progress(person, course),
        "test_attempts": _attempts(person, course),
        "rewordings": _rewordings(person, course),
        "certificates": _certificates(person, course),
        "extra_attempts": _grants(person, course),
        "follow_up_invitations": _follow_ups(person, course),
        "organisation_accounts": _identities(person),
        # Whether they gave feedback on a course; the answers are kept without their name.
        "course_evaluations": evaluation_records(person, course),
        "cpd_reflections": exported_reflections(person),
    }


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _profile(person: User) -> dict[str, Any]:
    return {
        "name": person.name,
        "email": person.email,
        "organisation": person.organisation.name if person.organisation else None,
        "team": person.team.name if person.team else None,
        "job_role": person.job_role.value if person.job_role else None,
        "account_type": person.role.label,
        "created": _when(person.created_at),
        "email_confirmed": _when(person.email_confirmed_at),
        "last_sign_in": _when(person.last_login_at),
    }


def _identities(person: User) -> list[dict[str, Any]]:
    """The work accounts (single sign-on) this person signs in with."""
    rows = db.session.scalars(
        sa.select(Identity).where(Identity.user_id == person.id).order_by(Identity.id)
    )
    return [
        {
            "issuer": row.issuer,
            "subject": row.subject,
            "linked": _when(row.created_at),
            "last_used": _when(row.last_used_at),
        }
        for row in rows
    ]


def _enrolments(person: User, course: Course) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Enrolment, Cohort.name)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == person.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return [
        {
            "pathway": enrolment.pathway_id,
            "pathway_title": _title(course.pathways, enrolment.pathway_id),
            "cohort": cohort_name,
            "enrolled": _when(enrolment.enrolled_at),
        }
        for enrolment, cohort_name in rows
    ]


def _progress(person: User, course: Course) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(ModuleProgress)
        .where(ModuleProgress.user_id == person.id)
        .order_by(ModuleProgress.started_at, ModuleProgress.id)
    )
    return [
        {
            "module": row.module_id,
            "module_title": _title(course.modules, row.module_id),
            "last_part_opened": row.last_part,
            "started": _when(row.started_at),
            "last_visited": _when(row.updated_at),
            "completed": _when(row.completed_at),
        }
        for row in rows
    ]


def _grouped(rows: Iterable[T], key: str) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _question(course: Course, item_id: str) -> str | None:
    if item := course.bank.items.get(item_id):
        return item.stem
    if rating := course.bank.ratings.get(item_id):
        return rating.statement
    return None


def _attempts(person: User, course: Course) -> list[dict[str, Any]]:
    attempts = db.session.scalars(
        sa.select(TestAttempt)
        .where(TestAttempt.user_id == person.id)
        .order_by(TestAttempt.started_at, TestAttempt.id)
    ).all()
    answers = _grouped(
        db.session.scalars(
            sa.select(Answer)
            .join(TestAttempt, TestAttempt.id == Answer.attempt_id)
            .where(TestAttempt.user_id == person.id)
            .order_by(Answer.id)
        ),
        "attempt_id",
    )
    # Item by item marks would tell which answers were right on a form that is taken
    # again (by this learner in a retake, or by a colleague): they are given only where
    # the results page shows the answers too (assessment.scores.shows_answers).
    return [
        {
            "pathway": attempt.pathway_id,
            "test": attempt.test_id,
            "phase": attempt.phase.value,
            "attempt_number": attempt.number,
            "started": _when(attempt.started_at),
            "submitted": _when(attempt.submitted_at),
            # As the results page shows it: none for a pre-test, whole per cent otherwise
            # (exact scores, attempt after attempt, would tell which answers were right).
            "score_percent": shown_percent(attempt),
            "passed": attempt.passed,
            "answers": [
                {
                    "item": answer.item_id,
                    "question": _question(course, answer.item_id),
                    "response": answer.response,
                    "mark": answer.score if shows_answers(attempt) else None,
                    "saved": _when(answer.saved_at),
                }
                for answer in answers.get(attempt.id, [])
            ],
        }
        for attempt in attempts
    ]


def _rewordings(person: User, course: Course) -> list[dict[str, Any]]:
    responses = db.session.scalars(
        sa.select(Response)
        .where(Response.user_id == person.id)
        .order_by(Response.exercise_id, Response.version)
    ).all()
    notes = _grouped(
        db.session.scalars(
            sa.select(ReviewNote)
            .join(Response, Response.id == ReviewNote.response_id)
            .where(Response.user_id == person.id)
            .order_by(ReviewNote.id)
        ),
        "response_id",
    )
    exercises = course.rewording.exercises
    return [
        {
            "exercise": response.exercise_id,
            "exercise_title": _title(exercises, response.exercise_id),
            "version": response.version,
            "text": response.text,
            "verdict": response.verdict,
            "flags": response.flags,
            "strengths": response.strengths,
            "self_rating": response.self_rating.value if response.self_rating else None,
            "created": _when(response.created_at),
            "coordinator_comments": [
                {
                    "mark": note.mark.value if note.mark else None,
                    "comment": note.comment,
                    "written": _when(note.created_at),
                }
                for note in notes.get(response.id, [])
            ],
        }
        for response in responses
    ]


def _certificates(person: User, course: Course) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Certificate, Renewal.started_at)
        .outerjoin(Renewal, Renewal.certificate_id == Certificate.id)
        .where(Certificate.user_id == person.id)
        .order_by(Certificate.issued_at, Certificate.id)
    )
    return [
        {
            "code": certificate.code,
            "pathway": certificate.pathway_id,
            "pathway_title": _title(course.pathways, certificate.pathway_id),
            "issued": _when(certificate.issued_at),
            "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
            "cpd_hours": certificate.cpd_hours,
            "renewal_started": _when(renewal_started),
        }
        for certificate, renewal_started in rows
    ]


def _grants(person: User, course: Course) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(AttemptGrant)
        .where(AttemptGrant.user_id == person.id)
        .order_by(AttemptGrant.created_at, AttemptGrant.id)
    )
    return [
        {
            "pathway": grant.pathway_id,
            "pathway_title": _title(course.pathways, grant.pathway_id),
            "reason": grant.reason,
            "given": _when(grant.created_at),
        }
        for grant in rows
    ]


def _follow_ups(person: User, course: Course) -> list[dict[str, Any]]:
    """The follow-up tests the learner was invited to (what they answered is with the
    test attempts)."""
    rows = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.user_id == person.id).order_by(FollowUp.id)
    )
    return [
        {
            "pathway": invitation.pathway_id,
            "pathway_title": _title(course.pathways, invitation.pathway_id),
            "invited_on": invitation.invited_on.isoformat(),
            "questions": invitation.item_ids,
        }
        for invitation in rows
    ]
