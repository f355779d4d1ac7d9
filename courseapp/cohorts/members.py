"""Who is in a cohort and how they are getting on; editing, closing and moving.
Services flush; the request commits. `is_overdue` and `overdue_learners` are the one
definition of "overdue" for the learner's home page and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import grants
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.assessment.renewal import BEING_RENEWED
from courseapp.audit.services import record
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db


def today() -> date:
    return utcnow().date()


class CohortChangeError(Exception):
    """A change that cannot be made, with a message for the user."""


def is_overdue(due: date | None, completed: bool, on: date | None = None) -> bool:
    """Overdue: there is a due date, it has passed, and the course is not completed
    (completed means a certificate, that is, the post-test passed). A due date is for
    finishing the course the first time: a learner who has ever had a certificate for
    it (a lapsed one too, while they renew it) has completed it."""
    return due is not None and not completed and due < (on or today())


def _due_date_column():
    return sa.func.coalesce(Cohort.due_on, Cohort.ends_on)


# An enrolment whose learner has ever had a certificate for its pathway.
_CERTIFIED = sa.exists().where(
    Certificate.user_id == Enrolment.user_id, Certificate.pathway_id == Enrolment.pathway_id
)


def overdue_learners(pathway_id: str, user_ids=None, on: date | None = None) -> set[int]:
    """Ids of active learners on this pathway whose cohort's due date (or, if it has
    none, its end date) has passed without a certificate. `user_ids` (ids or a
    subquery of them) narrows it to the learners a report is about. One query."""
    query = (
        sa.select(Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.pathway_id == pathway_id,
            User.active.is_(True),
            _due_date_column() < (on or today()),
            ~_CERTIFIED,
        )
    )
    if user_ids is not None:
        query = query.where(Enrolment.user_id.in_(user_ids))
    return set(db.session.scalars(query))


@dataclass(frozen=True)
class Deadline:
    due: date
    overdue: bool


def deadlines(user: User) -> dict[str, Deadline]:
    """When each of the user's pathways is due, by pathway id, from their cohorts, and
    whether it is overdue: only for the pathways they have never completed (is_overdue),
    so a learner renewing a certificate is not held to the date they met."""
    rows = db.session.execute(
        sa.select(Enrolment.pathway_id, _due_date_column())
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id, ~_CERTIFIED)
    )
    return {
        pathway_id: Deadline(due, is_overdue(due, completed=False))
        for pathway_id, due in rows
        if due is not None
    }


def members_query(cohort: Cohort) -> sa.Select:
    return (
        sa.select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.pathway_id == cohort.pathway_id)
    )


@dataclass(frozen=True)
class MemberStatus:
    label: str
    tag: str  # a GOV.UK tag colour class
    modules_completed: int


def member_statuses(
    cohort: Cohort, users: list[User], module_ids: list[str]
) -> dict[int, MemberStatus]:
    """How each of these members is getting on, in four queries: as the reports count
    them (reports.status), with deactivated and overdue shown too."""
    ids = [user.id for user in users]
    if not ids:
        return {}
    completed, started = {}, set()
    for user_id, modules_completed in db.session.execute(
        sa.select(
            ModuleProgress.user_id,
            sa.func.count(sa.case((ModuleProgress.completed_at.is_not(None), 1))),
        )
        .where(ModuleProgress.user_id.in_(ids), ModuleProgress.module_id.in_(module_ids))
        .group_by(ModuleProgress.user_id)
    ):
        completed[user_id] = modules_completed
        started.add(user_id)
    started.update(
        db.session.scalars(
            sa.select(TestAttempt.user_id).where(
                TestAttempt.user_id.in_(ids),
                TestAttempt.pathway_id == cohort.pathway_id,
                TestAttempt.phase == Phase.PRE,
                TestAttempt.submitted_at.is_not(None),
            )
        )
    )
    # Whether each certified learner's latest certificate is being renewed. Every one of
    # them has completed the pathway once (so is not overdue); those whose latest is not
    # being renewed have completed it now.
    renewing = dict(
        db.session.execute(
            sa.select(Certificate.user_id, BEING_RENEWED)
            .where(Certificate.user_id.in_(ids), Certificate.pathway_id == cohort.pathway_id)
            .order_by(Certificate.issued_at, Certificate.id)  # the latest last, and kept
        ).all()
    )
    used_up = grants.used_up_among(ids, cohort.pathway_id)
    statuses = {}
    for user in users:
        done = completed.get(user.id, 0)
        if not user.active:
            status = ("Deactivated", "govuk-tag--grey")
        elif user.id in renewing and not renewing[user.id]:
            status = ("Completed", "govuk-tag--green")
        elif user.id in used_up:
            status = ("Attempts used up", "govuk-tag--orange")
        elif is_overdue(cohort.due_date, completed=user.id in renewing):
            status = ("Overdue", "govuk-tag--red")
        elif user.id in started:  # a module begun or the pre-test taken (reports.status)
            status = ("In progress", "govuk-tag--light-blue")
        else:
            status = ("Not started", "govuk-tag--grey")
        statuses[user.id] = MemberStatus(*status, modules_completed=done)
    return statuses


def update_details(
    actor: User,
    cohort: Cohort,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    due_on: date | None,
) -> None:
    name = name.strip()
    if starts_on and ends_on and ends_on < starts_on:
        raise CohortChangeError("The end date must be the same as or after the start date")
    clash = db.session.scalar(
        sa.select(Cohort.id).where(
            Cohort.organisation_id == cohort.organisation_id,
            sa.func.lower(Cohort.name) == name.lower(),
            Cohort.id != cohort.id,
        )
    )
    if clash is not None:
        raise CohortChangeError(f"{cohort.organisation.name} already has a cohort called {name}")
    cohort.name, cohort.starts_on, cohort.ends_on, cohort.due_on = name, starts_on, ends_on, due_on
    record(actor, "edit-cohort", f"cohort {cohort.id}")
    db.session.flush()


def close(actor: User, cohort: Cohort) -> None:
    """No new learners by join code or import; the cohort is still reported."""
    cohort.closed_at = utcnow()
    record(actor, "close-cohort", f"cohort {cohort.id}")
    db.session.flush()


def reopen(actor: User, cohort: Cohort) -> None:
    cohort.closed_at = None
    record(actor, "reopen-cohort", f"cohort {cohort.id}")
    db.session.flush()


def membership(cohort: Cohort, user: User) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.user_id == user.id,
            Enrolment.pathway_id == cohort.pathway_id,
        )
    )


def move_targets(cohort: Cohort) -> list[Cohort]:
    """The cohorts a member can move to: the organisation's others on the same pathway."""
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .where(
                Cohort.organisation_id == cohort.organisation_id,
                Cohort.pathway_id == cohort.pathway_id,
                Cohort.id != cohort.id,
            )
            .order_by(Cohort.name)
        )
    )


def move(actor: User, enrolment: Enrolment, to: Cohort) -> None:
    """Progress, tests and certificates belong to the learner, so they go with them."""
    if to not in move_targets(db.session.get(Cohort, enrolment.cohort_id)):
        raise CohortChangeError("Choose a cohort from the list")
    enrolment.cohort_id = to.id
    record(actor, f"move-learner to cohort {to.id}", f"user {enrolment.user_id}")
    db.session.flush()


def remove(actor: User, enrolment: Enrolment) -> None:
    """Out of the cohort, still on the pathway with everything they have done."""
    cohort_id = enrolment.cohort_id
    enrolment.cohort_id = None
    record(actor, f"remove-learner from cohort {cohort_id}", f"user {enrolment.user_id}")
    db.session.flush()
