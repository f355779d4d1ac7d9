"""Report scaling: the coordinator dashboard, the learners CSV export and a question's
page (item analysis) for a synthetic organisation of each size, on SQLite and
PostgreSQL, timed inside the server process. Each timed request comes straight after a
new submission in that organisation (a learner joins, answers the pre-test and submits
through the app's own services), so no figure kept from before can be used; then
repeats with nothing changed. Reported per page and size: the median time, the SQL
statements it ran (the same at every size, or the page does work per learner), and
how time grows from the second-largest size to the largest."""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.figures import Figure, goal_at_most
from bench.site import PASSWORD, confirmed, harness_app, migrate, reset_postgres, sqlite_url
from bench.synthetic import add_organisation, bulk_loading, rebuild_summaries
from bench.web import TOKEN, new_secret_key
from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase
from courseapp.content import services as content
from courseapp.demo.answers import Profiles, answer_test
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.organisations.models import Organisation

PAGE_GOAL_MS = 300  # at the largest size, on PostgreSQL
GROWTH_GOAL = 3  # time(largest) / time(next size down), for a tenfold step
BUDGET_MS = 20_000  # per page, size and kind of request: repeats stop past this


def pages() -> tuple[tuple[str, str], ...]:
    """The pages timed: (name, path). The question page is the first item of form A."""
    pathway = content.course().pathways["core"]
    test = content.course().bank.tests[pathway.definition.test_forms[0]]
    return (
        ("dashboard", "/reports/"),
        ("learners CSV export", "/reports/export/learners.csv"),
        ("question page", f"/reports/questions/{test.id}/{test.items[0].id}"),
    )


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    reply = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if reply.status_code != 302:
        raise RuntimeError(f"signing in as {email} gave {reply.status_code}")
    return client


class Submissions:
    """New submissions in an organisation, through the app's services as a learner's
    requests would make them: a learner joins, enrols, answers the pre-test, submits."""

    def __init__(self, app: Flask, seed: int) -> None:
        self.app = app
        self.rng = random.Random(seed)  # noqa: S311 - repeatable simulated learners
        self.count = 0

    def submit_one(self, organisation_id: int) -> None:
        self.count += 1
        with self.app.app_context():
            pathway = content.course().pathways["core"]
            org = db.session.get(Organisation, organisation_id)
            learner = User(name=f"New Learner {self.count}", role=Role.LEARNER,
                           email=f"new{self.count}.{organisation_id}@example.org",
                           job_role=JobRole.SOCIAL_WORKER, organisation=org,
                           team=org.teams[self.count % len(org.teams)],
                           **confirmed())  # fmt: skip
            db.session.add(learner)
            db.session.flush()
            content.enrol(learner, pathway)
            attempt = attempts.start_or_resume(learner, pathway, Phase.PRE)
            test = attempts.test_of(attempt)
            profiles = Profiles.draw(self.rng, list(test.items), list(test.ratings))
            drawn = answer_test(test, profiles, Phase.PRE, self.rng.gauss(0, 0.8), self.rng)
            attempts.save_answers(attempt, drawn)
            attempts.submit(attempt, pathway.definition.pass_mark)
            db.session.commit()


@dataclass(frozen=True)
class Measured:
    fresh_ms: float  # median, each straight after a new submission
    fresh_statements: int
    repeat_ms: float  # median of repeats with nothing changed
    repeat_statements: int


def measure(app: Flask, client: FlaskClient, path: str, repeats: int,
            fresh: Callable[[], None], *, warm_up: bool = False) -> Measured:  # fmt: skip
    """Requests timed in the server process, in milliseconds: up to `repeats` each
    after `fresh()` (a new submission), then up to `repeats` more with nothing changed;
    with the SQL statements the last of each ran."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    request_thread = threading.get_ident()  # the test client serves in this thread

    def count(_conn, _cursor, statement, *_args) -> None:
        # The request's own statements: not those of a job it started in the background.
        if threading.get_ident() == request_thread and not statement.startswith(
            ("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
        ):
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
        queue.wait_for_jobs()  # a job the page started finishes before the next request
        return elapsed * 1000, len(statements)

    if warm_up:
        client.get(path)  # not timed: templates compiled, connections opened
    after_submission, kept = [], []
    # Slow pages are timed fewer times, so that a run of old code at 100,000 learners
    # still finishes: at least once each, then while within the time budget.
    while len(after_submission) < repeats and (
        not after_submission or sum(ms for ms, _ in after_submission) < BUDGET_MS
    ):
        fresh()
        after_submission.append(timed())
    while len(kept) < repeats and (not kept or sum(ms for ms, _ in kept) < BUDGET_MS):
        kept.append(timed())
    return Measured(statistics.median(ms for ms, _ in after_submission), after_submission[-1][1],
                    statistics.median(ms for ms, _ in kept), kept[-1][1])  # fmt: skip


def export_by_job(client: FlaskClient, path: str) -> tuple[float, int] | None:
    """If the export at `path` is too large to send at once (its page asks to build it
    by a job): the seconds from the coordinator's confirmation to the file being ready,
    and the file's size in bytes; otherwise None."""
    page = client.get(path)
    if page.mimetype != "text/html":
        return None
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    started = time.perf_counter()
    reply = client.post(path, data={"csrf_token": token})
    queue.wait_for_jobs()
    elapsed = time.perf_counter() - started
    if reply.status_code != 303 or "Report ready" not in client.get(reply.location).text:
        raise RuntimeError(f"the export job at {path} did not finish")
    return elapsed, len(client.get(f"{reply.location}/download").data)


