"""Connecting an organisation to its OpenID Provider, and finding the connection that
covers an email address or an organisation. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from courseapp.accounts.models import User
from courseapp.audit.services import record
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.organisations import domains
from courseapp.organisations.domains import email_domain
from courseapp.organisations.models import Organisation
from courseapp.sso import encryption
from courseapp.sso.models import Connection, Domain
from courseapp.sso.provider import ProviderUnavailable, discovery_url, fetch_metadata

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class SettingsError(Exception):
    """A connection that cannot be saved, with a message for the administrator and the
    form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str | None  # None: keep the saved secret
    domains: str
    allow_passwords: bool
    trust_unverified_claim: bool
    team_claim: str | None = None
    job_role_claim: str | None = None


def parse_domains(text: str) -> list[str]:
    """The domains typed (see organisations.domains.parse_domains); at least one.
    Raises SettingsError for one that is not a domain."""
    try:
        names = domains.parse_domains(text)
    except domains.DomainError as error:
        raise SettingsError("domains", str(error)) from None
    if not names:
        raise SettingsError("domains", "Enter at least one email domain")
    return names


def check_issuer_url(issuer: str) -> str:
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    )
    if not (secure and parts.hostname) or parts.query or parts.fragment:
        raise SettingsError(
            "issuer", "Enter the issuer as an https address, like https://accounts.google.com"
        )
    return issuer


def connection_for(org: Organisation) -> Connection | None:
    return db.session.scalar(sa.select(Connection).where(Connection.organisation_id == org.id))


def connection_for_email(email: str) -> Connection | None:
    """The connection covering the domain of an email address, if there is one."""
    return db.session.scalar(
        sa.select(Connection).join(Domain).where(Domain.name == email_domain(email))
    )


def connection_for_slug(slug: str) -> Connection | None:
    return db.session.scalar(
        sa.select(Connection).join(Organisation).where(Organisation.slug == slug.lower())
    )


def password_refused_by(user: User) -> Connection | None:
    """The connection whose organisation asks its members to use single sign-on only,
    if `user` is such a member. Administrators may always use their password."""
    if user.is_admin or user.organisation_id is None:
        return None
    connection = db.session.scalar(
        sa.select(Connection).where(Connection.organisation_id == user.organisation_id)
    )
    return connection if connection is not None and not connection.allow_passwords else None


def _claimed_elsewhere(names: list[str], connection: Connection | None) -> Domain | None:
    query = sa.select(Domain).where(Domain.name.in_(names))
    if connection is not None and connection.id is not None:
        query = query.where(Domain.connection_id != connection.id)
    return db.session.scalars(query.order_by(Domain.name)).first()


def _discovered_issuer(issuer: str) -> str:
    """Fetch the provider's discovery document and return the issuer it names, which
    must be the one typed (OpenID Connect Discovery 1.0, section 4.3)."""
    try:
        metadata = fetch_metadata(issuer)
    except ProviderUnavailable as error:
        current_app.logger.info("SSO discovery failed for %s: %s", issuer, error)
        raise SettingsError(
            "issuer",
            "We could not read the provider's settings from "
            f"{discovery_url(issuer)}. Check the issuer address.",
        ) from None
    found = str(metadata.get("issuer", ""))
    if found.rstrip("/") != issuer.rstrip("/"):
        raise SettingsError(
            "issuer", f"The provider says its issuer is {found or 'missing'}, not {issuer}"
        )
    return found


def save(org: Organisation, settings: Settings, actor: User) -> Connection:
    """Connect `org` to a provider, or change its connection. Checks the provider's
    discovery document and that no other organisation has these domains."""
    connection = connection_for(org)
    names = parse_domains(settings.domains)
    taken = _claimed_elsewhere(names, connection)
    if taken is not None:
        raise SettingsError(
            "domains", f"{taken.name} is already covered by {taken.connection.organisation.name}"
        )
    issuer = _discovered_issuer(check_issuer_url(settings.issuer.strip()))
    created = connection is None
    if created and not settings.client_secret:
        raise SettingsError("client_secret", "Enter the client secret")
    try:
        secret = encryption.encrypt(settings.client_secret) if settings.client_secret else None
    except encryption.EncryptionKeyMissing as error:
        raise SettingsError("client_secret", str(error)) from None
    clash = SettingsError(
        "domains",
        "Someone saved single sign-on for this organisation or these domains a moment ago. "
        "Check the settings and save again.",
    )
    with unique_or(clash):
        if connection is None:
            connection = Connection(organisation=org)
            db.session.add(connection)
        if secret is not None:
            connection.client_secret_encrypted = secret
        connection.issuer = issuer
        connection.client_id = settings.client_id.strip()
        connection.allow_passwords = settings.allow_passwords
        connection.trust_unverified_claim = settings.trust_unverified_claim
        connection.team_claim = (settings.team_claim or "").strip() or None
        connection.job_role_claim = (settings.job_role_claim or "").strip() or None
        kept = {domain.name: domain for domain in connection.domains}
        connection.domains = [kept.get(name) or Domain(name=name) for name in names]
    record(actor, "sso.connected" if created else "sso.changed", f"organisation {org.id}")
    return connection


def remove(connection: Connection, actor: User) -> None:
    """Disconnect the provider. People keep their accounts and their identities, so
    connecting the same provider again finds them."""
    org_id = connection.organisation_id
    db.session.delete(connection)
    db.session.flush()
    record(actor, "sso.removed", f"organisation {org_id}")
