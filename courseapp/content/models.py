from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courseapp.clock import utcnow
from courseapp.extensions import db


class Enrolment(db.Model):
    """A learner on a pathway. The pathway is a content id, not a foreign key."""

    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("user_id", "pathway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Which of the pathway's two test forms comes first: 0 is A then B, 1 is B then A.
    # Set once at enrolment (see content.services.next_form_order) and never changed.
    form_order: Mapped[int] = mapped_column(default=0, server_default="0")


class FormOrderCounter(db.Model):
    """How many learners of one group (a cohort, else an organisation) have been given
    a form order on a pathway. Incremented atomically, so that learners enrolling at
    the same moment alternate between the two orders."""

    __tablename__ = "form_order_counters"

    pathway_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    group_key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    assigned: Mapped[int] = mapped_column(default=0)


class PartVisit(db.Model):
    """A learner has opened this part of a module (at least once)."""

    __tablename__ = "module_part_visits"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(sa.String(80))
    part: Mapped[str] = mapped_column(sa.String(120))
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleProgress(db.Model):
    """Where a learner is in one module: started, the last part they opened, completed."""

    __tablename__ = "module_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(sa.String(80))
    last_part: Mapped[str | None] = mapped_column(sa.String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the learner first answered every question of the knowledge check right.
    check_passed_at: Mapped[datetime | None]
    # When the module became complete (see content.completion): every part opened and
    # the knowledge check answered right. Kept up to date when either is recorded.
    completed_at: Mapped[datetime | None]

    @property
    def completed(self) -> bool:
        return self.completed_at is not None
