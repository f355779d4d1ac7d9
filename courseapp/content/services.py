"""What the content feature does: serve the loaded course, enrol, record and report progress."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, has_request_context

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.content.course import Course, Module, Pathway
from courseapp.content.loader import load_course
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.content.problems import ContentError
from courseapp.content.schema import KnowledgeCheck
from courseapp.database import may_write, upsert
from courseapp.extensions import db

COURSE_KEY = "courseapp.course"


def _signature(*folders: Path) -> tuple:
    """Changes whenever a content file is added, removed or edited."""
    return tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


@cache
def _load(content_dir: Path, quizzes_dir: Path, _signature: tuple) -> Course:
    return load_course(content_dir, quizzes_dir)


def load(app: Flask) -> Course:
    """Load (or reuse) the course for this app's content folders; raises ContentError."""
    content_dir, quizzes_dir = Path(app.config["CONTENT_DIR"]), Path(app.config["QUIZZES_DIR"])
    return _load(content_dir, quizzes_dir, _signature(content_dir, quizzes_dir))


def init_app(app: Flask) -> None:
    """Load the course at start-up. Broken content stops the app where CONTENT_STRICT
    is set (production); elsewhere it is logged so `flask content check` can report it."""
    try:
        app.extensions[COURSE_KEY] = load(app)
    except ContentError as error:
        if app.config["CONTENT_STRICT"]:
            raise
        app.logger.error("Course content has problems:\n%s", error)
        app.extensions[COURSE_KEY] = None


def course() -> Course:
    loaded = current_app.extensions.get(COURSE_KEY)
    if loaded is None:
        abort(503)
    return loaded


def module_or_404(module_id: str) -> Module:
    return course().modules.get(module_id) or abort(404)


def pathway_or_404(pathway_id: str) -> Pathway:
    return course().pathways.get(pathway_id) or abort(404)


# -- Enrolment ------------------------------------------------------------------------


def enrol(user: User, pathway: Pathway) -> Enrolment:
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.pathway_id == pathway.id)
    )
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, pathway_id=pathway.id)
        db.session.add(enrolment)
        db.session.flush()
        g.pop("enrolled_pathways", None)
    return enrolment


def enrol_by_job_role(user: User) -> Enrolment:
    job_role = user.job_role.name if user.job_role else None
    return enrol(user, course().pathway_for_job_role(job_role))


def enrolled_pathways(user: User) -> list[Pathway]:
    """The pathways the user is enrolled on. Read once a request: a module page asks
    which pathway it is read in and whether the learner is on it (enrol() starts again)."""
    known = g.setdefault("enrolled_pathways", {}) if has_request_context() else {}
    if user.id not in known:
        ids = db.session.scalars(
            sa.select(Enrolment.pathway_id)
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.id)
        )
        pathways = course().pathways
        known[user.id] = [pathways[pathway_id] for pathway_id in ids if pathway_id in pathways]
    return list(known[user.id])


def pathway_for(user: User, module: Module) -> Pathway:
    """The pathway a module is being read in: the learner's own, else the first that has it."""
    for pathway in enrolled_pathways(user):
        if module in pathway.modules:
            return pathway
    return next(p for p in course().pathways.values() if module in p.modules)


# -- Progress -------------------------------------------------------------------------


def progress_by_module(user: User) -> dict[str, ModuleProgress]:
    rows = db.session.scalars(sa.select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    return {row.module_id: row for row in rows}


def record_visit(user: User, module: Module, part: str | None) -> bool:
    """Note that the learner opened a page of a module; returns whether anything was
    written. One row per learner and module, written with an upsert so that two tabs
    opening pages at once cannot clash. A page that is already where the learner last
    was (read again, or reloaded) changes nothing, so it is not written; nor is a page
    opened from another site's link (see database.may_write: the view must be declared
    with writes_on_get)."""
    if not may_write():
        return False
    latest = db.session.execute(
        sa.select(ModuleProgress.module_id, ModuleProgress.last_part)
        .where(ModuleProgress.user_id == user.id)
        .order_by(ModuleProgress.updated_at.desc(), ModuleProgress.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.module_id == module.id and part in (None, latest.last_part):
        return False
    now = utcnow()
    values = {"user_id": user.id, "module_id": module.id, "started_at": now, "updated_at": now}
    changes = {"updated_at": now}
    if part is not None:
        values["last_part"] = changes["last_part"] = part
    _upsert(values, changes)
    return True


def record_completion(user: User, module: Module) -> None:
    now = utcnow()
    values = {"user_id": user.id, "module_id": module.id, "started_at": now, "updated_at": now,
              "completed_at": now}  # fmt: skip
    _upsert(values, {"updated_at": now, "completed_at": sa.func.coalesce(
        ModuleProgress.completed_at, now)})  # fmt: skip


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
        return module, latest.last_part
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
