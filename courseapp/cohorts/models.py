from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, format_join_code, new_join_code


class Cohort(db.Model):
    """A group of learners in one organisation taking one pathway, e.g. "Primary
    schools briefing, spring term". Learners join with its code or are enrolled
    from a CSV file."""

    __tablename__ = "cohorts"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    pathway_id: Mapped[str] = mapped_column(sa.String(80))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # When learners should have finished; if not set, the end date is used.
    due_on: Mapped[date | None]
    # A closed cohort takes no new learners (join code or import) but is still reported.
    closed_at: Mapped[datetime | None]
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_join_code)
    join_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def display_join_code(self) -> str:
        return format_join_code(self.join_code)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def due_date(self) -> date | None:
        """The date learners are overdue after: the due date, or else the end date."""
        return self.due_on or self.ends_on

    @property
    def takes_new_learners(self) -> bool:
        return self.join_enabled and not self.closed


class EnrolmentImport(db.Model):
    """A CSV file of learners for a cohort, parsed and checked row by row, kept until
    the coordinator confirms it. `rows` holds what each row said and what was found
    (see cohorts.imports); `confirmed_at` is set once, by the one confirmation that wins."""

    __tablename__ = "enrolment_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    uploaded_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    rows: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The set-password links of the learners it created are given once, as a CSV file.
    links_downloaded_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()

    @property
    def organisation_id(self) -> int:
        """Lets the scoped loader check an import like anything else in an organisation."""
        return self.cohort.organisation_id
