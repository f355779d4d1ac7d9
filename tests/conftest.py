"""Shared fixtures: an app on a real database, a client, factories and a query counter."""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.datastructures import MultiDict

os.environ["COURSEAPP_ENV"] = "testing"

from courseapp import create_app
from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team

IN_CI = os.environ.get("CI") == "true"
PASSWORD = "correct horse battery staple"
TEST_SECRET = "test-secret-key-not-for-production"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a test marked `slow`, then browser tests, then the rest: with
    `--dist loadfile --no-loadscope-reorder` (make test) the workers take files in this
    order, so a minute-long file is not the last one left running on one worker."""

    order = ("slow", "browser")
    first: dict[Path, int] = {}
    for item in items:
        weight = next((at for at, mark in enumerate(order) if item.get_closest_marker(mark)), 2)
        first[item.path] = min(first.get(item.path, 2), weight)
    items.sort(key=lambda item: first[item.path])


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def redis_test_url() -> str:
    """The test Redis: under pytest-xdist a database of its own for each worker (counting
    down from TEST_REDIS_URL's), as tests empty it while another worker's test may be
    using theirs. Skips on a laptop without one; fails in CI."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_REDIS_URL must be set in CI")
        pytest.skip("TEST_REDIS_URL is not set")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - worker
    if number < 0:
        pytest.fail(f"TEST_REDIS_URL's database leaves none for xdist worker {worker}")
    return urlunsplit(parts._replace(path=f"/{number}"))


def postgres_url() -> str:
    """The PostgreSQL test database, emptied. Skips on a laptop without one; fails in CI."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_DATABASE_URL must be set in CI")
        pytest.skip("TEST_DATABASE_URL is not set")
    url = _worker_database(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as error:
        if IN_CI:
            raise
        pytest.skip(f"PostgreSQL not reachable: {error}")
    finally:
        engine.dispose()
    return url


_WORKER_DATABASES: set[str] = set()


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker empties a database of its own, named after it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    if name not in _WORKER_DATABASES:
        engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                found = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar()
                if not found:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        _WORKER_DATABASES.add(name)
    return base.set(database=name).render_as_string(hide_password=False)


class Client(FlaskClient):
    """Runs each request in its own app context, as a real server does, so that
    nothing cached on `g` or in the session leaks between requests. The test's
    own session ends its transaction first, so it sees what the request wrote."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.rollback()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def build_app(database_url: str, tmp_path: Path, **overrides) -> Flask:
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = Client
    return app


