from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from courseapp.accounts.models import User
from courseapp.catalogue import timing
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import readable_code


class Phase(enum.StrEnum):
    PRE = "pre"
    POST = "post"
    # Some months after the post-test was passed: a short test drawn from the bank,
    # with no pass mark (see assessment.follow_up).
    FOLLOW_UP = "follow-up"

    @property
    def label(self) -> str:
        return {"pre": "Pre-test", "post": "Post-test", "follow-up": "Follow-up test"}[self.value]


# The phases that learning gain pairs, one attempt of each per learner.
PAIRED_PHASES = (Phase.PRE, Phase.POST)


# session.info: the attempts this transaction read open and locked (attempts.hold_open),
# so that none can be submitted before it ends. Answers written to them are in no report,
# and reports.versions need not ask at the commit whether they were submitted.
HELD_OPEN = "courseapp.attempts_held_open"


class TestAttempt(db.Model):
    """One sitting of a pre-, post- or follow-up test. Items are referred to by their content ids.

    The order of items and of each item's options is fixed when the attempt starts
    and kept, so that the learner and any review see exactly what was shown.
    """

    __tablename__ = "test_attempts"
    __test__ = False  # not a pytest test class, despite the name
    __table_args__ = (sa.UniqueConstraint("user_id", "pathway_id", "phase", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    test_id: Mapped[str] = mapped_column(sa.String(80))
    phase: Mapped[Phase] = mapped_column(sa.Enum(Phase, native_enum=False, length=10))
    number: Mapped[int] = mapped_column(default=1)
    # Loaded only when a page of the attempt is shown: listing attempts (the journey,
    # the reports) need not decode them.
    item_order: Mapped[list[str]] = mapped_column(sa.JSON, deferred=True, deferred_group="order")
    option_orders: Mapped[dict[str, list[str]]] = mapped_column(
        sa.JSON, deferred=True, deferred_group="order"
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    score: Mapped[float | None]  # 0..1, set on submission
    passed: Mapped[bool | None]
    # A pre-test answered too fast to show where the learner started (set on submission:
    # attempts.too_fast); the reports leave it out of what they measure.
    too_fast: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="Answer.id"
    )

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(db.Model):
    """A learner's raw answer to one item or self-rating, and its 0..1 mark once submitted."""

    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("test_attempts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(sa.String(80))
    response: Mapped[Any] = mapped_column(sa.JSON)
    score: Mapped[float | None]  # None for self-ratings and before submission
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[TestAttempt] = relationship(back_populates="answers")


class _ResponsesByItem(FunctionElement):
    """{item id: response} of a set of answers, as one JSON object ({} for none)."""

    type = sa.JSON()
    inherit_cache = True


@compiles(_ResponsesByItem, "postgresql")
def _responses_postgresql(element, compiler, **kw) -> str:
    return f"coalesce(json_object_agg({compiler.process(element.clauses, **kw)}), '{{}}'::json)"


@compiles(_ResponsesByItem, "sqlite")
def _responses_sqlite(element, compiler, **kw) -> str:
    item, response = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_group_object({item}, json({response}))"


# A test page's saved answers, read in the statement that loads its attempt (the
# "answers" group) instead of one of their own: see attempts.saved_answers.
TestAttempt.responses = column_property(
    sa.select(_ResponsesByItem(Answer.item_id, Answer.response))
    .where(Answer.attempt_id == TestAttempt.id)
    .scalar_subquery(),
    deferred=True,
    group="answers",
)


def new_certificate_code() -> str:
    raw = readable_code(12)
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


class Certificate(db.Model):
    """A pathway completed. A learner has one per pathway, and one more each time they
    renew it after it lapsed (`renewal_of` the certificate that lapsed)."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.Index(
            "uq_certificates_first", "user_id", "pathway_id", unique=True,
            postgresql_where=sa.text("renewal_of_id IS NULL"),
            sqlite_where=sa.text("renewal_of_id IS NULL"),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    code: Mapped[str] = mapped_column(sa.String(20), unique=True, default=new_certificate_code)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("test_attempts.id", ondelete="SET NULL")
    )
    # The last day it is current, fixed when it is issued (None: it never lapses).
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    renewal_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL"), unique=True
    )
    # The pathway's length when it was issued (catalogue.timing), kept so that its CPD
    # hours stay what the learner did if the course is later made shorter or longer.
    minutes: Mapped[int]

    user: Mapped[User] = relationship()

    @property
    def cpd_hours(self) -> float:
        return timing.cpd_hours(self.minutes)


class AttemptGrant(db.Model):
    """One extra post-test attempt a coordinator gave a learner who had used theirs,
    with the reason. Kept with the learner's records (erased with them); the audit log
    holds the grant's id."""

    __tablename__ = "attempt_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])


class FollowUp(db.Model):
    """An invitation to the follow-up test of a pathway, made by the daily sweep some
    days after the learner passed its post-test, with the items drawn for them: kept,
    so that every visit (and the attempt) shows the same questions."""

    __tablename__ = "follow_ups"
    __table_args__ = (sa.UniqueConstraint("user_id", "pathway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    invited_on: Mapped[date]
    item_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Renewal(db.Model):
    """A lapsed certificate's renewal round: from `started_at` the learner takes the
    renewal pathway again (a refresher, or the full pathway), and what they did before
    that moment does not count towards completing it. One per lapsed certificate."""

    __tablename__ = "renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), unique=True
    )
    pathway_id: Mapped[str] = mapped_column(sa.String(80))  # the pathway taken to renew
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    certificate: Mapped[Certificate] = relationship()
