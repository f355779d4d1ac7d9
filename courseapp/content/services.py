"""What the content feature does: enrol, record and report progress through the course."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy.dialects import postgresql, sqlite

from courseapp.accounts.models import User
from courseapp.catalogue import course, timing
from courseapp.catalogue.course import Module, Pathway
from courseapp.catalogue.schema import KnowledgeCheck
from courseapp.clock import utcnow
from courseapp.content.completion import module_complete
from courseapp.content.models import Enrolment, FormOrderCounter, ModuleProgress, PartVisit
from courseapp.database import lock_for_writing, may_write, upsert
from courseapp.extensions import db

# -- Enrolment ------------------------------------------------------------------------


def next_form_order(pathway_id: str, cohort_id: int | None, organisation_id: int | None) -> int:
    """The form order for the next learner of a group on a pathway: the groups (a
    cohort, else the organisation) alternate A->B, B->A, so each is balanced to within
    one learner. The counter is bumped and read in one statement, so learners enrolling
    at the same moment (two requests, two replicas) still alternate."""
    if cohort_id is not None:
        group = f"cohort:{cohort_id}"
    else:
        group = f"organisation:{organisation_id}" if organisation_id is not None else "none"
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(FormOrderCounter)
        .values(pathway_id=pathway_id, group_key=group, assigned=1)
        .on_conflict_do_update(
            index_elements=["pathway_id", "group_key"],
            set_={"assigned": FormOrderCounter.assigned + 1},
        )
        .returning(FormOrderCounter.assigned)
    )
    return (db.session.scalar(statement) - 1) % 2


def enrol(user: User, pathway: Pathway, cohort_id: int | None = None) -> Enrolment:
    """Enrol the learner (once); a new enrolment is given its form order in its group."""
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.pathway_id == pathway.id)
    )
    if enrolment is None:
        order = next_form_order(pathway.id, cohort_id, user.organisation_id)
        enrolment = Enrolment(
            user_id=user.id, pathway_id=pathway.id, cohort_id=cohort_id, form_order=order
        )
        db.session.add(enrolment)
        db.session.flush()
        g.pop("enrolments", None)
    return enrolment


def enrol_by_job_role(user: User) -> Enrolment:
    job_role = user.job_role.name if user.job_role else None
    return enrol(user, course().pathway_for_job_role(job_role))


# The reads every module page makes, built once: a built statement keeps its cache key,
# so each request only binds its values.
_ENROLMENTS = (
    sa.select(Enrolment.pathway_id, Enrolment.form_order)
    .where(Enrolment.user_id == sa.bindparam("user_id"))
    .order_by(Enrolment.id)
)
_LATEST_VISIT = (
    sa.select(ModuleProgress.module_id, ModuleProgress.last_part)
    .where(ModuleProgress.user_id == sa.bindparam("user_id"))
    .order_by(ModuleProgress.updated_at.desc(), ModuleProgress.id.desc())
    .limit(1)
)
_VISITED_PARTS = sa.select(PartVisit.part).where(
    PartVisit.user_id == sa.bindparam("user_id"), PartVisit.module_id == sa.bindparam("module_id")
)
_PROGRESS = sa.select(ModuleProgress).where(ModuleProgress.user_id == sa.bindparam("user_id"))


def _enrolments(user: User) -> dict[str, int]:
    """{pathway id: form order} of the user's enrolments, in the order they enrolled.
    Read once a request: a module page asks which pathway it is read in and whether
    the learner is on it, a test's start page which form they take (enrol() starts
    again)."""
    known = g.setdefault("enrolments", {}) if has_request_context() else {}
    if user.id not in known:
        known[user.id] = dict(db.session.execute(_ENROLMENTS, {"user_id": user.id}).all())
    return known[user.id]


def enrolled_pathways(user: User) -> list[Pathway]:
    """The pathways the user is enrolled on."""
    pathways = course().pathways
    return [pathways[pathway_id] for pathway_id in _enrolments(user) if pathway_id in pathways]


def form_order(user: User, pathway: Pathway) -> int:
    """0 (form A first) or 1 (form B first), as given at enrolment; 0 for someone not
    enrolled (a coordinator looking at the test)."""
    return _enrolments(user).get(pathway.id) or 0


def pathway_for(user: User, module: Module) -> Pathway:
    """The pathway a module is being read in: the learner's own, else the first that has it."""
    for pathway in enrolled_pathways(user):
        if module in pathway.modules:
            return pathway
    return next(p for p in course().pathways.values() if module in p.modules)


