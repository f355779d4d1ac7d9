"""The daily sweep: due-date reminders to learners, a weekly digest to each
coordinator, certificate renewal (jobs.renewals) and follow-up invitations
(jobs.follow_ups). It is run by a job, once a day and at a worker's start.

Every notice is recorded once, under a key of learner (or coordinator), kind and
period: the row is inserted with ON CONFLICT DO NOTHING, and only the run that inserted
it sends, by handing the email to a delivery job of its own when the sweep commits
(mail.queue_email). Running the sweep twice, or on two workers at once (the second
waits on the unique key until the first commits, then finds it), sends nothing twice;
a mail server that is down delays the emails (each delivery is tried again) but
neither undoes the sweep nor sends any email twice. A missed day is caught up: each
reminder is due from its day until the next one's, so the sweep sends whichever is
current when it runs.

Completion is the one rule: a pathway is complete when its certificate is issued.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from courseapp.accounts.models import Role, User
from courseapp.assessment.attempts import attempts_allowed
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.cohorts.members import _due_date_column, overdue_learners
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs.follow_ups import send_follow_ups
from courseapp.jobs.notices import claim
from courseapp.jobs.renewals import send_renewal_notices
from courseapp.links import external_url
from courseapp.mail import compose, mail_configured, queue_email
from courseapp.organisations.models import coordinator_organisations

# (kind, days from the due date it is sent on or after, its opening line)
DUE_STAGES = (
    ("due-in-a-week", -7, "Your training is due in a week, on {due}."),
    ("due-today", 0, "Your training is due today, {due}."),
    ("overdue-a-week", 7, "Your training was due on {due} and is not finished yet."),
)
# The last reminder is sent up to this many days after its day, then no more.
LAST_STAGE_DAYS = 7


@dataclass
class SweepResult:
    reminders: int = 0
    digests: int = 0
    renewals: int = 0
    follow_up_invitations: int = 0
    follow_up_reminders: int = 0


def run_sweep(on: date | None = None) -> SweepResult:
    on = on or utcnow().date()
    result = SweepResult()
    if mail_configured():  # reminders and digests are emails: none without a mail server
        result.reminders = _due_reminders(on)
        result.digests = _digests(on)
    result.renewals = send_renewal_notices(on)
    follow_ups = send_follow_ups(on)
    result.follow_up_invitations, result.follow_up_reminders = (
        follow_ups.invited,
        follow_ups.reminded,
    )
    return result


def current_stage(due: date, on: date) -> str | None:
    """The reminder due on `on` for a course due on `due`, if any."""
    current = None
    for kind, offset, _line in DUE_STAGES:
        if on >= due + timedelta(days=offset):
            current = kind
    last_offset = DUE_STAGES[-1][1]
    if current == DUE_STAGES[-1][0] and on > due + timedelta(days=last_offset + LAST_STAGE_DAYS):
        return None
    return current


def _due_reminders(on: date) -> int:
    certified = sa.select(Certificate.id).where(
        Certificate.user_id == Enrolment.user_id, Certificate.pathway_id == Enrolment.pathway_id
    )
    rows = db.session.execute(
        sa.select(User, Enrolment.pathway_id, _due_date_column())
        .join(Enrolment, Enrolment.user_id == User.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            User.active.is_(True),
            User.role == Role.LEARNER,
            User.reminders_off_at.is_(None),
            _due_date_column().is_not(None),
            _due_date_column() >= on - timedelta(days=DUE_STAGES[-1][1] + LAST_STAGE_DAYS),
            _due_date_column() <= on - timedelta(days=DUE_STAGES[0][1]),
            ~sa.exists(certified),
        )
        .order_by(User.id)
    ).all()
    lines = {kind: line for kind, _offset, line in DUE_STAGES}
    sent = 0
    for user, pathway_id, due in rows:
        kind = current_stage(due, on)
        if kind is None or not claim(user.id, kind, f"{pathway_id}:{due.isoformat()}"):
            continue
        pathway = course().pathways.get(pathway_id)
        title = pathway.title if pathway else "your training"
        body = (
            f"Hello {user.name},\n\n{lines[kind].format(due=f'{due:%-d %B %Y}')}\n\n"
            f"Course: {title}\nCarry on where you left off: {external_url('site.index')}\n"
        )
        queue_email(compose(user.email, f"Reminder: {title}", body, reminder_for=user.id))
        sent += 1
    return sent


def _week(on: date) -> str:
    year, week, _day = on.isocalendar()
    return f"{year}-W{week:02d}"


def _attempts_used_up(user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    certified = sa.select(Certificate.id).where(
        Certificate.user_id == TestAttempt.user_id,
        Certificate.pathway_id == TestAttempt.pathway_id,
    )
    query = (
        sa.select(TestAttempt.user_id)
        .where(
            TestAttempt.user_id.in_(user_ids),
            TestAttempt.phase == Phase.POST,
            TestAttempt.submitted_at.is_not(None),
            ~sa.exists(certified),
        )
        .group_by(TestAttempt.user_id, TestAttempt.pathway_id)
        .having(sa.func.count() >= attempts_allowed(Phase.POST))
    )
    return set(db.session.scalars(query))


def _digests(on: date) -> int:
    """One email a week to each coordinator with overdue learners or learners who have
    used every post-test attempt, in the organisations they cover; none otherwise."""
    learners = db.session.execute(
        sa.select(User.id, User.name, User.organisation_id).where(
            User.role == Role.LEARNER, User.active.is_(True), User.organisation_id.is_not(None)
        )
    ).all()
    if not learners:
        return 0
    ids = {row.id for row in learners}
    overdue = set().union(*(overdue_learners(p, ids, on) for p in course().pathways))
    used_up = _attempts_used_up(ids)
    by_org: dict[int, list[str]] = defaultdict(list)
    for row in sorted(learners, key=lambda r: r.name):
        notes = [text for flag, text in ((row.id in overdue, "overdue"),
                 (row.id in used_up, "has used every post-test attempt")) if flag]  # fmt: skip
        if notes:
            by_org[row.organisation_id].append(f"- {row.name}: {' and '.join(notes)}")
    if not by_org:
        return 0
    coordinators = db.session.execute(
        sa.select(User, coordinator_organisations.c.organisation_id)
        .join(coordinator_organisations, coordinator_organisations.c.user_id == User.id)
        .where(User.role == Role.COORDINATOR, User.active.is_(True),
               User.reminders_off_at.is_(None))
        .order_by(User.id)
    ).all()  # fmt: skip
    lines_for: dict[int, list[str]] = defaultdict(list)
    people: dict[int, User] = {}
    for coordinator, org_id in coordinators:
        people[coordinator.id] = coordinator
        lines_for[coordinator.id].extend(by_org.get(org_id, []))
    sent = 0
    service = current_app.config["SERVICE_NAME"]
    for user_id, lines in lines_for.items():
        if not lines or not claim(user_id, "weekly-digest", _week(on)):
            continue
        user = people[user_id]
        body = (
            f"Hello {user.name},\n\nThese learners may need a word from you this week:\n\n"
            + "\n".join(lines)
            + f"\n\nSee them in your reports: {external_url('reports.dashboard')}\n"
        )
        queue_email(compose(user.email, f"Your weekly summary from {service}", body,
                        reminder_for=user.id))  # fmt: skip
        sent += 1
    return sent
