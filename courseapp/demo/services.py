"""Seed a realistic demonstration: organisations with teams and cohorts, a coordinator
for each, an administrator, and a few hundred fictional learners at every stage of
their pathway.

Everything a learner does goes through the services the app itself uses (enrolment,
progress, tests, certificates, rewordings), so what is stored is exactly what the
app would store. Only the timestamps are moved afterwards, to spread the activity
over the last six months. A seeded random generator makes runs repeatable; codes,
tokens and the order options are shown in come from the app's own secure sources.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa
from flask import current_app

from courseapp import catalogue
from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.services import create_admin, set_password
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.content import services as content
from courseapp.demo.fictional import (
    FIRST_NAMES,
    LAST_NAMES,
    ORGANISATIONS,
    CohortSpec,
    OrganisationSpec,
    when,
)
from courseapp.demo.journeys import Journeys, Stage
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from courseapp.organisations.services import add_team, appoint_coordinator, create_organisation

SHARES = {
    Stage.NOT_STARTED: 0.15,
    Stage.PRE_TEST: 0.15,
    Stage.SOME_MODULES: 0.25,
    Stage.ALL_MODULES: 0.10,
    Stage.POST_FAILED: 0.10,
    Stage.CERTIFIED: 0.25,
}
# The fewest days since enrolment in which a learner could have got this far.
MIN_DAYS = {
    Stage.NOT_STARTED: 0,
    Stage.PRE_TEST: 2,
    Stage.SOME_MODULES: 7,
    Stage.ALL_MODULES: 18,
    Stage.POST_FAILED: 21,
    Stage.CERTIFIED: 21,
}
# Learners who fail the post-test are, on the whole, the weaker ones.
ABILITY_SHIFT = {Stage.POST_FAILED: -0.7, Stage.CERTIFIED: 0.25}
HISTORY_DAYS = 182
BATCH = 50


class DemoError(Exception):
    """The demo cannot be seeded here; the message says why."""


@dataclass
class Place:
    """An organisation as created, with the cohorts and teams learners are put in."""

    spec: OrganisationSpec
    organisation: Organisation
    teams: dict[str, Team]
    cohorts: list[tuple[Cohort, CohortSpec]]
    coordinator: User


@dataclass
class Plan:
    """Who one learner is and how far they have got, decided before anything is written."""

    name: str
    email: str
    place: Place
    team: Team
    job_role: JobRole
    cohort: Cohort
    stage: Stage
    ability: float  # on the logit scale of demo.answers
    enrolled_at: datetime


@dataclass
class Summary:
    password: str
    staff: list[tuple[str, str, str]]  # role, organisation, email
    stages: Counter
    counts: Counter
    seconds: float = 0.0


def learner_count() -> int:
    try:
        return db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.LEARNER))
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
        db.session.rollback()
        raise DemoError(
            "The database has no tables yet: run `flask --app courseapp db upgrade` first"
        ) from error


def stage_list(n: int) -> list[Stage]:
    """n stages in the planned shares (largest remainders get the odd places)."""
    exact = {stage: n * share for stage, share in SHARES.items()}
    counts = {stage: int(value) for stage, value in exact.items()}
    spare = n - sum(counts.values())
    for stage in sorted(exact, key=lambda s: counts[s] - exact[s])[:spare]:
        counts[stage] += 1
    return [stage for stage, count in counts.items() for _ in range(count)]


def new_password() -> str:
    """One random password for every demo account that can sign in, printed once."""
    return secrets.token_urlsafe(15)


class Emails:
    """Addresses not yet taken in the database, so that a forced second run adds to it."""

    def __init__(self) -> None:
        self.taken = set(db.session.scalars(sa.select(User.email)))

    def claim(self, local: str) -> str:
        number, candidate = 1, f"{local}@example.org"
        while candidate in self.taken:
            number += 1
            candidate = f"{local}{number}@example.org"
        self.taken.add(candidate)
        return candidate


def _free_name(name: str, taken: set[str]) -> str:
    number, candidate = 1, name
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name} {number}"
    taken.add(candidate.lower())
    return candidate


def _organisations(rng: random.Random, now: datetime, password: str, emails: Emails):
    pathways = content.course().pathways
    taken = {name.lower() for name in db.session.scalars(sa.select(Organisation.name))}
    places = []
    for spec in ORGANISATIONS:
        org = create_organisation(_free_name(spec.name, taken), spec.sector)
        org.created_at = now - timedelta(days=HISTORY_DAYS + 30)
        teams = {team.name: add_team(org, team.name) for team in spec.teams}
        cohorts = []
        for cohort_spec in spec.cohorts:
            if cohort_spec.pathway_id not in pathways:
                continue
            starts = (now - timedelta(days=cohort_spec.starts_days_ago)).date()
            cohort = Cohort(
                organisation_id=org.id,
                name=cohort_spec.name.format(when=when(starts, cohort_spec.school_terms)),
                pathway_id=cohort_spec.pathway_id,
                starts_on=starts,
                ends_on=starts + timedelta(weeks=cohort_spec.weeks),
                created_at=datetime.combine(starts - timedelta(days=10), clock(10, tzinfo=UTC)),
            )
            db.session.add(cohort)
            cohorts.append((cohort, cohort_spec))
        if not cohorts:
            raise DemoError(f"None of {spec.name}'s cohorts has a pathway in the course")
        slug = org.name.split()[0].lower()
        coordinator, _ = appoint_coordinator(
            org, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            emails.claim(f"{slug}-coordinator"),
        )  # fmt: skip
        set_password(coordinator, password)
        coordinator.created_at = org.created_at
        places.append(Place(spec, org, teams, cohorts, coordinator))
    db.session.flush()
    return places


def _plans(rng: random.Random, n: int, places: list[Place], now: datetime, emails: Emails):
    stages = stage_list(n)
    rng.shuffle(stages)
    plans = []
    for stage in stages:
        place = rng.choices(places, weights=[p.spec.share for p in places])[0]
        latest = now - timedelta(days=MIN_DAYS[stage], hours=2)
        ready = [
            (c, s)
            for c, s in place.cohorts
            if datetime.combine(c.starts_on, clock(tzinfo=UTC)) < latest
        ]
        cohort, cohort_spec = rng.choice(ready or place.cohorts)
        team_name = rng.choice(cohort_spec.teams)
        roles = next(t.job_roles for t in place.spec.teams if t.name == team_name)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        earliest = max(
            datetime.combine(cohort.starts_on, clock(tzinfo=UTC)),
            now - timedelta(days=HISTORY_DAYS),
        )
        span = max((latest - earliest).total_seconds() / 86400, 0.1)
        # Most people enrol in a cohort's first weeks; some join later.
        days = min(rng.expovariate(1 / 8), span) if rng.random() < 0.7 else rng.uniform(0, span)
        day = earliest + timedelta(days=int(days))
        enrolled_at = min(day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59)), latest)
        plans.append(
            Plan(
                name=f"{first} {last}",
                email=emails.claim(f"{first}.{last}".lower()),
                place=place,
                team=place.teams[team_name],
                job_role=rng.choice(roles),
                cohort=cohort,
                stage=stage,
                ability=rng.gauss(0, 0.8) + ABILITY_SHIFT.get(stage, 0.0),
                enrolled_at=enrolled_at,
            )
        )
    return plans


def seed(learners: int = 300, seed: int = 1, force: bool = False) -> Summary:
    """Fill the database with the demonstration. Commits in batches."""
    started = time.perf_counter()
    if current_app.extensions.get(catalogue.COURSE_KEY) is None:
        raise DemoError(
            "The course content has problems: run `flask --app courseapp content check`"
        )
    if learner_count() and not force:
        raise DemoError("The database already has learners. Use --force to add the demo anyway.")
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
    now = utcnow().replace(microsecond=0)
    password = new_password()
    emails = Emails()
    places = _organisations(rng, now, password, emails)
    admin_email = emails.claim("demo-admin")
    admin = create_admin(
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", admin_email, password
    )
    admin.created_at = now - timedelta(days=HISTORY_DAYS + 30)
    db.session.commit()

    plans = _plans(rng, learners, places, now, emails)
    journeys = Journeys(rng, now)
    for start in range(0, len(plans), BATCH):
        batch = plans[start : start + BATCH]
        users = [
            User(
                name=plan.name,
                email=plan.email,
                role=Role.LEARNER,
                job_role=plan.job_role,
                organisation_id=plan.place.organisation.id,
                team_id=plan.team.id,
                created_at=plan.enrolled_at - timedelta(minutes=rng.randint(2, 90)),
                # Made-up people who take tests in the demo, as confirmed learners do.
                email_confirmed_at=plan.enrolled_at,
            )
            for plan in batch
        ]
        db.session.add_all(users)
        db.session.flush()
        for plan, user in zip(batch, users, strict=True):
            journeys.follow(
                user, plan.cohort.pathway_id, plan.cohort.id, plan.stage, plan.ability,
                plan.enrolled_at, plan.place.coordinator,
            )  # fmt: skip
        journeys.move_timestamps()
        db.session.commit()

    counts = Counter(
        organisations=len(places),
        teams=sum(len(p.teams) for p in places),
        cohorts=sum(len(p.cohorts) for p in places),
        coordinators=len(places),
        administrators=1,
        learners=len(plans),
    )
    counts.update(journeys.counts)
    staff = [("Administrator", "every organisation", admin_email)] + [
        ("Coordinator", p.organisation.name, p.coordinator.email) for p in places
    ]
    return Summary(
        password, staff, Counter(plan.stage for plan in plans), counts,
        seconds=time.perf_counter() - started,
    )  # fmt: skip