@contextmanager
def app_with_schema(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def app_at_revision(database_url: str, tmp_path: Path, revision: str) -> Iterator[Flask]:
    """The app on a schema migrated only up to `revision`, for testing a later
    migration's treatment of the data already there."""
    app = build_app(database_url, tmp_path)
    with app.app_context():
        upgrade(revision=revision)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = build_app(sqlite_url(tmp_path), tmp_path)
    with app_with_schema(app), app.app_context():
        yield app


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_url(tmp_path) if request.param == "sqlite" else postgres_url()


@pytest.fixture
def any_db_app(any_db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite and, where available, PostgreSQL."""
    app = build_app(any_db_url, tmp_path)
    with app_with_schema(app), app.app_context():
        yield app


@pytest.fixture
def csrf_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production."""
    app = build_app(sqlite_url(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    with app_with_schema(app), app.app_context():
        yield app


def csrf_token_from(html: str) -> str:
    """The first CSRF token on the page, written by WTForms or by hand."""
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_org() -> Callable[..., Organisation]:
    counter = iter(range(1, 10_000))

    def _make(name: str | None = None, teams: tuple[str, ...] = (), **fields) -> Organisation:
        org = Organisation(
            name=name or f"Organisation {next(counter)}",
            sector=fields.pop("sector", Sector.LOCAL_AUTHORITY),
            **fields,
        )
        org.teams = [Team(name=team) for team in teams]
        db.session.add(org)
        db.session.commit()
        return org

    return _make


@pytest.fixture
def make_user() -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def _make(
        role: Role = Role.LEARNER,
        organisation: Organisation | None = None,
        covers: tuple[Organisation, ...] = (),
        password: str | None = PASSWORD,
        **fields,
    ) -> User:
        n = next(counter)
        # Confirmed, as most people are by the time they matter to a test; pass
        # email_confirmed_at=None for someone who has not confirmed their address.
        fields.setdefault("email_confirmed_at", utcnow())
        user = User(
            name=fields.pop("name", f"Person {n}"),
            email=fields.pop("email", f"person{n}@example.org"),
            password_hash=hash_password(password) if password else None,
            role=role,
            job_role=fields.pop("job_role", JobRole.SOCIAL_WORKER),
            organisation=organisation,
            **fields,
        )
        user.covered_organisations = list(covers)
        db.session.add(user)
        db.session.commit()
        return user

    return _make


def login(client: FlaskClient, user: User, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def sign_in(client: FlaskClient, user: User) -> None:
    """Sign in through the form with its CSRF token, as on an app with CSRF on."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302


@contextmanager
def statements_sent(keep: Callable[[str], bool] = lambda _statement: True) -> Iterator[list[str]]:
    """The statements the app sends to its database (those `keep` accepts) while the
    block runs, from any thread."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if keep(statement):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries(app: Flask) -> Callable:
    """Use as `with count_queries() as queries: ...`; len(queries) is the number run by
    this thread (the request), not by jobs running in the background meanwhile."""

    def _count():
        thread = threading.get_ident()
        return statements_sent(
            lambda statement: (
                threading.get_ident() == thread and not statement.startswith(("BEGIN", "PRAGMA"))
            )
        )

    return _count


@pytest.fixture
def make_learner(request: pytest.FixtureRequest, make_user) -> Callable[..., User]:
    """A learner enrolled on a pathway, optionally with the pre-test taken and every
    module completed (the shortcut browser and assessment tests use). In the app the
    test uses: `any_db_app` if it asks for it, otherwise `app`."""
    if "any_db_app" not in request.fixturenames:
        request.getfixturevalue("app")
    from courseapp.assessment import attempts
    from courseapp.assessment.models import Phase
    from courseapp.catalogue import course
    from courseapp.content.services import enrol

    def _make(pathway: str = "core", pre_test: bool = True, modules: bool = False, **fields):
        user = make_user(**fields)
        chosen = course().pathways[pathway]
        enrol(user, chosen)
        if pre_test:
            attempt = attempts.start_or_resume(user, chosen, Phase.PRE)
            attempts.submit(attempt, chosen.definition.pass_mark)
        if modules:
            complete_the_work(user, chosen)
        db.session.commit()
        return user

    return _make


def complete_the_work(user, pathway) -> None:
    """Everything before the post-test: every module's parts opened and its knowledge
    check answered right, and the pathway's required rewordings submitted (each with its
    first model answer, said in the learner's own way: demo.rewordings.own_version)."""
    from courseapp.catalogue import course
    from courseapp.content.services import record_completion
    from courseapp.demo.rewordings import own_version
    from courseapp.rewording import services as rewording

    for module in pathway.modules:
        record_completion(user, module)
    ours = [e for e in course().rewording.exercises.values() if pathway.id in e.pathways]
    for exercise in ours[: pathway.definition.required_rewordings]:
        rewording.submit(user, exercise, own_version(exercise, user.id))
    db.session.flush()


def right_answers(test, entries=None) -> MultiDict:
    """Form data answering every item right (and every self-rating with 3)."""
    from courseapp.catalogue.kinds import field_name

    data = MultiDict()
    for entry in entries or [*test.ratings, *test.items]:
        if getattr(entry, "scale", None):
            data.add(field_name(entry.id), "3")
        elif entry.kind in ("single", "scenario"):
            data.add(field_name(entry.id), entry.correct)
        elif entry.kind == "multiple":
            for option_id in entry.correct:
                data.add(field_name(entry.id), option_id)
        elif entry.kind == "true-false":
            data.add(field_name(entry.id), str(entry.correct).lower())
        else:
            for s in entry.statements:
                data.add(field_name(entry.id, s.id), s.answer)
    return data


def upload_csv(client: FlaskClient, cohort, content: str | bytes, filename: str = "learners.csv"):
    """Post a file to a cohort's CSV import form."""
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/cohorts/{cohort.id}/imports/new",
        data={"csv_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def count(model) -> int:
    """How many rows the model's table holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def sweep(on: date | None = None) -> None:
    """Run the daily sweep in this process (on `on`, or the clock's day), then the
    delivery jobs it handed its emails to."""
    from courseapp.jobs import queue

    queue.run("daily_sweep", {"on": on.isoformat()} if on else {}, None)
    queue.wait_for_jobs()
