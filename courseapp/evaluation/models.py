"""A learner's feedback on a pathway, kept in two tables that do not point at each other.

EvaluationAnswer holds what was said, with the organisation, team, cohort and pathway it
is reported under and the month it was given, but no user: nobody reading the reports,
the exports or the table can tell who wrote it. It has a random key rather than a
counter, so its key says nothing about the order answers came in.

EvaluationRecord says only that a learner has given feedback on a pathway (or said no
thanks), so they are asked once and can answer once: its unique key makes a second
submission, even two at the same moment, fail."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courseapp.clock import utcnow
from courseapp.extensions import db

SCALE = range(1, 6)


def new_answer_key() -> str:
    return uuid.uuid4().hex


class Outcome(enum.StrEnum):
    SENT = "sent"
    DECLINED = "declined"


class EvaluationRecord(db.Model):
    __tablename__ = "evaluation_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "pathway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    outcome: Mapped[Outcome] = mapped_column(sa.Enum(Outcome, native_enum=False, length=10))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = (
        sa.CheckConstraint("useful BETWEEN 1 AND 5", name="useful_on_scale"),
        sa.CheckConstraint("relevant BETWEEN 1 AND 5", name="relevant_on_scale"),
        sa.Index("ix_evaluation_answers_pathway_organisation", "pathway_id", "organisation_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_answer_key)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="SET NULL"))
    month: Mapped[date]  # the first day of the month it was given in, no closer
    useful: Mapped[int]
    relevant: Mapped[int]
    do_differently: Mapped[str] = mapped_column(sa.Text, default="")
    improve: Mapped[str] = mapped_column(sa.Text, default="")
