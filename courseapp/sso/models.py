"""Single sign-on: an organisation's OpenID Connect provider, the email domains it
covers, and the provider identities people sign in with."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation


class Connection(db.Model):
    """One organisation's OpenID Provider. The client secret is kept encrypted
    (see sso.secrets) and is never shown again once saved."""

    __tablename__ = "sso_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    # Whether the organisation's members may still sign in with a password here.
    allow_passwords: Mapped[bool] = mapped_column(default=True)
    # Whether to accept the provider's email addresses for these domains when its
    # token does not say `email_verified` (Microsoft Entra ID does not send it).
    trust_unverified_claim: Mapped[bool] = mapped_column(default=False)
    # Claims that name the person's team and job role, if the provider sends them.
    team_claim: Mapped[str | None] = mapped_column(sa.String(100))
    job_role_claim: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    domains: Mapped[list[Domain]] = relationship(
        back_populates="connection", order_by="Domain.name", cascade="all, delete-orphan"
    )

    @property
    def domain_names(self) -> list[str]:
        return [domain.name for domain in self.domains]


class Domain(db.Model):
    """An email domain a connection covers; each belongs to one organisation only."""

    __tablename__ = "sso_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(253), unique=True)

    connection: Mapped[Connection] = relationship(back_populates="domains")


class Identity(db.Model):
    """A person's account at a provider: the stable pair (issuer, subject), never the
    email address, which people's employers change."""

    __tablename__ = "sso_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