# -- Progress -------------------------------------------------------------------------


def progress_by_module(user: User) -> dict[str, ModuleProgress]:
    rows = db.session.scalars(_PROGRESS, {"user_id": user.id})
    return {row.module_id: row for row in rows}


def _last_at(user: User, module: Module, part: str | None) -> bool:
    """Whether the learner's latest visit was to this module (and this part, if given)."""
    latest = db.session.execute(_LATEST_VISIT, {"user_id": user.id}).first()
    return latest is not None and latest.module_id == module.id and part in (None, latest.last_part)


def visited_parts(user: User, module: Module) -> set[str]:
    return set(db.session.scalars(_VISITED_PARTS, {"user_id": user.id, "module_id": module.id}))


def record_visit(user: User, module: Module, part: str | None) -> bool:
    """Note where the learner is (a module, and a part of it if given), unless they are
    there already; returns whether anything was written."""
    if _last_at(user, module, part):
        return False
    _note_where(user, module, part)
    return True


def _note_where(user: User, module: Module, part: str | None) -> None:
    """One row per learner and module, upserted, so that two tabs opening pages at once
    cannot clash."""
    now = utcnow()
    values = {"user_id": user.id, "module_id": module.id, "started_at": now, "updated_at": now}
    changes = {"updated_at": now}
    if part is not None:
        values["last_part"] = changes["last_part"] = part
    _upsert(values, changes)


def record_reading(user: User, module: Module, part: str | None) -> bool:
    """The one call a module page makes when a learner opens it (the overview when part
    is None): where they are, which parts they have opened, and whether that completes
    the module. Returns whether anything was written. A page read again (already where
    the learner last was, its part opened before) writes nothing and takes no write
    lock (its view is declared with locks_before_writing); nor does a page opened from
    another site's link (see database.may_write)."""
    if not may_write():
        return False

    def read() -> tuple[bool, set[str]]:
        return _last_at(user, module, part), (visited_parts(user, module) if part else set())

    here, visited = read()
    if here and (part is None or part in visited):
        return False
    if lock_for_writing():  # began again, holding the lock: decided again on what is now
        here, visited = read()
    if not here:
        _note_where(user, module, part)
    if part is None or part in visited:
        return not here
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(PartVisit)
        .values(user_id=user.id, module_id=module.id, part=part, visited_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "module_id", "part"])
    )
    _complete_if_done(user, module, visited | {part}, None)
    return True


def reading_time_left(user: User, module: Module) -> timedelta:
    """How much longer the module must be open before its check can count: the
    MODULE_MINIMUM_READING_SHARE of its reading time, from when it was first opened or,
    if later, when the learner last passed another module's check (so that modules
    opened all at once do not run their reading times side by side)."""
    share = current_app.config["MODULE_MINIMUM_READING_SHARE"]
    needed = timedelta(minutes=module.words / timing.WORDS_PER_MINUTE * share)
    if not needed:
        return needed
    mine = ModuleProgress.module_id == module.id
    opened, last_passed = db.session.execute(
        sa.select(
            sa.func.max(sa.case((mine, ModuleProgress.started_at))),
            sa.func.max(sa.case((~mine, ModuleProgress.check_passed_at))),
        ).where(ModuleProgress.user_id == user.id)
    ).one()
    if opened is None:
        return needed
    since = max(opened, last_passed) if last_passed else opened
    return max(timedelta(0), since + needed - utcnow())


def record_check(
    user: User, module: Module, results: list[QuestionResult], timed: bool = True
) -> timedelta:
    """A try at the module's knowledge check: when every question is right, the check
    is passed (once passed it stays passed), which may complete the module; unless the
    module has not been open long enough (`timed`; reading_time_left), whose time left
    is returned."""
    now = utcnow()
    values = {"user_id": user.id, "module_id": module.id, "started_at": now, "updated_at": now}
    changes: dict = {"updated_at": now}
    passed = bool(results) and all(result.correct for result in results)
    left = reading_time_left(user, module) if passed and timed else timedelta(0)
    passed = passed and not left
    if passed:
        values["check_passed_at"] = now
        changes["check_passed_at"] = sa.func.coalesce(ModuleProgress.check_passed_at, now)
    _upsert(values, changes)
    if passed:
        _complete_if_done(user, module, visited_parts(user, module), True)
    return left


