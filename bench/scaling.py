"""Dashboard scaling: the coordinator dashboard and the learners CSV export for a
synthetic organisation of each size, on SQLite and PostgreSQL, timed inside the server
process: the first request (nothing kept yet, see reports/cache.py) and the median of
several repeats, with the number of SQL statements each runs."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.figures import Figure, goal_at_most
from bench.site import PASSWORD, harness_app, migrate, reset_postgres, sqlite_url
from bench.synthetic import add_organisation
from bench.web import TOKEN, new_secret_key
from courseapp.extensions import db

DASHBOARD_GOAL_MS = 300
PAGES = (("dashboard", "/reports/"), ("learners CSV export", "/reports/export/learners.csv"))


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    reply = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if reply.status_code != 302:
        raise RuntimeError(f"signing in as {email} gave {reply.status_code}")
    return client


@dataclass(frozen=True)
class Measured:
    first_ms: float  # the first request: nothing kept yet
    first_statements: int
    repeat_ms: float  # the median of the repeats
    repeat_statements: int


def measure(app: Flask, client: FlaskClient, path: str, repeats: int) -> Measured:
    """The first request, then the median of `repeats` more, in milliseconds, with the
    SQL statements each runs."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    times, counts = [], []
    for _ in range(repeats + 1):
        sa.event.listen(engine, "before_cursor_execute", count)
        statements.clear()
        started = time.perf_counter()
        reply = client.get(path)
        elapsed = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", count)
        if reply.status_code != 200:
            raise RuntimeError(f"{path} gave {reply.status_code}")
        times.append(elapsed * 1000)
        counts.append(len(statements))
    return Measured(times[0], counts[0], statistics.median(times[1:]), counts[-1])


def run(
    workdir: Path, *, sizes: tuple[int, int], repeats: int, postgres_url: str | None
) -> list[Figure]:
    databases = [("SQLite", sqlite_url(workdir, "scaling.sqlite3"))]
    if postgres_url:
        databases.append(("PostgreSQL", postgres_url))
    figures: list[Figure] = []
    for database, url in databases:
        figures += _run_on(database, url, sizes, repeats)
    return figures


def _run_on(database: str, url: str, sizes: tuple[int, int], repeats: int) -> list[Figure]:
    secret = new_secret_key()
    if database == "PostgreSQL":
        reset_postgres(url)
    migrate(url, secret)
    app = harness_app(url, secret)
    figures: list[Figure] = []
    organisations = {}
    with app.app_context():
        for seed, size in enumerate(sizes, start=1):
            started = time.perf_counter()
            organisations[size] = add_organisation(f"Synthetic {size}", size, PASSWORD, seed)
            figures.append(Figure(f"{database}: generate {size:,} learners", round(
                time.perf_counter() - started, 1), "s",
                note=f"{organisations[size].answers:,} answers"))  # fmt: skip
        if database == "PostgreSQL":  # as autovacuum would after a bulk load
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    results = {}
    for size, org in organisations.items():
        client = _signed_in(app, org.coordinator)
        for name, path in PAGES:
            results[(name, size)] = measure(app, client, path, repeats)
    small, large = sizes
    for name, _path in PAGES:
        for size in sizes:
            m = results[(name, size)]
            goal = f"<= {DASHBOARD_GOAL_MS}" if name == "dashboard" and size == large else None
            label = f"{database}: {name}, {size:,} learners"
            figures += [
                Figure(f"{label}: first request", round(m.first_ms, 1), "ms", goal,
                       goal_at_most(m.first_ms, DASHBOARD_GOAL_MS) if goal else None,
                       note=f"{m.first_statements} SQL statements"),
                Figure(f"{label}: repeat requests", round(m.repeat_ms, 1), "ms (median)", goal,
                       goal_at_most(m.repeat_ms, DASHBOARD_GOAL_MS) if goal else None,
                       note=f"{m.repeat_statements} SQL statements"),
            ]  # fmt: skip
        for when in ("first", "repeat"):
            small_ms = getattr(results[(name, small)], f"{when}_ms")
            large_ms = getattr(results[(name, large)], f"{when}_ms")
            small_n = getattr(results[(name, small)], f"{when}_statements")
            large_n = getattr(results[(name, large)], f"{when}_statements")
            figures += [
                Figure(f"{database}: {name}, {when}: time({large:,}) / time({small:,})",
                       round(large_ms / small_ms, 2), "ratio", f"<= {large / small:g} (linear)",
                       goal_at_most(large_ms / small_ms, large / small)),
                Figure(f"{database}: {name}, {when}: SQL statements at both sizes",
                       large_n, "statements", f"= {small_n}", large_n == small_n),
            ]  # fmt: skip
    return figures
