from __future__ import annotations

import enum
import re
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from courseapp.clock import DEFAULT_ZONE, day_after, day_start, is_zone, utcnow
from courseapp.extensions import db

# Letters and digits that cannot be misread for one another when read aloud or copied.
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


class Sector(enum.StrEnum):
    LOCAL_AUTHORITY = "Local authority (council)"
    EDUCATION = "Schools and early years"
    HEALTH = "Health"
    POLICE_JUSTICE = "Police and justice"
    VOLUNTARY = "Voluntary and community sector"
    OTHER = "Other"


coordinator_organisations = sa.Table(
    "coordinator_organisations",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    ),
)


def readable_code(length: int) -> str:
    """A random code in letters and digits that cannot be misread for one another."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(length))


def new_join_code() -> str:
    return readable_code(JOIN_CODE_LENGTH)


def normalise_join_code(typed: str) -> str:
    """Accept a code as people type it: any case, with spaces or hyphens."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


SLUG_LENGTH = 60


def slug_for(name: str) -> str:
    """The organisation's name in an address (/login/<slug>): lower case, words
    joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    return slug or "organisation"


def _default_slug(context) -> str:
    return slug_for(context.get_current_parameters()["name"])


def format_join_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sector: Mapped[Sector] = mapped_column(sa.Enum(Sector, native_enum=False, length=60))
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_join_code)
    join_enabled: Mapped[bool] = mapped_column(default=True)
    # Names the organisation in its single sign-on address, /login/<slug>.
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, default=_default_slug)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The IANA zone its people live in: times are shown, and days in filters read, there.
    timezone: Mapped[str] = mapped_column(
        sa.String(64), default=DEFAULT_ZONE, server_default=DEFAULT_ZONE
    )
    # An optional logo for certificates, checked on upload (see organisations.logos).
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(sa.String(20))
    # The email domains people joining with a join code (the organisation's or a
    # cohort's) must have an address in, subdomains included; empty: any address.
    join_email_domains: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )

    teams: Mapped[list[Team]] = relationship(
        back_populates="organisation", order_by="Team.name", cascade="all, delete-orphan"
    )

    @validates("timezone")
    def _check_timezone(self, _key: str, name: str) -> str:
        if not is_zone(name):
            raise ValueError(f"{name!r} is not a time zone")
        return name

    @property
    def organisation_id(self) -> int:
        """Lets the scoped loader treat an organisation like anything that belongs to one."""
        return self.id

    @property
    def display_join_code(self) -> str:
        return format_join_code(self.join_code)


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


def on_local_days(
    moment: sa.ColumnElement,
    organisation_id: sa.ColumnElement,
    first: date | None,
    last: date | None,
) -> sa.ColumnElement[bool]:
    """A condition: `moment` falls on the days first to last (either may be None),
    counting days in the time zone of the organisation `organisation_id` refers to
    (the default zone where there is none). One query finds the zones in use."""
    zones = set(db.session.scalars(sa.select(Organisation.timezone).distinct()))

    def within(zone_name: str) -> list[sa.ColumnElement[bool]]:
        bounds = [moment >= day_start(first, zone_name)] if first else []
        return bounds + ([moment < day_after(last, zone_name)] if last else [])

    in_zone = [
        sa.and_(
            organisation_id.in_(sa.select(Organisation.id).where(Organisation.timezone == name)),
            *within(name),
        )
        for name in sorted(zones)
    ]
    return sa.or_(sa.and_(organisation_id.is_(None), *within(DEFAULT_ZONE)), *in_zone)
