"""Fetching what the reports need, in a fixed number of queries whatever the number
of learners: reporting code only reads and aggregates. This module reads the learners
and the attempts the reports use; what their answers add up to is kept in summaries.py."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment.models import (
    PAIRED_PHASES,
    AttemptGrant,
    Certificate,
    Phase,
    TestAttempt,
)
from courseapp.assessment.renewal import BEING_RENEWED
from courseapp.catalogue import course, timing
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team, on_local_days
from courseapp.rewording.models import Response


@dataclass(frozen=True)
class Filters:
    pathway_id: str
    organisation_ids: frozenset[int] | None  # None: every organisation (an admin)
    team_id: int | None = None
    job_role: JobRole | None = None
    cohort_id: int | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    search: str | None = None  # part of a name or email address, matched literally
    include_deactivated: bool = False  # deactivated accounts are left out unless asked for
    # One of reports.status.STATUSES: the learners list, its certificates and the
    # learners' exports keep only learners with it (status.keep_status); the figures
    # summed per question or area do not (no summary is kept per status).
    status: str | None = None

    def as_json(self) -> dict:
        """The filters as plain JSON values, as a job's arguments carry them."""
        found = asdict(self)
        if self.organisation_ids is not None:
            found["organisation_ids"] = sorted(self.organisation_ids)
        found["job_role"] = self.job_role.name if self.job_role else None
        for name in ("enrolled_from", "enrolled_to"):
            found[name] = found[name].isoformat() if found[name] else None
        return found

    @classmethod
    def from_json(cls, found: dict) -> Filters:
        values = dict(found)
        if values["organisation_ids"] is not None:
            values["organisation_ids"] = frozenset(values["organisation_ids"])
        values["job_role"] = JobRole[values["job_role"]] if values["job_role"] else None
        for name in ("enrolled_from", "enrolled_to"):
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        return cls(**values)


@dataclass
class Learner:
    id: int
    name: str
    email: str
    organisation: str
    organisation_id: int | None
    team: str
    job_role: str
    enrolled_at: datetime
    form_order: int = 0  # 0: form A then B; 1: B then A
    modules_started: int = 0
    modules_completed: int = 0
    rewordings: int = 0  # the pathway's rewording exercises done (Response.counts_as_done)
    post_test_passed: bool = False  # any post-test attempt, on either form
    post_attempts: int = 0  # post-test attempts submitted
    extra_attempts: int = 0  # post-test attempts a coordinator granted (assessment.grants)
    pre: Attempt | None = None
    post: Attempt | None = None
    certified_at: datetime | None = None
    certified: bool = False  # the latest certificate is not being renewed (status.Progress)
    timezone: str | None = None  # the organisation's, in which its days are counted
    cohort: str = ""
    cohort_due_on: date | None = None  # the cohort's due date (else its end): overdue after it
    certificate_code: str | None = None
    certificate_hours: float | None = None  # the CPD hours it was issued for
    last_activity: datetime | None = None  # sign-in, module progress, test or rewording

    def saw(self, moment: datetime | None) -> None:
        """Keep the latest moment of activity."""
        if moment is not None and (self.last_activity is None or moment > self.last_activity):
            self.last_activity = moment


@dataclass(frozen=True)
class Attempt:
    """An attempt the reports use (the first pre-test, the best post-test): its id and
    its score, 0..1. Its answers are never loaded: see summaries.py."""

    id: int
    score: float
    test_id: str = ""
    too_fast: bool = False  # a pre-test answered too fast to measure anything


@dataclass
class ReportData:
    filters: Filters
    learners: dict[int, Learner]
    # Each item's discrimination, once a job has worked it out (distribution.py).
    discrimination: dict[str, float | None] | None = None


