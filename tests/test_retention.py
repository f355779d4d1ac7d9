"""`flask purge` (attempt data past the retention period) and `flask backup`."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import Answer, Certificate, Phase, TestAttempt
from courseapp.audit.models import AuditEvent
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from courseapp.privacy.retention import cutoff_for, describe_days
from courseapp.rewording.models import Response, ReviewNote
from tests.conftest import app_with_schema, build_app, login, postgres_url, sqlite_url

NOW = utcnow()
OLD = NOW - timedelta(days=800)
RECENT = NOW - timedelta(days=10)


def _attempt(user_id: int, phase: Phase, number: int, when: datetime, answers: int) -> TestAttempt:
    attempt = TestAttempt(user_id=user_id, pathway_id="core", test_id="core-test", phase=phase,
                          number=number, item_order=[], option_orders={}, started_at=when,
                          submitted_at=when, score=0.9, passed=phase is Phase.POST)  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all(
        Answer(attempt_id=attempt.id, item_id=f"item-{n}", response="a", score=1.0, saved_at=when)
        for n in range(answers)
    )
    return attempt


def _response(user_id: int, version: int, when: datetime, notes: int) -> Response:
    response = Response(user_id=user_id, exercise_id="let-him-in", version=version, text="Text",
                        verdict="needs_work", flags=[], strengths=[], created_at=when)  # fmt: skip
    response.notes = [ReviewNote(comment=f"Comment {n}") for n in range(notes)]
    db.session.add(response)
    return response


@pytest.fixture
def history(any_db_app, make_org, make_user):
    """A learner from 800 days ago who came back 10 days ago: rows either side of the cutoff."""
    org = make_org()
    learner = make_user(organisation=org)
    db.session.add(Enrolment(user_id=learner.id, pathway_id="core", enrolled_at=OLD))
    db.session.add(ModuleProgress(user_id=learner.id, module_id="welcome", started_at=OLD,
                                  updated_at=OLD, completed_at=OLD))  # fmt: skip
    _attempt(learner.id, Phase.PRE, 1, OLD, answers=2)
    old_post = _attempt(learner.id, Phase.POST, 1, OLD, answers=3)
    new_post = _attempt(learner.id, Phase.POST, 2, RECENT, answers=3)
    db.session.add(Certificate(user_id=learner.id, pathway_id="core", issued_at=OLD,
                               attempt_id=old_post.id, minutes=240))  # fmt: skip
    _response(learner.id, 1, OLD, notes=2)
    _response(learner.id, 2, RECENT, notes=1)
    cohort = Cohort(organisation=org, name="Old cohort", pathway_id="core")
    rows = [{"row": 2, "name": "Someone", "email": "someone@example.org", "status": "new"}]
    db.session.add_all([
        EnrolmentImport(cohort=cohort, rows=rows, created_at=OLD, confirmed_at=OLD),
        EnrolmentImport(cohort=cohort, rows=rows, created_at=RECENT),
    ])  # fmt: skip
    db.session.commit()
    return {"learner_id": learner.id, "new_post_id": new_post.id}


def _counts() -> dict[str, int]:
    db.session.rollback()
    models = (TestAttempt, Answer, Response, ReviewNote, EnrolmentImport, Certificate, Enrolment,
              ModuleProgress, User)  # fmt: skip
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in models
    }


BEFORE = {"TestAttempt": 3, "Answer": 8, "Response": 2, "ReviewNote": 3, "EnrolmentImport": 2,
          "Certificate": 1, "Enrolment": 1, "ModuleProgress": 1, "User": 1}  # fmt: skip
REMOVED_LINES = ("test attempts: 2", "answers: 5", "rewording responses: 1",
                 "coordinators' comments: 2", "CSV uploads: 1")  # fmt: skip


def test_dry_run_counts_and_removes_nothing(any_db_app, history):
    result = any_db_app.test_cli_runner().invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output
    for line in REMOVED_LINES:
        assert line in result.output
    assert _counts() == BEFORE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_purge_removes_attempt_data_older_than_the_retention_period(any_db_app, history, make_user):
    result = any_db_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Removed data from before" in result.output
    for line in REMOVED_LINES:
        assert line in result.output
    assert _counts() == BEFORE | {"TestAttempt": 1, "Answer": 3, "Response": 1, "ReviewNote": 1,
                                  "EnrolmentImport": 1}  # fmt: skip
    assert db.session.scalars(sa.select(TestAttempt.id)).all() == [history["new_post_id"]]
    assert db.session.scalars(sa.select(Response.version)).all() == [2]
    assert db.session.scalars(sa.select(EnrolmentImport.created_at)).all() == [RECENT]
    certificate = db.session.scalars(sa.select(Certificate)).one()
    assert certificate.user_id == history["learner_id"] and certificate.attempt_id is None

    [event] = db.session.scalars(sa.select(AuditEvent)).all()
    assert (event.actor_id, event.action) == (None, "purge")
    assert "test attempts: 2" in event.subject and "CSV uploads: 1" in event.subject
    client = any_db_app.test_client()
    login(client, make_user(role=Role.ADMIN))
    log = client.get("/audit").get_data(as_text=True)
    assert "The purge command" in log and "test attempts: 2" in log

    again = any_db_app.test_cli_runner().invoke(args=["purge"])
    assert "test attempts: 0" in again.output and "CSV uploads: 0" in again.output


def test_after_a_purge_new_work_never_reuses_a_number(any_db_app, history):
    """The kept post-test is attempt 2 and the kept rewording version 2: what comes
    next is attempt 3 and version 3, so the newest is still the one shown as latest."""
    from courseapp.assessment import attempts
    from courseapp.catalogue import course
    from courseapp.rewording import services as rewording

    any_db_app.test_cli_runner().invoke(args=["purge"])
    learner = db.session.get(User, history["learner_id"])
    db.session.get(TestAttempt, history["new_post_id"]).passed = False  # so a retake is open
    attempt = attempts.start_or_resume(learner, course().pathways["core"], Phase.POST)
    response = rewording.submit(learner, rewording.exercises()["let-him-in"], "Are you safe?")
    db.session.commit()
    assert (attempt.number, response.version) == (3, 3)
    exercise = rewording.exercises()["let-him-in"]
    assert rewording.history(learner, exercise)[-1].text == "Are you safe?"


def test_the_default_age_comes_from_the_setting(any_db_app, history):
    any_db_app.config["ATTEMPT_RETENTION_DAYS"] = 5
    result = any_db_app.test_cli_runner().invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "test attempts: 3" in result.output and "CSV uploads: 2" in result.output


@pytest.mark.parametrize(
    ("age", "attempts"), [("2y", 2), ("104w", 2), ("730d", 2), ("5d", 3), ("9000d", 0)]
)
def test_older_than_accepts_days_weeks_and_years(app, age, attempts, make_org, make_user):
    learner = make_user(organisation=make_org())
    _attempt(learner.id, Phase.PRE, 1, OLD, answers=0)
    _attempt(learner.id, Phase.POST, 1, OLD, answers=0)
    _attempt(learner.id, Phase.POST, 2, RECENT, answers=0)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge", "--dry-run", "--older-than", age])
    assert result.exit_code == 0, result.output
    assert f"test attempts: {attempts}" in result.output


def test_an_age_can_be_a_date():
    now = datetime(2026, 3, 1, 12, 30)
    assert cutoff_for("2024-01-31", now) == datetime(2024, 1, 31)
    assert cutoff_for("2y", now) == now - timedelta(days=730)
    assert cutoff_for("104w", now) == now - timedelta(days=728)
    assert cutoff_for(" 30D ", now) == now - timedelta(days=30)


@pytest.mark.parametrize(
    ("age", "message"),
    [("soon", "is not an age or a date"), ("12x", "is not an age or a date"),
     ("-3d", "is not an age or a date"), ("0d", "must be more than zero"),
     ("2999-01-01", "is in the future"), ("99999999y", "further back than any date")],
)  # fmt: skip
def test_a_bad_age_is_a_clear_error(runner, age, message):
    result = runner.invoke(args=["purge", "--older-than", age])
    assert result.exit_code == 2
    assert "Invalid value for '--older-than'" in result.output
    assert message in result.output


def test_retention_periods_are_described_as_people_say_them():
    assert describe_days(730) == "2 years (730 days)"
    assert describe_days(365) == "1 year (365 days)"
    assert describe_days(400) == "400 days"
    assert describe_days(1) == "1 day"


# -- Backup -------------------------------------------------------------------------


def test_backup_restores_into_a_fresh_app(app, runner, make_org, make_user, tmp_path):
    org = make_org(name="Backed-up Council")
    make_user(organisation=org, name="Rowan Keeps")
    target = tmp_path / "backups" / "courseapp.sqlite3"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output

    # Restore: with the app stopped, copy the backup into place as its database.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(target, restored / "test.sqlite3")
    fresh = build_app(sqlite_url(restored), restored)
    with fresh.app_context():
        assert db.session.scalars(sa.select(User.name)).all() == ["Rowan Keeps"]
        assert db.session.scalars(sa.select(Organisation.name)).all() == ["Backed-up Council"]
        assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        assert fresh.test_client().get("/healthz").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_backup_is_consistent_while_another_connection_is_writing(app, runner, make_org, tmp_path):
    make_org(name="Committed Council")
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO organisations (name, slug, sector, join_code, join_enabled, created_at) "
            "VALUES ('Half-written Council', 'half-written-council', 'OTHER', 'HALFWRIT', 1, "
            "'2026-01-01')"
        )
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        names = [name for (name,) in copy.execute("SELECT name FROM organisations")]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()
    assert names == ["Committed Council"]


def test_backup_will_not_overwrite_a_file_unless_forced(app, runner, make_org, tmp_path):
    make_org()
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"keep me")
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code == 1
    assert "already exists" in refused.output and "--force" in refused.output
    assert target.read_bytes() == b"keep me"
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_backup_needs_an_existing_folder(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "missing" / "copy.sqlite3")])
    assert result.exit_code == 1 and "There is no folder" in result.output


def test_backup_on_postgresql_says_to_use_pg_dump(tmp_path):
    app = build_app(postgres_url(), tmp_path)
    target = tmp_path / "copy.dump"
    with app_with_schema(app), app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output and "pg_dump" in result.output
    assert not target.exists()
