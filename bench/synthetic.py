"""Synthetic organisations for the scaling benchmark, written in bulk: every learner
enrolled on the core pathway with a pre-test (41 items and 7 self-ratings answered), a
quarter with a post-test too, most part way through the modules, some certified.
Answers are drawn by the demo's model of learners (courseapp.demo.answers) and marked
by the item kinds' own scoring, so the reports have real figures.

Rows go in with PostgreSQL's COPY, and on SQLite with executemany in large batches
with the journal kept in memory and no syncing while loading, so 100,000 learners (about
six million answers) take minutes. Values are converted by the columns' own SQLAlchemy
types, so they are stored exactly as the app would store them. Figures the app keeps
at write time are then built from the raw rows, if this version of the app keeps any
(`rebuild_summaries`)."""

from __future__ import annotations

import importlib
import json
import random
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

import sqlalchemy as sa

from bench.site import CONFIRMED
from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment.models import Answer, Certificate, Phase, TestAttempt
from courseapp.catalogue.kinds import kind_of
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.demo.answers import Profiles, answer_test
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team

POST_SHARE = 0.25
BATCH = 50_000  # rows a SQLite executemany
SUMMARIES_MODULE = "courseapp.reports.summaries"


@dataclass(frozen=True)
class SyntheticOrganisation:
    id: int
    coordinator: str
    learners: int
    answers: int


def bulk_insert(
    model, columns: Sequence[str], rows: Iterable[tuple], *, convert: bool = True
) -> int:
    """Insert rows (tuples in the order of `columns`) into the model's table in the
    session's transaction, each value converted by its column's type unless `convert`
    is off (values already as stored); the number inserted."""
    table = model.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    converters = [(i, p) for i, p in enumerate(processors) if p is not None and convert]

    def stored(row: tuple) -> tuple:
        if not converters:
            return row
        values = list(row)
        for i, process in converters:
            if values[i] is not None:
                values[i] = process(values[i])
        return tuple(values)

    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    count = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(stored(row))
                count += 1
        return count
    cursor = raw.cursor()
    places = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({places})"  # noqa: S608 - our own names
    iterator = iter(rows)
    while chunk := [stored(row) for row in islice(iterator, BATCH)]:
        cursor.executemany(sql, chunk)
        count += len(chunk)
    cursor.close()
    return count


