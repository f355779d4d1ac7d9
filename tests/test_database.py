"""Models and migrations on SQLite and PostgreSQL; SQLite set-up under concurrent writes."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import Certificate, TestAttempt
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from tests.conftest import app_at_revision, build_app, sqlite_url


def test_email_is_unique_whatever_its_case(any_db_app, make_user):
    make_user(email="sam@example.org")
    db.session.add(User(name="Copy", email="sam@example.org", role=Role.LEARNER))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(User(name="Shouting", email="SAM@EXAMPLE.ORG", role=Role.LEARNER))
    with pytest.raises(IntegrityError):  # the lower-case check constraint
        db.session.commit()


def test_team_names_are_unique_within_an_organisation(any_db_app, make_org):
    first = make_org(teams=("Early years",))
    make_org(teams=("Early years",))  # the same name elsewhere is fine
    db.session.add(Team(organisation_id=first.id, name="Early years"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_coordinator_scope(any_db_app, make_org, make_user):
    north, south, west = make_org(), make_org(), make_org()
    coordinator = make_user(role=Role.COORDINATOR, organisation=north, covers=(north, south))
    admin = make_user(role=Role.ADMIN)
    learner = make_user(organisation=north)
    assert coordinator.scope_organisation_ids() == {north.id, south.id}
    assert coordinator.can_manage(south.id) and not coordinator.can_manage(west.id)
    assert admin.scope_organisation_ids() is None and admin.can_manage(west.id)
    assert learner.scope_organisation_ids() == set() and not learner.can_manage(north.id)


def test_deleting_an_organisation_removes_its_teams_and_coverage(any_db_app, make_org, make_user):
    org = make_org(teams=("A", "B"))
    coordinator = make_user(role=Role.COORDINATOR, covers=(org,))
    db.session.delete(org)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 0
    db.session.refresh(coordinator)
    assert coordinator.covered_organisations == []


def test_organisation_with_members_cannot_be_deleted(any_db_app, make_org, make_user):
    org = make_org()
    make_user(organisation=org)
    with pytest.raises(IntegrityError):
        db.session.execute(sa.delete(Organisation).where(Organisation.id == org.id))
        db.session.commit()


def test_join_codes_are_unique_and_readable(any_db_app, make_org):
    codes = {make_org().join_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 8 and not set(code) & set("01IO") for code in codes)


@pytest.fixture
def migrated_app(any_db_url, tmp_path):
    """An app whose schema comes only from the migrations."""
    app = build_app(any_db_url, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrations_apply_cleanly_and_match_the_models(migrated_app):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_migrations_downgrade_to_nothing_and_back(migrated_app):
    upgrade()
    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    db.session.add(Organisation(name="After round trip", sector=Sector.HEALTH))
    db.session.commit()


def test_sqlite_connections_are_configured(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_sqlite_write_transactions_begin_immediately(app):
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    db.session.add(Organisation(name="Immediate", sector=Sector.HEALTH))
    db.session.commit()
    assert statements[0] == "BEGIN IMMEDIATE"


def test_twenty_threads_writing_through_the_app(tmp_path, make_org):
    """Concurrent registrations on a file-backed SQLite database: no 'database is
    locked', and every account is there afterwards."""
    writers = 20
    app = build_app(sqlite_url(tmp_path), tmp_path)
    with app.app_context():
        db.create_all()
        org = make_org(teams=("Duty and assessment",))
        code, team_id = org.join_code, org.teams[0].id
    failures: list[str] = []
    start = threading.Barrier(writers)

    def register(n: int) -> None:
        client = app.test_client()
        start.wait()
        response = client.post(
            f"/register/{code}",
            data={
                "name": f"Learner {n}",
                "email": f"learner{n}@example.org",
                "job_role": "SOCIAL_WORKER",
                "team": str(team_id),
                "password": "concurrency is fun to test",
            },
        )
        if response.status_code != 302:
            failures.append(f"{n}: {response.status_code}")

    threads = [threading.Thread(target=register, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        emails = set(db.session.scalars(sa.select(User.email)))
        db.engine.dispose()
    assert emails == {f"learner{n}@example.org" for n in range(writers)}


def insert_people(connection, ids, created_at) -> None:
    """Learners as an older revision's users table holds them, straight through the
    engine (the models are the new ones)."""
    columns = ("id", "name", "email", "role", "session_token", "active", "created_at")
    connection.execute(sa.insert(sa.table("users", *map(sa.column, columns))), [
        {"id": n, "name": f"P{n}", "email": f"p{n}@example.org", "role": "LEARNER",
         "session_token": f"t{n}", "active": True, "created_at": created_at} for n in ids
    ])  # fmt: skip


@pytest.fixture
def app_at_0021(any_db_url, tmp_path):
    with app_at_revision(any_db_url, tmp_path, "0021") as app:
        yield app


def test_a_briefing_learner_keeps_credit_for_the_opening_modules_it_replaced(app_at_0021):
    """Migration 0022: the briefing's own opening modules count as completed for a
    briefing learner who had completed the core modules they replace; nobody else's."""
    done = "2026-05-01 10:00:00"
    rows = {
        "users": [
            {"id": n, "name": f"P{n}", "email": f"p{n}@example.org", "role": "learner",
             "session_token": f"t{n}", "active": True, "created_at": done}
            for n in (1, 2, 3)
        ],
        "enrolments": [
            {"id": 1, "user_id": 1, "pathway_id": "briefing", "enrolled_at": done},
            {"id": 2, "user_id": 2, "pathway_id": "core", "enrolled_at": done},
            {"id": 3, "user_id": 3, "pathway_id": "briefing", "enrolled_at": done},
        ],
        "module_progress": [
            (1, "welcome", done), (1, "three-principles", None), (2, "welcome", done),
            (3, "welcome", done), (3, "briefing-welcome", None),
        ],
    }  # fmt: skip
    rows["module_progress"] = [
        {"user_id": user, "module_id": module, "last_part": None, "started_at": done,
         "updated_at": done, "check_passed_at": completed, "completed_at": completed}
        for user, module, completed in rows["module_progress"]
    ]  # fmt: skip
    # Straight through the engine: the schema is the old one.
    with db.engine.begin() as connection:
        for table, values in rows.items():
            columns = [sa.column(name) for name in values[0]]
            connection.execute(sa.insert(sa.table(table, *columns)), values)
    upgrade()
    progress = db.session.execute(
        sa.text("SELECT user_id, module_id, completed_at IS NOT NULL FROM module_progress "
                "WHERE module_id LIKE 'briefing-%' ORDER BY user_id, module_id")
    ).all()  # fmt: skip
    assert [tuple(row) for row in progress] == [
        (1, "briefing-welcome", True),
        (3, "briefing-welcome", False),
    ]


@pytest.fixture
def app_at_0022(any_db_url, tmp_path):
    with app_at_revision(any_db_url, tmp_path, "0022") as app:
        yield app


def test_certificates_issued_before_keep_the_course_length_they_were_issued_for(app_at_0022):
    """Migration 0023: every certificate gets the minutes its pathway came to until the
    core course was shortened, so its CPD hours stay what they were (5 and 1.5)."""
    done = "2026-05-01 10:00:00"
    with db.engine.begin() as connection:
        insert_people(connection, (1, 2), done)
        connection.execute(
            sa.insert(sa.table("certificates", *map(sa.column, ("id", "user_id", "pathway_id",
                                                               "code", "issued_at")))),
            [{"id": 1, "user_id": 1, "pathway_id": "core", "code": "AAAA-BBBB-CCCC",
              "issued_at": done},
             {"id": 2, "user_id": 2, "pathway_id": "briefing", "code": "DDDD-EEEE-FFFF",
              "issued_at": done}],
        )  # fmt: skip
    upgrade()
    kept = {
        c.pathway_id: (c.minutes, c.cpd_hours) for c in db.session.scalars(sa.select(Certificate))
    }
    assert kept == {"core": (287, 5.0), "briefing": (75, 1.5)}


@pytest.fixture
def app_at_0023(any_db_url, tmp_path):
    with app_at_revision(any_db_url, tmp_path, "0023") as app:
        yield app


def test_everyone_with_an_account_counts_as_confirmed(app_at_0023):
    """Migration 0024: people who had accounts before addresses were confirmed count
    as confirmed from when their account was made, and no organisation limits joining
    to its email domains until it chooses to."""
    made = "2026-05-01 10:00:00"
    with db.engine.begin() as connection:
        connection.execute(
            sa.insert(sa.table("organisations", *map(sa.column, ("id", "name", "sector",
                                                                "join_code", "join_enabled",
                                                                "slug", "created_at")))),
            [{"id": 1, "name": "Old Council", "sector": "LOCAL_AUTHORITY", "join_code": "ABCD2345",
              "join_enabled": True, "slug": "old-council", "created_at": made}],
        )  # fmt: skip
        insert_people(connection, (101, 102), made)
    upgrade()
    users = list(db.session.scalars(sa.select(User).order_by(User.id)))
    assert [u.email_confirmed_at.isoformat() for u in users] == ["2026-05-01T10:00:00+00:00"] * 2
    assert db.session.get(Organisation, 1).join_email_domains == []
    db.session.add(User(name="New", email="new@example.org", role=Role.LEARNER))
    db.session.commit()
    assert db.session.scalar(sa.select(User).where(User.name == "New")).email_confirmed_at is None


@pytest.fixture
def app_at_0026(any_db_url, tmp_path):
    with app_at_revision(any_db_url, tmp_path, "0026") as app:
        yield app


def test_pre_tests_already_submitted_too_fast_are_marked(app_at_0026):
    """Migration 0027: a submitted pre-test that took under 5 seconds a scored question
    from its start is marked too fast; a slower one, a post-test and an open one are not."""
    items = [f"item-{n}" for n in range(10)]  # 50 seconds at 5 a question
    start = datetime(2026, 5, 1, 10, 0)
    attempts = [  # (id, phase, seconds taken or None for not submitted)
        (1, "PRE", 49),
        (2, "PRE", 50),
        (3, "POST", 10),
        (4, "PRE", None),
        (5, "PRE", 3600),
    ]
    with db.engine.begin() as connection:
        insert_people(connection, [n for n, _phase, _seconds in attempts], start)
        columns = ("id", "user_id", "pathway_id", "test_id", "phase", "number", "item_order",
                   "option_orders", "started_at", "submitted_at")  # fmt: skip
        table = sa.table("test_attempts", *map(sa.column, columns))
        connection.execute(sa.insert(table), [
            {"id": n, "user_id": n, "pathway_id": "core", "test_id": "core-a", "phase": phase,
             "number": 1, "item_order": json.dumps(items), "option_orders": "{}",
             "started_at": start,
             "submitted_at": None if seconds is None else start + timedelta(seconds=seconds)}
            for n, phase, seconds in attempts
        ])  # fmt: skip
    upgrade()
    marked = dict(db.session.execute(sa.select(TestAttempt.id, TestAttempt.too_fast)).all())
    assert marked == {1: True, 2: False, 3: False, 4: False, 5: False}
