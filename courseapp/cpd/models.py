from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courseapp.clock import utcnow
from courseapp.extensions import db


class Activity(enum.StrEnum):
    """What a reflection is about: one module, or a pathway as a whole."""

    MODULE = "module"
    PATHWAY = "pathway"


class Reflection(db.Model):
    """A learner's own reflection on a module or a pathway, for their CPD record. One
    per learner and activity, edited in place. Private to the learner unless `shared`,
    when their coordinators can read it on the learner's record."""

    __tablename__ = "cpd_reflections"
    __table_args__ = (sa.UniqueConstraint("user_id", "activity", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(sa.String(20))
    activity_id: Mapped[str] = mapped_column(sa.String(80))  # a module or pathway id
    learnt: Mapped[str] = mapped_column(sa.Text, default="")
    practice: Mapped[str] = mapped_column(sa.Text, default="")
    peer: Mapped[str] = mapped_column(sa.Text, default="")
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