def learner_ids(filters: Filters):
    """A subquery of the ids of learners the filters select."""
    query = (
        sa.select(User.id)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(User.role == Role.LEARNER, Enrolment.pathway_id == filters.pathway_id)
    )
    if filters.organisation_ids is not None:
        query = query.where(User.organisation_id.in_(filters.organisation_ids))
    if not filters.include_deactivated:
        query = query.where(User.active.is_(True))
    if filters.team_id:
        query = query.where(User.team_id == filters.team_id)
    if filters.job_role:
        query = query.where(User.job_role == filters.job_role)
    if filters.cohort_id:
        query = query.where(Enrolment.cohort_id == filters.cohort_id)
    if filters.enrolled_from or filters.enrolled_to:
        query = query.where(
            on_local_days(
                Enrolment.enrolled_at,
                User.organisation_id,
                filters.enrolled_from,
                filters.enrolled_to,
            )
        )
    if filters.search:
        pattern = f"%{like_literal(filters.search)}%"
        query = query.where(
            sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    return query


def like_literal(text: str) -> str:
    """Text for a LIKE pattern that matches itself only: % and _ are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def among(column, values) -> sa.ColumnElement[bool]:
    """`column IN values`, for a subquery or any number of ids: a list is written into
    the SQL as numbers, since PostgreSQL takes at most 65,535 bound parameters."""
    if isinstance(values, sa.Select):
        return column.in_(values)
    return column.in_(sa.bindparam("among", list(values), expanding=True, literal_execute=True))


def chosen_attempts(filters: Filters, too_fast: bool = False):
    """A subquery of the ids of the attempts reports use: each learner's first submitted
    pre-test and best submitted post-test (the earliest of equal bests) on the other form
    from their pre-test, so that every pair is measured across forms. (A retake on the
    pre-test's form counts towards passing, not towards gain.) A first pre-test answered
    too fast (TestAttempt.too_fast) measures nothing and is left out, unless `too_fast`
    asks for it: the learner has taken it all the same."""
    ids = learner_ids(filters)
    pathway_id = filters.pathway_id
    pathway = course().pathways.get(pathway_id)
    forms = pathway.definition.test_forms if pathway else []
    order = sa.case((TestAttempt.phase == Phase.PRE, TestAttempt.number), else_=0)
    query = sa.select(
        TestAttempt.id,
        TestAttempt.too_fast,
        sa.func.row_number()
        .over(
            partition_by=(TestAttempt.user_id, TestAttempt.phase),
            order_by=(order, TestAttempt.score.desc(), TestAttempt.number),
        )
        .label("rank"),
    ).where(
        TestAttempt.user_id.in_(ids),
        TestAttempt.pathway_id == pathway_id,
        TestAttempt.phase.in_(PAIRED_PHASES),
        TestAttempt.submitted_at.is_not(None),
    )
    if forms:
        pre_form = sa.case((Enrolment.form_order == 1, forms[1]), else_=forms[0])
        query = query.join(
            Enrolment,
            sa.and_(Enrolment.user_id == TestAttempt.user_id, Enrolment.pathway_id == pathway_id),
        ).where(sa.or_(TestAttempt.phase == Phase.PRE, TestAttempt.test_id != pre_form))
    ranked = query.subquery()
    chosen = sa.select(ranked.c.id).where(ranked.c.rank == 1)
    return chosen if too_fast else chosen.where(ranked.c.too_fast.is_(False))


def load(filters: Filters) -> ReportData:
    ids = learner_ids(filters).scalar_subquery()
    pathway = course().pathways.get(filters.pathway_id)
    module_ids = [module.id for module in pathway.modules] if pathway else []
    exercise_ids = [
        e.id for e in course().rewording.exercises.values() if filters.pathway_id in e.pathways
    ]
    people = db.session.execute(
        sa.select(User.id, User.name, User.email, User.organisation_id, User.job_role,
                  Organisation.name, Team.name, sa.func.min(Enrolment.enrolled_at),
                  sa.func.max(Enrolment.form_order), Organisation.timezone,
                  sa.func.max(Cohort.name),
                  sa.func.max(sa.func.coalesce(Cohort.due_on, Cohort.ends_on)), User.last_login_at)
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(User.id.in_(ids), Enrolment.pathway_id == filters.pathway_id)
        .group_by(User.id, User.name, User.email, User.organisation_id, User.job_role,
                  Organisation.name, Team.name, Organisation.timezone, User.last_login_at)
        .order_by(User.name, User.id)
    )  # fmt: skip
    learners = {
        row[0]: Learner(row[0], row[1], row[2], row[5] or "", row[3], row[6] or "",
                        row[4].value if row[4] else "", row[7], row[8] or 0,
                        timezone=row[9], cohort=row[10] or "", cohort_due_on=row[11],
                        last_activity=row[12])
        for row in people
    }  # fmt: skip

    progress = db.session.execute(
        sa.select(ModuleProgress.user_id, sa.func.count(),
                  sa.func.count(ModuleProgress.completed_at),
                  sa.func.max(ModuleProgress.updated_at))
        .where(ModuleProgress.user_id.in_(ids), ModuleProgress.module_id.in_(module_ids))
        .group_by(ModuleProgress.user_id)
    )  # fmt: skip
    for user_id, started, completed, updated in progress:
        if user_id in learners:
            learners[user_id].modules_started = started
            learners[user_id].modules_completed = completed
            learners[user_id].saw(updated)

    for user_id, exercises, latest in db.session.execute(
        sa.select(Response.user_id, sa.func.count(sa.distinct(Response.exercise_id)),
                  sa.func.max(Response.created_at))
        .where(Response.user_id.in_(ids), Response.exercise_id.in_(exercise_ids),
               Response.counts_as_done)
        .group_by(Response.user_id)
    ):  # fmt: skip
        if user_id in learners:
            learners[user_id].rewordings = exercises
            learners[user_id].saw(latest)

    chosen = chosen_attempts(filters, too_fast=True)
    for attempt_id, user_id, phase, score, test_id, too_fast in db.session.execute(
        sa.select(TestAttempt.id, TestAttempt.user_id, TestAttempt.phase, TestAttempt.score,
                  TestAttempt.test_id, TestAttempt.too_fast)
        .where(TestAttempt.id.in_(chosen))
    ):  # fmt: skip
        learner = learners.get(user_id)
        if learner is not None:
            setattr(learner, phase.value, Attempt(attempt_id, score or 0.0, test_id, too_fast))

    is_post = TestAttempt.phase == Phase.POST
    granted = (
        sa.select(sa.func.count())
        .where(AttemptGrant.user_id == TestAttempt.user_id,
               AttemptGrant.pathway_id == filters.pathway_id)
        .correlate(TestAttempt)
        .scalar_subquery()
    )  # fmt: skip
    for user_id, passed, posts, latest, extra in db.session.execute(
        sa.select(TestAttempt.user_id,
                  sa.func.count(sa.case((sa.and_(is_post, TestAttempt.passed.is_(True)), 1))),
                  sa.func.count(sa.case((is_post, 1))), sa.func.max(TestAttempt.submitted_at),
                  granted)
        .where(TestAttempt.user_id.in_(ids), TestAttempt.pathway_id == filters.pathway_id,
               TestAttempt.submitted_at.is_not(None))
        .group_by(TestAttempt.user_id)
    ):  # fmt: skip
        if user_id in learners:
            learners[user_id].post_test_passed = bool(passed)
            learners[user_id].post_attempts = posts
            learners[user_id].extra_attempts = extra
            learners[user_id].saw(latest)

    for user_id, issued_at, code, minutes, renewing in db.session.execute(
        sa.select(Certificate.user_id, Certificate.issued_at, Certificate.code,
                  Certificate.minutes, BEING_RENEWED)
        .where(Certificate.user_id.in_(ids), Certificate.pathway_id == filters.pathway_id)
        .order_by(Certificate.issued_at, Certificate.id)  # a renewed one after the first
    ):  # fmt: skip
        if user_id in learners:
            learners[user_id].certified_at = issued_at
            learners[user_id].certificate_code = code
            learners[user_id].certificate_hours = timing.cpd_hours(minutes)
            learners[user_id].certified = not renewing
    return ReportData(filters, learners)
