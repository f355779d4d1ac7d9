"""Cohorts: creating them, their join codes, and enrolling learners in them.
Services flush; the request commits. Bulk enrolment from a CSV file is in cohorts.imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from courseapp import catalogue
from courseapp.accounts.models import User
from courseapp.catalogue.course import Pathway
from courseapp.cohorts.join_codes import unused_join_code
from courseapp.cohorts.models import Cohort
from courseapp.content import services as content
from courseapp.content.models import Enrolment
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.organisations.models import Organisation


class CohortError(Exception):
    """A change that cannot be made, with a message for the user."""


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    pathway_title: str
    enrolled: int


def pathway_titles() -> dict[str, str]:
    """Pathway titles by id; empty if the course did not load, so that pages which
    only mention a pathway still work."""
    loaded = current_app.extensions.get(catalogue.COURSE_KEY)
    return {p.id: p.title for p in loaded.pathways.values()} if loaded else {}


def enrolled_count(cohort: Cohort) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort.id)
    )


def cohorts_for(org: Organisation) -> list[CohortSummary]:
    """The organisation's cohorts with how many are enrolled in each, in one query."""
    rows = db.session.execute(
        sa.select(Cohort, sa.func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Cohort.organisation_id == org.id)
        .group_by(Cohort.id)
        .order_by(Cohort.name)
    )
    titles = pathway_titles()
    return [
        CohortSummary(cohort, titles.get(cohort.pathway_id, cohort.pathway_id), count)
        for cohort, count in rows
    ]


def create_cohort(
    org: Organisation,
    name: str,
    pathway_id: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    due_on: date | None = None,
) -> Cohort:
    name = name.strip()
    if pathway_id not in content.course().pathways:
        raise CohortError("Choose a pathway from the list")
    if starts_on and ends_on and ends_on < starts_on:
        raise CohortError("The end date must be the same as or after the start date")
    clash = CohortError(f"{org.name} already has a cohort called {name}")
    taken = db.session.scalar(
        sa.select(Cohort.id).where(
            Cohort.organisation_id == org.id, sa.func.lower(Cohort.name) == name.lower()
        )
    )
    if taken is not None:
        raise clash
    cohort = Cohort(
        organisation_id=org.id,
        name=name,
        pathway_id=pathway_id,
        starts_on=starts_on,
        ends_on=ends_on,
        due_on=due_on,
        join_code=unused_join_code(),
    )
    with unique_or(clash):
        db.session.add(cohort)
    return cohort


def cohort_pathway(cohort: Cohort) -> Pathway | None:
    """The cohort's pathway, or None if it has been taken out of the course."""
    return content.course().pathways.get(cohort.pathway_id)


def enrol_in_cohort(user: User, cohort: Cohort, pathway: Pathway) -> Enrolment:
    """Enrol on the cohort's pathway and put the enrolment in the cohort. A learner is
    in one cohort per pathway, so an existing enrolment moves to this cohort."""
    enrolment = content.enrol(user, pathway, cohort.id)
    enrolment.cohort_id = cohort.id
    db.session.flush()
    return enrolment


def enrol_new_learner(user: User, cohort: Cohort | None) -> Enrolment:
    """Enrol someone who has just registered with a join code: on the cohort's pathway
    if it was a cohort's code, otherwise on the pathway for their job role."""
    pathway = cohort_pathway(cohort) if cohort is not None else None
    if cohort is None or pathway is None:
        return content.enrol_by_job_role(user)
    return enrol_in_cohort(user, cohort, pathway)
