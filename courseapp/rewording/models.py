from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.rewording.engine import CONSTRUCTIVE


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
    # What the coach found, as the learner saw it: the verdict, the rule ids, each
    # finding's evidence, and the rules version it was judged with (see rejudge).
    verdict: Mapped[str] = mapped_column(sa.String(20))
    flags: Mapped[list[str]] = mapped_column(sa.JSON)
    strengths: Mapped[list[str]] = mapped_column(sa.JSON)
    findings: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    rules_version: Mapped[str] = mapped_column(sa.String(40), default="")
    # A coordinator's verdict replaces the coach's wherever one is given.
    coordinator_verdict: Mapped[str | None] = mapped_column(sa.String(20))
    self_rating: Mapped[SelfRating | None] = mapped_column(
        sa.Enum(SelfRating, native_enum=False, length=10)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    notes: Mapped[list[ReviewNote]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ReviewNote.id"
    )
    marks: Mapped[list[Mark]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @hybrid_property
    def final_verdict(self) -> str:
        return self.coordinator_verdict or self.verdict

    @final_verdict.inplace.expression
    @classmethod
    def _final_verdict(cls) -> sa.ColumnElement[str]:
        return sa.func.coalesce(cls.coordinator_verdict, cls.verdict)

    @hybrid_property
    def counts_as_done(self) -> bool:
        """Whether this version does the exercise for a pathway's completion: the coach
        found it constructive, or a coordinator did. One the coach could not judge waits
        for a coordinator: most of those need more work (15 of 16 in a held-out set)."""
        return self.final_verdict == CONSTRUCTIVE  # in SQL too: final_verdict is a hybrid


class Mark(db.Model):
    """One of a version's marks (copies.marks), by which other learners' later versions
    of its exercise find it if they are close to it. Kept when the version is judged (and
    by rejudge for versions kept before marks were)."""

    __tablename__ = "rewording_marks"
    __table_args__ = (sa.Index("ix_rewording_marks_exercise_mark", "exercise_id", "mark"),)

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rewording_responses.id", ondelete="CASCADE"), primary_key=True
    )
    mark: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    exercise_id: Mapped[str] = mapped_column(sa.String(80))


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
    # The verdict the coordinator set with this note, if any.
    verdict: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the learner opened the exercise after this note was left: until then their
    # home page lists it as new.
    read_at: Mapped[datetime | None]

    response: Mapped[Response] = relationship(back_populates="notes")
    reviewer: Mapped[User | None] = relationship()
