"""Dashboard scaling: the coordinator dashboard and the learners CSV export for a
synthetic organisation of each size, timed inside the server process (the median of
several requests after a warm-up) with the number of SQL statements each runs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.figures import Figure, goal_at_most
from bench.site import PASSWORD, harness_app, migrate, sqlite_url
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


def measure(app: Flask, client: FlaskClient, path: str, repeats: int) -> tuple[float, float, int]:
    """The time of the first request and the median of `repeats` more, in milliseconds,
    and the number of SQL statements the last request ran."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    times = []
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
    return times[0], statistics.median(times[1:]), len(statements)


def run(workdir: Path, *, sizes: tuple[int, int], repeats: int) -> list[Figure]:
    secret = new_secret_key()
    url = sqlite_url(workdir, "scaling.sqlite3")
    migrate(url, secret)
    app = harness_app(url, secret)
    figures: list[Figure] = []
    organisations = {}
    with app.app_context():
        for seed, size in enumerate(sizes, start=1):
            started = time.perf_counter()
            organisations[size] = add_organisation(f"Synthetic {size}", size, PASSWORD, seed)
            figures.append(Figure(f"generate {size:,} learners", round(
                time.perf_counter() - started, 1), "s",
                note=f"{organisations[size].answers:,} answers"))  # fmt: skip
    results = {}
    for size, org in organisations.items():
        client = _signed_in(app, org.coordinator)
        for name, path in PAGES:
            results[(name, size)] = measure(app, client, path, repeats)
    small, large = sizes
    for name, _path in PAGES:
        for size in sizes:
            first, ms, queries = results[(name, size)]
            goal = f"<= {DASHBOARD_GOAL_MS}" if name == "dashboard" and size == large else None
            figures += [
                Figure(f"{name}, {size:,} learners: first request", round(first, 1), "ms",
                       goal, goal_at_most(first, DASHBOARD_GOAL_MS) if goal else None),
                Figure(f"{name}, {size:,} learners: server time", round(ms, 1), "ms (median)",
                       goal, goal_at_most(ms, DASHBOARD_GOAL_MS) if goal else None),
                Figure(f"{name}, {size:,} learners: SQL statements", queries, "statements"),
            ]  # fmt: skip
        growth = results[(name, large)][1] / results[(name, small)][1]
        same = results[(name, large)][2] == results[(name, small)][2]
        figures += [
            Figure(f"{name}: time({large:,}) / time({small:,})", round(growth, 2), "ratio",
                   f"<= {large / small:g} (linear)", goal_at_most(growth, large / small)),
            Figure(f"{name}: same SQL statements at both sizes", int(same), "yes=1",
                   "= 1", same),
        ]  # fmt: skip
    return figures