@contextmanager
def bulk_loading() -> Iterator[None]:
    """On SQLite, load without syncing to disk (the database is a throwaway), with a
    large cache: connections opened inside have these settings, and those opened after
    have the app's own again. Nothing changes on PostgreSQL, where COPY is fast."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        yield
        return

    def fast(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    db.session.remove()
    engine.dispose()
    sa.event.listen(engine, "connect", fast)
    try:
        yield
    finally:
        db.session.remove()
        sa.event.remove(engine, "connect", fast)
        engine.dispose()


def rebuild_summaries() -> str:
    """Build the figures kept at write time from the raw rows, where this version of
    the app keeps them; says which happened."""
    try:
        summaries = importlib.import_module(SUMMARIES_MODULE)
    except ModuleNotFoundError as error:
        if error.name != SUMMARIES_MODULE:
            raise
        return f"no {SUMMARIES_MODULE} in this version: reports read the raw answers"
    summaries.rebuild()
    db.session.commit()
    return f"summaries rebuilt with {SUMMARIES_MODULE}.rebuild()"


def add_organisation(
    name: str, learners: int, password: str, seed: int = 1
) -> SyntheticOrganisation:
    """An organisation with five teams, a coordinator and `learners` learners (not
    committed: the caller commits, and rebuilds summaries, once every organisation is
    in)."""
    rng = random.Random(seed)  # noqa: S311 - repeatable synthetic data
    pathway = content.course().pathways["core"]
    forms = [content.course().bank.tests[f] for f in pathway.definition.test_forms]
    profiles = {t.id: Profiles.draw(rng, list(t.items), list(t.ratings)) for t in forms}
    now = utcnow().replace(microsecond=0)
    org = Organisation(name=name, sector=Sector.LOCAL_AUTHORITY)
    org.teams = [Team(name=f"Team {n}") for n in range(1, 6)]
    coordinator = User(name=f"Coordinator of {name}", email=f"coordinator@{seed}.example.org",
                       password_hash=hash_password(password), role=Role.COORDINATOR,
                       job_role=JobRole.TRAINING, organisation=org)  # fmt: skip
    coordinator.covered_organisations = [org]
    db.session.add_all([org, coordinator])
    db.session.flush()
    teams = [team.id for team in org.teams]

    bulk_insert(
        User,
        ("name", "email", "role", "job_role", "organisation_id", "team_id", "session_token",
         "active", "created_at", *CONFIRMED),
        ((f"Learner {n}", f"learner{n}@{seed}.example.org", Role.LEARNER, JobRole.SOCIAL_WORKER,
          org.id, teams[n % 5], secrets.token_urlsafe(32), True, now, *(now for _ in CONFIRMED))
         for n in range(learners)),
    )  # fmt: skip
    ids = list(db.session.scalars(
        sa.select(User.id).where(User.organisation_id == org.id, User.role == Role.LEARNER)
        .order_by(User.id)
    ))  # fmt: skip
    # Half the learners take form A first and half form B, as the app assigns them.
    bulk_insert(Enrolment, ("user_id", "pathway_id", "enrolled_at", "form_order"),
                ((i, pathway.id, now, n % 2) for n, i in enumerate(ids)))  # fmt: skip

    progress, attempts, planned = [], [], []
    for n, user_id in enumerate(ids):
        ability = rng.gauss(0, 0.8)
        done = rng.randint(0, len(pathway.modules))
        progress += [(user_id, m.id, now, now, now) for m in pathway.modules[:done]]
        phases = [Phase.PRE] + ([Phase.POST] if rng.random() < POST_SHARE else [])
        for phase in phases:
            test = forms[n % 2] if phase is Phase.PRE else forms[1 - n % 2]
            answers = answer_test(test, profiles[test.id], phase, ability, rng)
            marks = {item.id: kind_of(item).score(item, answers[item.id])
                     for item in test.items if item.id in answers}  # fmt: skip
            score = sum(marks.values()) / len(test.items)
            passed = score * 100 >= pathway.definition.pass_mark if phase is Phase.POST else None
            attempts.append((user_id, pathway.id, test.id, phase, 1, [], {}, now, now, score,
                             passed))  # fmt: skip
            planned.append([(item_id, json.dumps(response), marks.get(item_id))
                            for item_id, response in answers.items()])  # fmt: skip
    bulk_insert(
        ModuleProgress,
        ("user_id", "module_id", "started_at", "updated_at", "completed_at"),
        progress,
    )
    bulk_insert(TestAttempt,
                ("user_id", "pathway_id", "test_id", "phase", "number", "item_order",
                 "option_orders", "started_at", "submitted_at", "score", "passed"),
                attempts)  # fmt: skip
    attempt_ids = list(db.session.scalars(
        sa.select(TestAttempt.id).where(TestAttempt.user_id.in_(
            sa.select(User.id).where(User.organisation_id == org.id))).order_by(TestAttempt.id)
    ))  # fmt: skip
    answer_count = _insert_answers(attempt_ids, planned, now)
    bulk_insert(Certificate, ("user_id", "pathway_id", "code", "issued_at", "minutes"),
                ((row[0], pathway.id, secrets.token_hex(6), now + timedelta(days=30),
                  pathway.minutes) for row in attempts if row[10]))  # fmt: skip
    db.session.flush()
    return SyntheticOrganisation(org.id, coordinator.email, len(ids), answer_count)


def _insert_answers(attempt_ids: list[int], planned: list[list[tuple]], now) -> int:
    """The answers, whose responses are JSON already (dumped as they were drawn), so
    they go in without the columns' converters; the time is converted once."""
    saved_at = Answer.__table__.c.saved_at.type._cached_bind_processor(
        db.session.connection().dialect
    )
    stamp = saved_at(now) if saved_at else now
    rows = (
        (attempt_id, item_id, response, score, stamp)
        for attempt_id, answers in zip(attempt_ids, planned, strict=True)
        for item_id, response, score in answers
    )
    columns = ("attempt_id", "item_id", "response", "score", "saved_at")
    return bulk_insert(Answer, columns, rows, convert=False)
