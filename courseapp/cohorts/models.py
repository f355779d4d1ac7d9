from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.extensions import db
from courseapp.organisations.models import Organisation, new_join_code, utcnow


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
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_join_code)
    join_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
