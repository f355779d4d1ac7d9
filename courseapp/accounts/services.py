"""What accounts do: registration, signing in and out, passwords and one-time links.

Services flush; the request (or CLI command) commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, session
from flask_login import LoginManager, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from courseapp.access import signed_in_user
from courseapp.accounts.models import JobRole, Role, User, normalise_email
from courseapp.accounts.passwords import hash_password, needs_rehash, verify_password
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.forms import preserve_form_stash
from courseapp.links import external_url
from courseapp.mail import address_stamp, mail_configured, send_email
from courseapp.organisations.domains import in_domains
from courseapp.organisations.models import Organisation, Team, normalise_join_code

RESET_SALT = "courseapp.password-reset"
FIRST_ADMIN_SALT = "courseapp.first-admin"
EMAIL_CHANGE_SALT = "courseapp.email-change"
ADDRESS_CONFIRM_SALT = "courseapp.address-confirm"


class AccountError(Exception):
    """A request that cannot be carried out, with a message for the user."""


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = "Sign in to continue."
    manager.login_message_category = "important"
    manager.session_protection = "basic"

    manager.user_loader(signed_in_user)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def organisation_for_join_code(code: str) -> Organisation | None:
    org = db.session.scalar(
        sa.select(Organisation).where(Organisation.join_code == normalise_join_code(code))
    )
    return org if org is not None and org.join_enabled else None


@dataclass(frozen=True)
class JoinTarget:
    """What a join code lets someone join: an organisation, or a cohort in one."""

    organisation: Organisation
    cohort: Cohort | None = None

    @property
    def code(self) -> str:
        return self.cohort.join_code if self.cohort else self.organisation.join_code


def join_target(code: str) -> JoinTarget | None:
    """The organisation or cohort whose join code this is, if it is switched on."""
    org = organisation_for_join_code(code)
    if org is not None:
        return JoinTarget(org)
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.join_code == normalise_join_code(code))
    )
    if cohort is None or not cohort.takes_new_learners:
        return None
    return JoinTarget(cohort.organisation, cohort)


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    password: str | None  # None: signs in with the organisation's provider instead
    job_role: JobRole
    team_id: int | None


def register_learner(org: Organisation, details: Registration) -> User:
    clash = AccountError("An account with that email address already exists. Sign in instead.")
    if find_user_by_email(details.email) is not None:
        raise clash
    team = db.session.get(Team, details.team_id) if details.team_id else None
    if team is not None and team.organisation_id != org.id:
        raise AccountError("Choose a team from the list")
    user = User(
        name=details.name.strip(),
        email=normalise_email(details.email),
        password_hash=hash_password(details.password) if details.password else None,
        role=Role.LEARNER,
        job_role=details.job_role,
        organisation_id=org.id,
        team_id=team.id if team else None,
        # Without a password, the organisation's provider vouched for the address.
        email_confirmed_at=None if details.password else utcnow(),
    )
    with unique_or(clash):
        db.session.add(user)
    return user


def outside_join_domains(org: Organisation, email: str) -> str | None:
    """Why this address cannot join the organisation with a join code (its own or a
    cohort's), or None: it must be in one of the organisation's domains, if it set any."""
    domains = org.join_email_domains
    if not domains or in_domains(normalise_email(email), domains):
        return None
    names = " or ".join(domains)
    return f"Enter your work email address at {org.name}. It must end in {names}"


def join(target: JoinTarget, details: Registration) -> User:
    """Create the account of someone joining with a join code and a password, and send
    a link to their address: they confirm it before they take a test."""
    refused = outside_join_domains(target.organisation, details.email)
    if refused:
        raise AccountError(refused)
    user = register_learner(target.organisation, details)
    send_confirmation_link(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Unknown address and wrong password
    take the same time and give the same answer."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user is not None and user.active):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Sign in on a fresh session, so nothing from before sign-in carries over
    (session fixation), except a form the user was part way through."""
    with preserve_form_stash():
        session.clear()
    login_user(user, remember=remember)
    session.permanent = True
    user.last_login_at = utcnow()


def end_session(user: User) -> None:
    """Sign out everywhere: a copy of the old cookie no longer identifies anyone."""
    user.rotate_session_token()
    logout_user()
    session.clear()


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def set_password_from_link(user: User, password: str) -> None:
    """A link emailed to the address was used: that confirms the address too."""
    set_password(user, password)
    user.confirm_email()


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not correct")
    set_password(user, new)
    start_session(user)  # this browser stays signed in with the new token


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password or the address does: a used link stops working,
    and so does one for an account whose address has changed or whose id has been
    given to someone new after an erasure (SQLite reuses the highest id)."""
    return hashlib.sha256(f"{user.password_hash or 'unset'}|{user.email}".encode()).hexdigest()[:20]


def make_password_link(user: User) -> str:
    token = _serializer(RESET_SALT).dumps({"u": user.id, "f": _password_fingerprint(user)})
    return external_url("accounts.set_password_from_link", token=token)


def _link_claim(salt: str, token: str) -> tuple[User, dict] | None:
    """The active account an emailed link of this kind names, and what else the link
    says, if the link is genuine and no older than PASSWORD_RESET_MAX_AGE."""
    try:
        data = _serializer(salt).loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user, data) if user is not None and user.active else None


def user_for_password_token(token: str) -> User | None:
    claim = _link_claim(RESET_SALT, token)
    if claim is None or claim[1].get("f") != _password_fingerprint(claim[0]):
        return None
    return claim[0]


def issue_password_link(user: User) -> str | None:
    """Send the user a set-password link if mail is configured. Otherwise return the
    link, for the coordinator or admin to pass on."""
    link = make_password_link(user)
    if not mail_configured():
        return link
    send_email(
        user.email,
        "Set your password for " + current_app.config["SERVICE_NAME"],
        f"Hello {user.name},\n\nUse this link to set your password:\n\n{link}\n\n"
        "The link works once. If you did not expect this email you can ignore it.\n",
    )
    return None


def password_reset_for(email: str) -> Callable[[], None]:
    """What to do, after the response has gone, for someone who asks to reset the
    password of this address: email a set-password link if it is an active account
    and mail is set up, otherwise nothing. The lookup and the signing happen now
    either way and the sending later, so the answer takes the same time whoever asks."""
    user = find_user_by_email(email)
    known = user is not None and user.active
    link = make_password_link(user) if known else _serializer(RESET_SALT).dumps({"u": 0})
    if not (known and mail_configured()):
        return lambda: None
    app = current_app._get_current_object()
    to, name = user.email, user.name

    def send() -> None:
        with app.app_context():
            send_email(
                to,
                "Reset your password for " + app.config["SERVICE_NAME"],
                f"Hello {name},\n\nSomeone asked to reset the password for this email "
                f"address. Use this link to set a new one:\n\n{link}\n\n"
                "The link works once. If you did not ask, you can ignore this email: "
                "your password has not changed.\n",
            )

    return send


def email_taken(email: str, other_than: User | None = None) -> bool:
    found = find_user_by_email(email)
    return found is not None and (other_than is None or found.id != other_than.id)


def make_email_change_link(user: User, new_email: str) -> str:
    """A link for the new address to confirm it. It stops working once the address
    has changed, so it works once."""
    token = _serializer(EMAIL_CHANGE_SALT).dumps(
        {"u": user.id, "from": user.email, "to": normalise_email(new_email)}
    )
    return external_url("accounts.confirm_email", token=token)


def email_change_for_token(token: str) -> tuple[User, str] | None:
    """The account and its new address that a confirmation link is for, if still valid."""
    claim = _link_claim(EMAIL_CHANGE_SALT, token)
    if claim is None or "to" not in claim[1] or claim[0].email != claim[1].get("from"):
        return None
    return claim[0], str(claim[1]["to"])


def tell_address_holder(holder: User, organisation: Organisation, subject: str, tried: str):
    """Email someone whose address a coordinator elsewhere tried to use (`tried`: what
    they tried to do with it), instead of telling the coordinator that the address has
    an account. Not an administrator: they have no organisation to move from."""
    if holder.role is Role.ADMIN:
        return
    service = current_app.config["SERVICE_NAME"]
    send_email(
        holder.email,
        f"{subject} {service}",
        f"Hello {holder.name},\n\nA training coordinator at {organisation.name} tried "
        f"to {tried} on {service}. You already have an account with another organisation, "
        f"so nothing has been changed. If you are moving to {organisation.name}, ask its "
        "training coordinator to help.\n",
    )


def send_email_change_link(user: User, new_email: str) -> None:
    link = make_email_change_link(user, new_email)
    send_email(
        normalise_email(new_email),
        "Confirm your email address for " + current_app.config["SERVICE_NAME"],
        f"Hello {user.name},\n\nYour training coordinator has changed the email address "
        f"you sign in with to this one. Use this link to confirm it:\n\n{link}\n\n"
        "Until you do, you sign in with your old address. If you did not expect this "
        "email you can ignore it.\n",
    )


def confirm_email_change(user: User, new_email: str) -> None:
    """The new address followed its link: it is the person's, and confirmed."""
    change_email(user, new_email)
    user.confirm_email()


def make_confirmation_link(user: User) -> str:
    """A link that confirms the account's address. It stops working if the address
    changes; followed again, it changes nothing."""
    token = _serializer(ADDRESS_CONFIRM_SALT).dumps({"u": user.id, "a": address_stamp(user.email)})
    return external_url("accounts.confirm_address", token=token)


def user_for_confirmation_token(token: str) -> User | None:
    claim = _link_claim(ADDRESS_CONFIRM_SALT, token)
    if claim is None or claim[1].get("a") != address_stamp(claim[0].email):
        return None
    return claim[0]


def send_confirmation_link(user: User) -> bool:
    """Email the account's address a link to confirm it; False if no email can be sent
    (then the person's training coordinator confirms it, see people.services)."""
    if not mail_configured():
        return False
    send_email(
        user.email,
        "Confirm your email address for " + current_app.config["SERVICE_NAME"],
        f"Hello {user.name},\n\nYou have created an account with this email address. "
        f"Use this link to confirm that it is yours:\n\n{make_confirmation_link(user)}\n\n"
        "You can read the course before you confirm it, but you need to confirm it "
        "before you take a test. If the link has stopped working, open the test's page "
        "to send a new one.\n\n"
        "If you did not create an account, you can ignore this email.\n",
    )
    return True


def change_email(user: User, new_email: str) -> None:
    """Change the address someone signs in with, signing them out everywhere."""
    if email_taken(new_email, other_than=user):
        raise AccountError("An account with that email address already exists")
    user.email = normalise_email(new_email)
    db.session.flush()


def rename(user: User, name: str) -> None:
    user.name = name.strip()
    db.session.flush()


def admin_exists() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(User.role == Role.ADMIN)))


def make_first_admin_link() -> str:
    token = _serializer(FIRST_ADMIN_SALT).dumps("first-admin")
    return external_url("accounts.first_admin", token=token)


def first_admin_token_valid(token: str) -> bool:
    """Valid until it expires or any administrator exists, so it works only once."""
    try:
        _serializer(FIRST_ADMIN_SALT).loads(
            token, max_age=current_app.config["FIRST_ADMIN_LINK_MAX_AGE"]
        )
    except BadSignature:
        return False
    return not admin_exists()


def create_admin(name: str, email: str, password: str) -> User:
    clash = AccountError("An account with that email address already exists")
    if find_user_by_email(email) is not None:
        raise clash
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        role=Role.ADMIN,
        job_role=JobRole.TRAINING,
        # Made from the first-administrator link, which only whoever runs the site has.
        email_confirmed_at=utcnow(),
    )
    with unique_or(clash):
        db.session.add(user)
    return user
