"""Organisations, their teams, join codes and coordinators. Services flush; the
request commits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courseapp.accounts.models import JobRole, Role, User, normalise_email
from courseapp.accounts.services import AccountError, find_user_by_email
from courseapp.audit.services import record
from courseapp.clock import DEFAULT_ZONE
from courseapp.cohorts.join_codes import unused_join_code
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.organisations.models import (
    Organisation,
    Sector,
    Team,
    slug_for,
)


class OrganisationError(Exception):
    """A change that cannot be made, with a message for the user."""


def organisations_in_scope(user: User) -> list[Organisation]:
    """The organisations the user manages, with their teams (the report and review
    filters list them), in two queries however many there are."""
    query = (
        sa.select(Organisation)
        .options(selectinload(Organisation.teams))
        .order_by(Organisation.name)
    )
    scope = user.scope_organisation_ids()
    if scope is not None:
        query = query.where(Organisation.id.in_(scope))
    return list(db.session.scalars(query))


def create_organisation(name: str, sector: Sector, timezone: str = DEFAULT_ZONE) -> Organisation:
    name = name.strip()
    clash = OrganisationError("An organisation with that name already exists")
    taken = db.session.scalar(
        sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == name.lower())
    )
    if taken is not None:
        raise clash
    org = Organisation(
        name=name,
        sector=sector,
        join_code=unused_join_code(),
        slug=unused_slug(name),
        timezone=timezone,
    )
    with unique_or(clash):
        db.session.add(org)
    return org


def unused_slug(name: str) -> str:
    """A slug for a new organisation: from its name, numbered if another has it."""
    base = slug_for(name)
    taken = set(
        db.session.scalars(
            sa.select(Organisation.slug).where(
                sa.or_(Organisation.slug == base, Organisation.slug.like(f"{base}-%"))
            )
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def add_team(org: Organisation, name: str) -> Team:
    name = name.strip()
    clash = OrganisationError(f"{org.name} already has a team called {name}")
    if any(team.name.lower() == name.lower() for team in org.teams):
        raise clash
    team = Team(organisation_id=org.id, name=name)
    with unique_or(clash):
        db.session.add(team)
    return team


def appoint_coordinator(org: Organisation, name: str, email: str) -> tuple[User, bool]:
    """Make someone a coordinator of org: a new account, or an existing learner or
    coordinator given this organisation too. Returns the user and whether it is new."""
    user = find_user_by_email(email)
    created = user is None
    if user is not None and user.is_admin:
        raise AccountError("That person is an administrator and already covers every organisation")
    # Pressed twice, or two administrators at once: the second is told it is done.
    with unique_or(AccountError(f"{name.strip()} has just been made a coordinator of {org.name}")):
        if user is None:  # confirmed when they set their password from the link
            user = User(
                name=name.strip(),
                email=normalise_email(email),
                role=Role.COORDINATOR,
                job_role=JobRole.TRAINING,
                organisation=org,
            )
            db.session.add(user)
        else:
            user.role = Role.COORDINATOR
        if org not in user.covered_organisations:
            user.covered_organisations.append(org)
    return user, created


def set_join_domains(actor: User, org: Organisation, domains: list[str]) -> None:
    """Limit joining with the organisation's join codes (its own and its cohorts') to
    addresses in these domains; none: anyone with a code can join."""
    if domains != org.join_email_domains:
        org.join_email_domains = domains
        record(actor, "edit-join-domains", f"organisation {org.id}")
        db.session.flush()
