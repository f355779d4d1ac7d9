"""What single sign-on does once the provider has answered: explain a refusal, find
the person by their provider identity, link an existing account, or create a learner.
Services flush; the request commits."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import requests
import sqlalchemy as sa
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import session
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)

from courseapp.accounts import services as accounts
from courseapp.accounts.models import JobRole, User
from courseapp.accounts.passwords import verify_password
from courseapp.audit.services import record
from courseapp.clock import utcnow
from courseapp.cohorts.services import enrol_new_learner
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.organisations.domains import email_domain
from courseapp.sso import encryption, provider
from courseapp.sso.models import Connection, Identity

PENDING_KEY = "sso_pending"
SESSION_CONNECTION_KEY = "sso_connection"
PENDING_MAX_AGE = 30 * 60  # seconds to finish a first sign-in or a link
GOOGLE_ISSUER = "https://accounts.google.com"

UNCONFIRMED = "We could not confirm who you are with your organisation's sign-in service"
TOKEN_PROBLEMS = {
    "iss": "it came from a different sign-in service from the one your organisation uses",
    "aud": "it was issued for a different service, not this one",
    "azp": "it was issued for a different service, not this one",
    "nonce": "it did not belong to this sign-in",
    "exp": "it had expired",
}


class SignInRefused(Exception):
    """A sign-in that cannot go ahead, with what to tell the person."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Pending:
    """A verified provider identity that is not yet anyone's account on the platform:
    kept in the session while the person answers a question or proves a password."""

    connection_id: int
    issuer: str
    subject: str
    email: str
    name: str
    team_id: int | None
    job_role: str | None
    at: float

    @property
    def job_role_choice(self) -> JobRole | None:
        return JobRole[self.job_role] if self.job_role else None


def explain(error: Exception) -> SignInRefused:
    """Words for a failed flow, from the error Authlib or joserfc raised."""
    if isinstance(error, MismatchingStateError):
        return SignInRefused(
            "This sign-in has already been used, has expired, or was started in another "
            "browser. Start again from the sign-in page.",
            status=400,
        )
    if isinstance(error, OAuthError):
        # Not the provider's own words: anyone can put those in a link to this page.
        return SignInRefused(
            "Your organisation's sign-in service did not complete the sign-in, so nothing "
            "has changed. If you cancelled it, you can start again from the sign-in page."
        )
    if isinstance(error, ExpiredTokenError):
        reason = TOKEN_PROBLEMS["exp"]
    elif isinstance(error, ClaimError):
        reason = TOKEN_PROBLEMS.get(error.claim, f"its {error.claim} was missing or wrong")
    elif isinstance(error, BadSignatureError | InvalidKeyIdError):
        reason = "its signature did not match the keys your organisation's service publishes"
    elif isinstance(error, JoseError):
        reason = "it could not be read"
    elif isinstance(error, requests.RequestException | provider.ProviderUnavailable):
        return SignInRefused(
            "We could not reach your organisation's sign-in service. Try again later.", 503
        )
    elif isinstance(error, encryption.EncryptionKeyMissing | ValueError):
        return SignInRefused(
            "Single sign-on is not working for your organisation at the moment. "
            "Tell your training coordinator.",
            503,
        )
    else:
        raise error
    return SignInRefused(f"{UNCONFIRMED}: {reason}. Nothing has been saved. Try again.")


def _email_verified(claims: dict, connection: Connection) -> bool:
    verified = claims.get("email_verified")
    if verified is None:
        return connection.trust_unverified_claim
    return verified is True or str(verified).lower() == "true"


def check_claims(connection: Connection, claims: dict) -> str:
    """The person's email address, once it is one this organisation's connection may
    vouch for. Raises SignInRefused otherwise."""
    email = accounts.normalise_email(str(claims.get("email") or ""))
    if "@" not in email or not claims.get("sub"):
        raise SignInRefused(
            "Your organisation account did not share an email address with us, so we cannot "
            "sign you in. Ask your IT team to include the email claim."
        )
    domain = email_domain(email)
    org = connection.organisation
    if domain not in connection.domain_names:
        raise SignInRefused(
            f"Your email address ends in {domain}, which {org.name}'s sign-in does not cover. "
            "Nobody has been signed in and nothing has been saved. Ask your training "
            "coordinator which address to use."
        )
    hosted = claims.get("hd")
    if (hosted is not None or connection.issuer == GOOGLE_ISSUER) and (
        hosted not in connection.domain_names
    ):
        raise SignInRefused(
            f"Your account is not one of {org.name}'s Google Workspace accounts, so we cannot "
            "sign you in with it."
        )
    if not _email_verified(claims, connection):
        raise SignInRefused(
            "Your organisation's sign-in service has not confirmed your email address, so we "
            "cannot sign you in with it. Ask your IT team to verify it, or sign in with your "
            "password."
        )
    return email


def _refuse_inactive(user: User) -> None:
    if not user.active:
        raise SignInRefused(
            "Your account on this platform has been switched off, so you cannot sign in. "
            "If you think this is a mistake, ask your training coordinator."
        )