def record_completion(user: User, module: Module) -> None:
    """Record a learner as having done a module's work in full: every part opened and
    the knowledge check answered right. For demonstration data and test set-ups."""
    now = utcnow()
    if module.parts:
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        rows = [{"user_id": user.id, "module_id": module.id, "part": part.slug,
                 "visited_at": now} for part in module.parts]  # fmt: skip
        db.session.execute(
            dialect.insert(PartVisit)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["user_id", "module_id", "part"])
        )
    check = course().checks[module.meta.knowledge_check]
    right = {q.id: sorted(q.correct_ids) for q in check.questions}
    record_check(user, module, mark_check(check, right), timed=False)


def _complete_if_done(
    user: User, module: Module, visited: set[str], check_passed: bool | None
) -> None:
    if check_passed is None:
        check_passed = db.session.scalar(
            sa.select(ModuleProgress.check_passed_at.is_not(None)).where(
                ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
            )
        )
    if module_complete(module, visited, bool(check_passed)):
        db.session.execute(
            sa.update(ModuleProgress)
            .where(
                ModuleProgress.user_id == user.id,
                ModuleProgress.module_id == module.id,
                ModuleProgress.completed_at.is_(None),
            )
            .values(completed_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def _upsert(values: dict, changes: dict) -> None:
    upsert(ModuleProgress, values, ["user_id", "module_id"], changes)


class Status(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    LOCKED = "Cannot start yet"


@dataclass(frozen=True)
class Task:
    module: Module
    status: Status
    locked_reason: str | None = None


@dataclass(frozen=True)
class PathwayProgress:
    pathway: Pathway
    tasks: tuple[Task, ...]
    resume: tuple[Module, str | None] | None  # where to continue, and the part

    @property
    def completed(self) -> int:
        return sum(task.status is Status.COMPLETED for task in self.tasks)

    @property
    def started(self) -> bool:
        return any(task.status is not Status.NOT_STARTED for task in self.tasks)


def pathway_progress(
    user: User, pathway: Pathway, locked_reason: str | None = None
) -> PathwayProgress:
    """Each module's status, and where a returning learner should continue. With a
    locked_reason (the pre-test comes first), modules not yet started are locked, all
    but the one open before the pre-test."""
    progress = progress_by_module(user)
    tasks = []
    for module in pathway.modules:
        row = progress.get(module.id)
        locked = None if pathway.open_before_pre_test(module) else locked_reason
        if row is None:
            status = Status.LOCKED if locked else Status.NOT_STARTED
        else:
            status = Status.COMPLETED if row.completed else Status.IN_PROGRESS
        tasks.append(Task(module, status, locked if row is None else None))
    resume = None if locked_reason else _resume(tasks, progress)
    return PathwayProgress(pathway, tuple(tasks), resume)


def _resume(tasks: list[Task], progress: dict[str, ModuleProgress]):
    in_progress = [progress[t.module.id] for t in tasks if t.status is Status.IN_PROGRESS]
    if in_progress:
        latest = max(in_progress, key=lambda row: row.updated_at)
        module = next(t.module for t in tasks if t.module.id == latest.module_id)
        part = latest.last_part
        # A part since merged or renamed (its heading changed): the module's overview.
        return module, part if part is None or module.part(part) else None
    upcoming = next((t.module for t in tasks if t.status is Status.NOT_STARTED), None)
    return (upcoming, None) if upcoming else None


# -- Knowledge checks -----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    chosen: frozenset[str]
    correct: bool


def mark_check(check: KnowledgeCheck, answers: dict[str, list[str]]) -> list[QuestionResult]:
    """Mark a knowledge check. Formative only: nothing here is stored or scored."""
    return [
        QuestionResult(q.id, frozenset(answers[q.id]), frozenset(answers[q.id]) == q.correct_ids)
        for q in check.questions
    ]
