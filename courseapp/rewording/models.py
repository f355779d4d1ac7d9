from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.extensions import db


class SelfRating(enum.StrEnum):
    AS_GOOD = "as-good"
    PARTLY = "partly"
    NOT_YET = "not-yet"


class ReviewMark(enum.StrEnum):
    EXEMPLARY = "exemplary"
    DISCUSS = "discuss"


class Response(db.Model):
    """One version of a learner's rewording. Every version is kept."""

    __tablename__ = "rewording_responses"
    __table_args__ = (sa.UniqueConstraint("user_id", "exercise_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    verdict: Mapped[str] = mapped_column(sa.String(20))
    flags: Mapped[list[str]] = mapped_column(sa.JSON)
    strengths: Mapped[list[str]] = mapped_column(sa.JSON)
    self_rating: Mapped[SelfRating | None] = mapped_column(
        sa.Enum(SelfRating, native_enum=False, length=10)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    notes: Mapped[list[ReviewNote]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ReviewNote.id"
    )


class ReviewNote(db.Model):
    """A coordinator's mark and comment on a response; the learner sees the comment."""

    __tablename__ = "rewording_review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rewording_responses.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    mark: Mapped[ReviewMark | None] = mapped_column(
        sa.Enum(ReviewMark, native_enum=False, length=10)
    )
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship(back_populates="notes")
    reviewer: Mapped[User | None] = relationship()
