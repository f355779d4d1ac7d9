"""Giving feedback at the end of a pathway: once, after the certificate, never linked to
the learner's name (see models.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment.models import Certificate
from courseapp.catalogue.course import Course, Pathway
from courseapp.clock import utcnow
from courseapp.content.models import Enrolment
from courseapp.database import unique_or
from courseapp.evaluation.models import EvaluationAnswer, EvaluationRecord, Outcome
from courseapp.extensions import db

log = logging.getLogger(__name__)


class AlreadyEvaluated(Exception):
    """The learner has already sent feedback on this pathway."""


@dataclass(frozen=True)
class Feedback:
    useful: int
    relevant: int
    do_differently: str = ""
    improve: str = ""


def record_for(user: User, pathway_id: str) -> EvaluationRecord | None:
    return db.session.scalar(
        sa.select(EvaluationRecord).where(
            EvaluationRecord.user_id == user.id, EvaluationRecord.pathway_id == pathway_id
        )
    )


def may_evaluate(user: User, pathway: Pathway) -> bool:
    """Feedback is asked for once the pathway is finished: when there is a certificate."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    Certificate.user_id == user.id, Certificate.pathway_id == pathway.id
                )
            )
        )
    )


def outcomes(user: User) -> dict[str, Outcome]:
    """What the learner did about each pathway's evaluation: sent it, or said no thanks."""
    rows = db.session.execute(
        sa.select(EvaluationRecord.pathway_id, EvaluationRecord.outcome).where(
            EvaluationRecord.user_id == user.id
        )
    )
    return {pathway_id: outcome for pathway_id, outcome in rows}


def submit(user: User, pathway: Pathway, feedback: Feedback) -> EvaluationAnswer:
    """Keep the answers, reported under the learner's organisation, team and cohort, and
    note that they have answered. A learner who said no thanks may still answer; one who
    has answered cannot again (AlreadyEvaluated), even from two requests at once."""
    record = record_for(user, pathway.id)
    if record is not None and record.outcome is Outcome.SENT:
        raise AlreadyEvaluated
    if record is not None:
        changed = db.session.execute(
            sa.update(EvaluationRecord)
            .where(EvaluationRecord.id == record.id, EvaluationRecord.outcome == Outcome.DECLINED)
            .values(outcome=Outcome.SENT, recorded_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # someone else's request changed it first
            raise AlreadyEvaluated
        db.session.expire(record)
    else:
        with unique_or(AlreadyEvaluated()):
            db.session.add(
                EvaluationRecord(user_id=user.id, pathway_id=pathway.id, outcome=Outcome.SENT)
            )
    today = utcnow().date()
    answer = EvaluationAnswer(
        pathway_id=pathway.id,
        organisation_id=user.organisation_id,
        team_id=user.team_id,
        cohort_id=_cohort_id(user, pathway),
        month=today.replace(day=1),
        useful=feedback.useful,
        relevant=feedback.relevant,
        do_differently=feedback.do_differently,
        improve=feedback.improve,
    )
    db.session.add(answer)
    db.session.flush()
    log.info("Course evaluation received for pathway %s", pathway.id)
    return answer


def decline(user: User, pathway: Pathway) -> None:
    """No thanks: the learner is not asked again (they can still answer from their
    certificate). Saying it twice, or after answering, changes nothing."""
    if record_for(user, pathway.id) is not None:
        return
    try:
        with unique_or(AlreadyEvaluated()):
            db.session.add(
                EvaluationRecord(user_id=user.id, pathway_id=pathway.id, outcome=Outcome.DECLINED)
            )
    except AlreadyEvaluated:
        pass


def _cohort_id(user: User, pathway: Pathway) -> int | None:
    return db.session.scalar(
        sa.select(Enrolment.cohort_id).where(
            Enrolment.user_id == user.id, Enrolment.pathway_id == pathway.id
        )
    )


def _title(course: Course, pathway_id: str) -> str | None:
    pathway = course.pathways.get(pathway_id)
    return pathway.title if pathway is not None else None


def personal_records(user: User, course: Course) -> list[dict]:
    """For the learner's data download: whether they gave feedback on each pathway. The
    answers themselves are kept without their name, so they cannot be found to include."""
    rows = db.session.scalars(
        sa.select(EvaluationRecord)
        .where(EvaluationRecord.user_id == user.id)
        .order_by(EvaluationRecord.recorded_at, EvaluationRecord.id)
    )
    return [
        {
            "pathway": row.pathway_id,
            "pathway_title": _title(course, row.pathway_id),
            "outcome": "feedback sent" if row.outcome is Outcome.SENT else "declined",
            "recorded": row.recorded_at.isoformat(timespec="seconds"),
        }
        for row in rows
    ]