def _claim_text(claims: dict, name: str | None) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _mapped_team(connection: Connection, claims: dict) -> int | None:
    wanted = _claim_text(claims, connection.team_claim).lower()
    teams = connection.organisation.teams
    return next((team.id for team in teams if wanted and team.name.lower() == wanted), None)


def _mapped_job_role(connection: Connection, claims: dict) -> str | None:
    wanted = _claim_text(claims, connection.job_role_claim).lower()
    return next(
        (role.name for role in JobRole if wanted in (role.value.lower(), role.name.lower())),
        None,
    )


def _display_name(claims: dict, email: str) -> str:
    name = _claim_text(claims, "name")
    if not name:
        name = " ".join(
            part
            for part in (_claim_text(claims, "given_name"), _claim_text(claims, "family_name"))
            if part
        )
    return (name or email.split("@", 1)[0])[:200]


def identity_for(issuer: str, subject: str) -> Identity | None:
    return db.session.scalar(
        sa.select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
    )


def sign_in_from_claims(connection: Connection, claims: dict) -> User | Pending:
    """The person these verified claims identify: their account, found by issuer and
    subject (their email address updated if it has changed), or a Pending identity
    when they have no account yet or must link one."""
    email = check_claims(connection, claims)
    subject = str(claims["sub"])
    identity = identity_for(connection.issuer, subject)
    if identity is not None:
        user = identity.user
        _refuse_inactive(user)
        if user.email != email:
            if accounts.find_user_by_email(email) is not None:
                raise SignInRefused(
                    f"Your organisation now gives your address as {email}, but another account "
                    "here uses it. Ask your training coordinator to sort this out."
                )
            user.email = email
        identity.last_used_at = utcnow()
        db.session.flush()
        return user
    existing = accounts.find_user_by_email(email)
    if existing is not None:
        _refuse_inactive(existing)
    return Pending(
        connection_id=connection.id,
        issuer=connection.issuer,
        subject=subject,
        email=email,
        name=_display_name(claims, email),
        team_id=_mapped_team(connection, claims),
        job_role=_mapped_job_role(connection, claims),
        at=time.time(),
    )


def needs_link(pending: Pending) -> User | None:
    """The existing account with the pending identity's email address, if any."""
    return accounts.find_user_by_email(pending.email)


def keep_pending(pending: Pending) -> None:
    session[PENDING_KEY] = asdict(pending)


def pending() -> Pending | None:
    data = session.get(PENDING_KEY)
    if not data:
        return None
    try:
        found = Pending(**data)
    except TypeError:
        found = None
    if found is None or time.time() - found.at > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return None
    return found


def _add_identity(user: User, pending: Pending) -> None:
    done = SignInRefused(
        "This sign-in has already been completed, perhaps in another tab. "
        "Go to the sign-in page and sign in again.",
        400,
    )
    with unique_or(done):
        db.session.add(
            Identity(
                user_id=user.id,
                issuer=pending.issuer,
                subject=pending.subject,
                last_used_at=utcnow(),
            )
        )


def create_learner(pending: Pending, team_id: int | None, job_role: JobRole) -> User:
    """First sign-in: a learner in the connection's organisation, enrolled by job role
    as registration does, with the provider identity attached."""
    connection = db.session.get(Connection, pending.connection_id)
    if connection is None or connection.issuer != pending.issuer:
        raise SignInRefused("Your organisation's sign-in has changed. Start again.", 400)
    details = accounts.Registration(
        name=pending.name, email=pending.email, password=None, job_role=job_role, team_id=team_id
    )
    try:
        user = accounts.register_learner(connection.organisation, details)
    except accounts.AccountError as error:
        raise SignInRefused(str(error), 400) from None
    _add_identity(user, pending)
    enrol_new_learner(user, None)
    record(user, "sso.first_sign_in", f"organisation {connection.organisation_id}")
    return user


def link_account(pending: Pending, password: str) -> User | None:
    """Attach the identity to the existing account with the same email address once its
    password is proved; None if the password is wrong."""
    user = needs_link(pending)
    if user is None or not verify_password(user.password_hash, password):
        return None
    _refuse_inactive(user)
    _add_identity(user, pending)
    user.confirm_email()  # the provider vouched for this address
    record(user, "sso.linked", f"user {user.id}")
    return user


def start_session(user: User, connection_id: int) -> None:
    """Sign in, and remember which provider did it, for the sign-out page."""
    accounts.start_session(user)
    session[SESSION_CONNECTION_KEY] = connection_id


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where to end the provider's session too, when this session came from one."""
    connection_id = session.get(SESSION_CONNECTION_KEY)
    connection = db.session.get(Connection, connection_id) if connection_id else None
    if connection is None:
        return None
    try:
        return provider.end_session_url(connection, post_logout_redirect_uri)
    except (encryption.EncryptionKeyMissing, ValueError):
        return None
