from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courseapp.clock import utcnow
from courseapp.extensions import db


class LocalProcedures(db.Model):
    """An organisation's own safeguarding contacts and routes, written by its coordinator
    or an administrator in Markdown, shown to that organisation's learners only."""

    __tablename__ = "local_procedures"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    safeguarding_lead: Mapped[str] = mapped_column(sa.Text, default="")
    out_of_hours: Mapped[str] = mapped_column(sa.Text, default="")
    local_services: Mapped[str] = mapped_column(sa.Text, default="")
    marac_referral: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
