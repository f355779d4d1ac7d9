"""Exact versions of the data the reports rest on, one counter per organisation.

Every insert, update and delete of report data, through the ORM or a statement,
bumps the counter of each organisation it touches, in the same transaction, just
before the commit (a statement's organisations are told from the learners or attempts
it writes or its WHERE clause names). Figures kept with the sum of their organisations' counters are
then never served after a change, whatever the change (an erasure followed by a
registration included), and every replica sees the same counters. A change whose
organisations cannot be told (a bulk delete by date) bumps ANY_ORGANISATION, which
every version includes.

The same step refreshes the summaries (summaries.py) of every learner whose data
changed, so that they are written in the transaction that changed the data."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from courseapp.accounts.models import User
from courseapp.assessment.models import (
    HELD_OPEN,
    Answer,
    AttemptGrant,
    Certificate,
    FollowUp,
    TestAttempt,
)
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.database import upsert_statement
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from courseapp.reports import summaries
from courseapp.rewording.models import Response

ANY_ORGANISATION = 0
CHANGES = "courseapp.report_changes"  # in session.info


class ReportVersion(db.Model):
    __tablename__ = "report_versions"

    organisation_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# Report data, and the column that says whose it is.
OWNED_BY_ORGANISATION = (User, Team, Cohort)
OWNED_BY_USER = (
    Enrolment, ModuleProgress, TestAttempt, Certificate, Response, AttemptGrant, FollowUp,
)  # fmt: skip
REPORT_TABLES = {
    model.__table__.name: key
    for models, key in (
        ((Organisation,), "id"),
        (OWNED_BY_ORGANISATION, "organisation_id"),
        (OWNED_BY_USER, "user_id"),
        ((Answer,), "attempt_id"),
    )
    for model in models
}


def current(organisation_ids: Collection[int] | None) -> int:
    """The version of the data about these organisations (None: all of them)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(ReportVersion.version), 0))
    if organisation_ids is not None:
        ids = [ANY_ORGANISATION, *organisation_ids]
        query = query.where(ReportVersion.organisation_id.in_(ids))
    return int(db.session.scalar(query))


class _Changes:
    def __init__(self) -> None:
        self.by_key: dict[str, set] = {"id": set(), "organisation_id": set(), "user_id": set(),
                                       "attempt_id": set(), "team_id": set(),
                                       "cohort_id": set()}  # fmt: skip
        self.unknown = False

    def note(self, key: str, values: Iterable) -> None:
        self.by_key[key].update(value for value in values if value is not None)

    def __bool__(self) -> bool:
        return self.unknown or any(self.by_key.values())


def _changes(session: Session) -> _Changes:
    return session.info.setdefault(CHANGES, _Changes())


# Columns no report shows: signing in changes them, and need not make figures stale.
NOT_REPORTED = frozenset({"last_login_at", "session_token", "password_hash"})


def _reported_change(obj) -> bool:
    changed = {attr.key for attr in sa.inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed - NOT_REPORTED)


def _in_reports(obj) -> bool:
    """Whether the row is report data: a test attempt only once it is submitted (starting
    one, or moving through its pages, changes no figure), any other row always."""
    if not isinstance(obj, TestAttempt):
        return True
    history = get_history(obj, "submitted_at")
    return any(v is not None for v in (*history.added, *history.unchanged, *history.deleted))


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    changed = [*session.new, *session.deleted]
    changed += [obj for obj in session.dirty if _reported_change(obj)]
    for obj in changed:
        if not _in_reports(obj):
            continue
        key = REPORT_TABLES.get(getattr(obj, "__tablename__", None))
        if key is None:
            continue
        history = get_history(obj, key)  # an organisation or owner changed: both count
        values = [*history.added, *history.unchanged, *history.deleted]
        _changes(session).note("organisation_id" if key == "id" else key, values)
        if isinstance(obj, User):
            _changes(session).note("user_id", [obj.id])  # a move, a deactivation, an erasure
        elif isinstance(obj, Team | Cohort) and obj in session.deleted:
            _changes(session).note(f"{obj.__tablename__[:-1]}_id", [obj.id])


