"""The databases the benchmarks run on: migrated as in production, with the demo data
or synthetic organisations, and people to sign in as."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bench.web import app_environment, flask
from courseapp import create_app
from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.extensions import db
from courseapp.organisations.models import Organisation

# The PostgreSQL database the benchmarks empty and use.
POSTGRES = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/courseapp_bench"
)

# Simulated learners' addresses count as confirmed, so that they may start tests. The
# app before addresses were confirmed (a --before-ref) has no such column.
CONFIRMED = ("email_confirmed_at",) if hasattr(User, "email_confirmed_at") else ()


def confirmed() -> dict:
    """Keyword arguments for a new User whose address counts as confirmed."""
    return dict.fromkeys(CONFIRMED, utcnow())


PASSWORD = "bench marking is not a password"  # noqa: S105 - a throwaway local database


def harness_app(database_url: str, secret_key: str) -> Flask:
    """The app in this process, for preparing data and checking what was stored.
    Passwords are hashed cheaply, as on the benchmark server (see web.app_environment)."""
    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secret_key,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8192,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_ENABLED": False,
    })  # fmt: skip


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


def migrate(database_url: str, secret_key: str) -> None:
    flask(app_environment(database_url, secret_key), "db", "upgrade")


def postgres_version(database_url: str) -> str:
    """The server's version; raises OperationalError when there is no server."""
    url = sa.make_url(database_url).set(drivername="postgresql+psycopg", database="postgres")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


def reset_postgres(database_url: str) -> None:
    """Create the benchmark database if it is missing, and empty it."""
    url = sa.make_url(database_url).set(drivername="postgresql+psycopg")
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": url.database},
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    finally:
        server.dispose()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@dataclass(frozen=True)
class People:
    """Who the page benchmarks sign in as, and the pages they read."""

    learner: str
    coordinator: str
    module_page: str
    overview_page: str
    test_page: str
    dashboard_page: str = "/reports/"


def add_people(app: Flask) -> People:
    """A learner in the first demo organisation who has taken the pre-test, completed
    every module and is part way through the post-test; and a coordinator of it."""
    with app.app_context():
        org = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).first()
        learner = User(name="Bench Learner", email="bench.learner@example.org",
                       password_hash=hash_password(PASSWORD), role=Role.LEARNER,
                       job_role=JobRole.SOCIAL_WORKER, organisation=org,
                       **confirmed())  # fmt: skip
        coordinator = User(name="Bench Coordinator", email="bench.coordinator@example.org",
                           password_hash=hash_password(PASSWORD), role=Role.COORDINATOR,
                           job_role=JobRole.TRAINING, organisation=org)  # fmt: skip
        coordinator.covered_organisations = [org]
        db.session.add_all([learner, coordinator])
        db.session.flush()
        pathway = content.course().pathways["core"]
        content.enrol(learner, pathway)
        pre = attempts.start_or_resume(learner, pathway, Phase.PRE)
        attempts.submit(pre, pathway.definition.pass_mark)
        for module in pathway.modules:
            content.record_completion(learner, module)
        post = attempts.start_or_resume(learner, pathway, Phase.POST)
        db.session.commit()
        module = pathway.modules[2]
        return People(
            learner=learner.email,
            coordinator=coordinator.email,
            module_page=f"/modules/{module.id}/{module.parts[0].slug}",
            overview_page=f"/pathways/{pathway.id}",
            test_page=f"/attempts/{post.id}/pages/2",
        )
