from __future__ import annotations

import enum
import secrets
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from courseapp.catalogue.roles import JobRole
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team, coordinator_organisations


class Role(enum.StrEnum):
    LEARNER = "learner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return "Administrator" if self is Role.ADMIN else self.value.capitalize()


def normalise_email(email: str) -> str:
    """An email address in the one form we store and compare: trimmed, Unicode NFC,
    then case-folded. So "JOSÉ@Example.org" and "zoë@…" typed with a combining
    diaeresis (NFD) are the same address as "josé@example.org" and "zoë@…" (NFC)."""
    folded = unicodedata.normalize("NFC", email.strip()).casefold()
    return unicodedata.normalize("NFC", folded)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Stored normalised (see normalise_email), so the unique index makes addresses
    # unique whatever case or Unicode form people type them in.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20), default=Role.LEARNER
    )
    job_role: Mapped[JobRole | None] = mapped_column(sa.Enum(JobRole, native_enum=False, length=80))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    # Flask-Login's alternative id: rotating it signs out every existing session
    # and remember-me cookie for this user.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When they turned off reminder emails (an unsubscribe link); set-password and
    # reset emails are always sent.
    reminders_off_at: Mapped[datetime | None]
    # When the person showed that the address is theirs (a link sent to it, or an
    # organisation's sign-in vouching for it). Tests cannot be taken before, so that a
    # certificate stands for someone with a real address (see accounts.confirmation).
    email_confirmed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    team: Mapped[Team | None] = relationship()
    covered_organisations: Mapped[list[Organisation]] = relationship(
        secondary=coordinator_organisations, order_by=Organisation.name
    )

    @validates("email")
    def _normalise_email(self, _key: str, email: str) -> str:
        return normalise_email(email)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def confirm_email(self) -> None:
        """Mark the address as shown to be theirs; a second time changes nothing."""
        if self.email_confirmed_at is None:
            self.email_confirmed_at = utcnow()

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    def scope_organisation_ids(self) -> set[int] | None:
        """Organisations this user may manage: None means all (an admin)."""
        if self.is_admin:
            return None
        if self.is_coordinator:
            return {org.id for org in self.covered_organisations}
        return set()

    def can_manage(self, organisation_id: int | None) -> bool:
        scope = self.scope_organisation_ids()
        return scope is None or organisation_id in scope
