"""Managing people: coordinators and administrators correct a learner's details and
deactivate or reactivate accounts. Every change is recorded in the audit log (by
user id only). Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts import services as accounts
from courseapp.accounts.models import JobRole, Role, User
from courseapp.audit.services import record
from courseapp.extensions import db
from courseapp.mail import mail_configured
from courseapp.organisations.models import Organisation, Team, coordinator_organisations


class PersonError(Exception):
    """A change that cannot be made, with a message for the user."""


def may_manage(actor: User, person: User) -> bool:
    """Coordinators manage the learners in their organisations; administrators manage
    anyone but themselves."""
    if actor.is_admin:
        return person.id != actor.id
    return person.role is Role.LEARNER and actor.can_manage(person.organisation_id)


def members_query(org: Organisation) -> sa.Select:
    return sa.select(User).where(User.organisation_id == org.id)


def coordinators_query(org: Organisation) -> sa.Select:
    return (
        sa.select(User)
        .join(coordinator_organisations, coordinator_organisations.c.user_id == User.id)
        .where(coordinator_organisations.c.organisation_id == org.id)
    )


@dataclass(frozen=True)
class Details:
    name: str
    email: str
    team_id: int | None
    job_role: JobRole | None


def changed_fields(person: User, details: Details) -> list[str]:
    changes = {
        "name": details.name.strip() != person.name,
        "email": accounts.normalise_email(details.email) != person.email,
        "team": details.team_id != person.team_id,
        "job role": details.job_role != person.job_role,
    }
    return [field for field, changed in changes.items() if changed]


def update_details(actor: User, person: User, details: Details) -> list[str]:
    """Change the name, team and job role now; not the email address, which is changed
    by confirm_new_email or by the person following a link (see request_email_change).
    Returns what changed, email included if it differs."""
    if details.team_id is not None:
        team = db.session.get(Team, details.team_id)
        if team is None or team.organisation_id != person.organisation_id:
            raise PersonError("Choose a team from the list")
    new_email = accounts.normalise_email(details.email)
    holder = _holder(person, new_email)
    if holder is not None and (actor.can_manage(holder.organisation_id) or not mail_configured()):
        raise PersonError("An account with that email address already exists")
    changed = changed_fields(person, details)
    person.name = details.name.strip()
    person.team_id = details.team_id
    person.job_role = details.job_role
    saved = [field for field in changed if field != "email"]
    if saved:
        record(actor, "edit-person: " + ", ".join(saved), f"user {person.id}")
    db.session.flush()
    return changed


def _holder(person: User, new_email: str) -> User | None:
    """Someone else who signs in with this address."""
    found = accounts.find_user_by_email(new_email)
    return found if found is not None and found.id != person.id else None


def request_email_change(actor: User, person: User, new_email: str) -> None:
    """Email the new address a link that makes the change when its owner follows it.
    If the address is someone's in an organisation the actor does not manage, tell
    that person instead, and the actor nothing: the page reads the same as for an
    address nobody uses, so it cannot be used to find out who has an account."""
    holder = _holder(person, new_email)
    if holder is None:
        accounts.send_email_change_link(person, new_email)
        record(actor, "email-change-sent", f"user {person.id}")
        return
    accounts.tell_address_holder(
        holder, person.organisation, "Someone tried to use your email address on",
        "give this email address to another account",
    )  # fmt: skip
    record(actor, "email-change-refused: address in use elsewhere", f"user {person.id}")


def confirm_new_email(actor: User, person: User, new_email: str) -> None:
    """Change the address at once, after the coordinator has checked it with the person
    (when the service cannot send email to check it)."""
    try:
        accounts.change_email(person, new_email)
    except accounts.AccountError as error:
        raise PersonError(str(error)) from None
    record(actor, "edit-person: email", f"user {person.id}")


def confirm_address(actor: User, person: User) -> None:
    """Confirm the person's address for them, once the coordinator has checked it is
    theirs (when the link did not reach them, or the service cannot send email)."""
    if not person.email_confirmed:
        person.confirm_email()
        record(actor, "confirm-address", f"user {person.id}")
        db.session.flush()


def deactivate(actor: User, person: User) -> None:
    """The person can no longer sign in, and is signed out everywhere; their records stay."""
    person.active = False
    person.rotate_session_token()
    record(actor, "deactivate-account", f"user {person.id}")
    db.session.flush()


def reactivate(actor: User, person: User) -> None:
    person.active = True
    record(actor, "reactivate-account", f"user {person.id}")
    db.session.flush()
