"""Dashboard scaling: the coordinator dashboard and the learners CSV export for a
synthetic organisation of each size, on SQLite and PostgreSQL, timed inside the server
process: the median of several requests with no figures kept (see reports/cache.py)
and of several repeats once they are, with the number of SQL statements each runs."""

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
from courseapp.reports.cache import REPORT_CACHE

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
    uncached_ms: float  # median, with no figures kept (reports/cache.py) before each
    uncached_statements: int
    repeat_ms: float  # median of repeats, once the figures are kept
    repeat_statements: int


def measure(app: Flask, client: FlaskClient, path: str, repeats: int) -> Measured:
    """Requests timed in the server process, in milliseconds: `repeats` with nothing
    kept before each, then `repeats` more once the figures are kept; with the SQL
    statements the last of each ran."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    def timed() -> tuple[float, int]:
        sa.event.listen(engine, "before_cursor_execute", count)
        statements.clear()
        started = time.perf_counter()
        reply = client.get(path)
        elapsed = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", count)
        if reply.status_code != 200:
            raise RuntimeError(f"{path} gave {reply.status_code}")
        return elapsed * 1000, len(statements)

    uncached = []
    for _ in range(repeats):
        app.extensions.pop(REPORT_CACHE, None)
        uncached.append(timed())
    kept = [timed() for _ in range(repeats)]
    return Measured(statistics.median(ms for ms, _ in uncached), uncached[-1][1],
                    statistics.median(ms for ms, _ in kept), kept[-1][1])  # fmt: skip


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
                Figure(f"{label}: nothing kept", round(m.uncached_ms, 1), "ms (median)", goal,
                       goal_at_most(m.uncached_ms, DASHBOARD_GOAL_MS) if goal else None,
                       note=f"{m.uncached_statements} SQL statements"),
                Figure(f"{label}: repeat requests", round(m.repeat_ms, 1), "ms (median)", goal,
                       goal_at_most(m.repeat_ms, DASHBOARD_GOAL_MS) if goal else None,
                       note=f"{m.repeat_statements} SQL statements"),
            ]  # fmt: skip
        for when in ("uncached", "repeat"):
            small_ms = getattr(results[(name, small)], f"{when}_ms")
            large_ms = getattr(results[(name, large)], f"{when}_ms")
            small_n = getattr(results[(name, small)], f"{when}_statements")
            large_n = getattr(results[(name, large)], f"{when}_statements")
            shown = "nothing kept" if when == "uncached" else "repeat"
            figures += [
                Figure(f"{database}: {name}, {shown}: time({large:,}) / time({small:,})",
                       round(large_ms / small_ms, 2), "ratio", f"<= {large / small:g} (linear)",
                       goal_at_most(large_ms / small_ms, large / small)),
                Figure(f"{database}: {name}, {shown}: SQL statements at both sizes",
                       large_n, "statements", f"= {small_n}", large_n == small_n),
            ]  # fmt: skip
    return figures