def touch(user_ids: Iterable[int], session: Session | None = None) -> None:
    """Note that these learners' report data is about to change in a way the notes above
    cannot tell (a bulk delete by date), so that their summaries are refreshed."""
    _changes(session or db.session).note("user_id", user_ids)


def _statement_values(state: ORMExecuteState, key: str) -> set | None:
    """The values of `key` an INSERT writes (given as parameters, or in .values(), as
    database.upsert does), or None if they cannot be told."""
    if not state.is_insert:
        return None
    statement = state.statement
    given = state.parameters
    rows = list(given) if isinstance(given, list) else [given or {}]
    rows += [dict(statement._values or {})]
    rows += [row for rows_of in statement._multi_values for row in rows_of]
    found = set()
    for row in rows:
        for column, value in row.items():
            if getattr(column, "key", column) == key:
                found.add(getattr(value, "value", value))  # a bound parameter's value
    return found or None


def _where_values(state: ORMExecuteState, key: str) -> set | None:
    """The values of `key` an UPDATE or DELETE is limited to by its WHERE clause (`key =
    value` or `key IN (...)` among conditions joined by AND), or None if it is not."""
    statement = state.statement
    conditions = []
    for criterion in getattr(statement, "_where_criteria", ()):
        is_and = isinstance(criterion, BooleanClauseList) and criterion.operator is operators.and_
        conditions += list(criterion.clauses) if is_and else [criterion]
    for condition in conditions:
        if not isinstance(condition, BinaryExpression) or not isinstance(
            condition.right, BindParameter
        ):
            continue
        column = condition.left
        table = getattr(column, "table", None)
        if getattr(column, "key", None) != key or getattr(table, "name", None) != (
            statement.table.name
        ):
            continue
        value = condition.right.effective_value
        if condition.operator is operators.eq:
            return {value}
        if condition.operator is operators.in_op and isinstance(value, list | tuple):
            return set(value)
    return None


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    key = REPORT_TABLES.get(getattr(table, "name", None))
    if key is None:
        return
    values = _statement_values(state, key) if state.is_insert else _where_values(state, key)
    attempt_ids = None
    if values is None and table.name == TestAttempt.__tablename__ and not state.is_insert:
        attempt_ids = _where_values(state, "id")  # a submission names its attempt
    if attempt_ids is not None:
        _changes(state.session).note("attempt_id", attempt_ids)
        return
    if values is None:
        _changes(state.session).unknown = True
    else:
        _changes(state.session).note("organisation_id" if key == "id" else key, values)


# Built once: every answer save runs it, and a built statement keeps its cache key.
_SUBMITTED_BY = sa.select(TestAttempt.user_id).where(
    TestAttempt.id.in_(sa.bindparam("ids", expanding=True)), TestAttempt.submitted_at.is_not(None)
)


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    session.flush()  # before_commit comes before the commit's own flush
    held_open = session.info.pop(HELD_OPEN, set())
    changes = session.info.pop(CHANGES, None)
    if not changes:
        return
    ids = changes.by_key
    organisations = set(ids["organisation_id"])
    # Answers of an open attempt are in no report until it is submitted; one this
    # transaction holds open cannot have been submitted since it was read.
    if attempt_ids := ids["attempt_id"] - held_open:
        ids["user_id"] |= set(session.scalars(_SUBMITTED_BY, {"ids": list(attempt_ids)}))
    if ids["team_id"] or ids["cohort_id"]:  # their members' cells were emptied by the database
        ids["user_id"] |= summaries.members(session, ids["team_id"], ids["cohort_id"])
    summaries.refresh(session, ids["user_id"])
    if ids["user_id"]:
        organisations |= set(session.scalars(
            sa.select(User.organisation_id).where(User.id.in_(ids["user_id"]))
        ))  # fmt: skip
    organisations.discard(None)
    if changes.unknown:
        organisations.add(ANY_ORGANISATION)
    for organisation_id in sorted(organisations):  # one order, so bumps never deadlock
        session.execute(upsert_statement(
            ReportVersion, {"organisation_id": organisation_id, "version": 1},
            ["organisation_id"], {"version": ReportVersion.version + 1},
        ))  # fmt: skip
    session.info.pop(CHANGES, None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGES, None)
    session.info.pop(HELD_OPEN, None)
