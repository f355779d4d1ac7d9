"""The tables reports read instead of the answers: see summaries.py for the design."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courseapp.extensions import db


class AreaScore(db.Model):
    """A submitted attempt's score in one area (tag) of its form: the mean mark of the
    area's items, unanswered counting 0. Written when the attempt is submitted."""

    __tablename__ = "attempt_area_scores"

    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("test_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    score: Mapped[float] = mapped_column(sa.Float)


class LearnerSummary(db.Model):
    """What one learner on one pathway adds to the summaries, and where (their
    organisation, team, cohort, job role and whether their account is active), as it
    was last written: the next change takes exactly this away before adding the new.
    No foreign key: the row must outlive an erased learner until their share is gone."""

    __tablename__ = "report_learner_summaries"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pathway_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(default=0, index=True)
    team_id: Mapped[int] = mapped_column(default=0, index=True)
    cohort_id: Mapped[int] = mapped_column(default=0, index=True)
    job_role: Mapped[str] = mapped_column(sa.String(80), default="")
    active: Mapped[bool] = mapped_column(default=True)
    figures: Mapped[list] = mapped_column(sa.JSON, default=list)


class Summary(db.Model):
    """Counts and sums over the learners of one cell (pathway, organisation, team,
    cohort, job role, active or not) for one figure, named by kind, form, phase, subject
    (an item, area, module, rating, flag...) and detail (an option). 0 and "" stand for
    none, so that every key column is NOT NULL and ON CONFLICT always matches."""

    __tablename__ = "report_summaries"

    pathway_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cohort_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    job_role: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    active: Mapped[bool] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    form_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    phase: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    detail: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total: Mapped[float] = mapped_column(sa.Float, default=0.0)
    squares: Mapped[float] = mapped_column(sa.Float, default=0.0)
    cross: Mapped[float] = mapped_column(sa.Float, default=0.0)


class Distribution(db.Model):
    """Figures that need every learner's marks (discrimination), worked out by a job for
    one choice of filters (key), with the report version they were worked out at."""

    __tablename__ = "report_distributions"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    worked_out_at: Mapped[datetime]
    latest_answer_at: Mapped[datetime | None]
    figures: Mapped[dict] = mapped_column(sa.JSON)