def run(workdir: Path, *, sizes: tuple[int, ...], repeats: int, postgres_url: str | None,
        databases: tuple[str, ...] = ("SQLite", "PostgreSQL")) -> list[Figure]:  # fmt: skip
    chosen = []
    if "SQLite" in databases:
        chosen.append(("SQLite", sqlite_url(workdir, "scaling.sqlite3")))
    if postgres_url and "PostgreSQL" in databases:
        chosen.append(("PostgreSQL", postgres_url))
    figures: list[Figure] = []
    for database, url in chosen:
        figures += _run_on(database, url, tuple(sorted(sizes)), repeats)
    return figures


def _load(app: Flask, database: str, sizes: tuple[int, ...]) -> tuple[dict, list[Figure]]:
    figures: list[Figure] = []
    organisations = {}
    with app.app_context(), bulk_loading():
        for seed, size in enumerate(sizes, start=1):
            started = time.perf_counter()
            organisations[size] = add_organisation(f"Synthetic {size}", size, PASSWORD, seed)
            db.session.commit()
            figures.append(Figure(f"{database}: generate {size:,} learners", round(
                time.perf_counter() - started, 1), "s",
                note=f"{organisations[size].answers:,} answers"))  # fmt: skip
            _progress(figures[-1])
        started = time.perf_counter()
        said = rebuild_summaries()
        figures.append(Figure(f"{database}: rebuild summaries", round(
            time.perf_counter() - started, 1), "s", note=said))  # fmt: skip
        # As autovacuum (PostgreSQL) or a maintenance job (SQLite) would after a bulk load.
        db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()
    return organisations, figures


def _progress(figure: Figure) -> None:
    print(f"  {figure.name}: {figure.value} {figure.unit}", file=sys.stderr, flush=True)


def _run_on(database: str, url: str, sizes: tuple[int, ...], repeats: int) -> list[Figure]:
    secret = new_secret_key()
    if database == "PostgreSQL":
        reset_postgres(url)
    migrate(url, secret)
    app = harness_app(url, secret)
    organisations, figures = _load(app, database, sizes)
    submissions = Submissions(app, seed=99)
    with app.app_context():
        timed_pages = pages()
    results = {}
    for size, org in organisations.items():
        client = _signed_in(app, org.coordinator)
        for name, path in timed_pages:
            results[(name, size)] = measure(
                app,
                client,
                path,
                repeats,
                lambda org_id=org.id: submissions.submit_one(org_id),
                warm_up=size == sizes[0],
            )
        built = export_by_job(client, dict(timed_pages)["learners CSV export"])
        if built is not None:
            figures.append(Figure(
                f"{database}: learners CSV export, {size:,} learners: confirmed, built by a "
                "job and ready to download", round(built[0], 1), "s",
                note=f"{built[1]:,} bytes; the request itself answers with the page that "
                "asks to build it"))  # fmt: skip
    largest = sizes[-1]
    for name, _path in timed_pages:
        for size in sizes:
            m = results[(name, size)]
            goal = (f"<= {PAGE_GOAL_MS}" if database == "PostgreSQL" and size == largest
                    else None)  # fmt: skip
            label = f"{database}: {name}, {size:,} learners"
            figures += [
                Figure(f"{label}: after a new submission", round(m.fresh_ms, 1), "ms (median)",
                       goal, goal_at_most(m.fresh_ms, PAGE_GOAL_MS) if goal else None,
                       note=f"{m.fresh_statements} SQL statements"),
                Figure(f"{label}: repeat requests", round(m.repeat_ms, 1), "ms (median)",
                       note=f"{m.repeat_statements} SQL statements"),
            ]  # fmt: skip
        for when, shown in (("fresh", "after a new submission"), ("repeat", "repeat")):
            counts = [getattr(results[(name, size)], f"{when}_statements") for size in sizes]
            figures.append(Figure(
                f"{database}: {name}, {shown}: SQL statements at every size", counts[-1],
                "statements", f"= {counts[0]} at every size",
                len(set(counts)) == 1, note=" / ".join(map(str, counts))))  # fmt: skip
        for small, large in pairwise(sizes):
            ratio = results[(name, large)].fresh_ms / results[(name, small)].fresh_ms
            goal = large == largest
            figures.append(Figure(
                f"{database}: {name}, after a new submission: time({large:,}) / time({small:,})",
                round(ratio, 2), "ratio", f"<= {GROWTH_GOAL}" if goal else None,
                goal_at_most(ratio, GROWTH_GOAL) if goal else None))  # fmt: skip
    return figures
