"""Page throughput: the app under gunicorn (production config, two workers, SQLite with
the demo data) against a bare WSGI app under the same gunicorn settings that returns
the module page's exact bytes. wrk loads each from its own process on 127.0.0.1, bare
and app in turn (A B A B), and each page's figure is a ratio of medians measured side
by side, so that a busy machine slows both alike."""

from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.figures import Figure, goal_at_least
from bench.site import PASSWORD, add_people, harness_app, migrate, sqlite_url
from bench.web import Browser, app_environment, flask, gunicorn, new_secret_key

MODULE_PAGE_GOAL = 0.5
CONNECTIONS = 8
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)|Socket errors:.*timeout (\d+)")


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    bad_responses: int


def wrk(url: str, seconds: float, cookie: str | None = None) -> Load:
    command = ["wrk", "--threads", "1", "--connections", str(CONNECTIONS),
               "--duration", f"{seconds}s", "--timeout", "30s", url]  # fmt: skip
    if cookie:
        command[1:1] = ["--header", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = RATE.search(out)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    bad = sum(int(n) for match in BAD.finditer(out) for n in match.groups() if n)
    return Load(float(rate.group(1)), bad)


def run(workdir: Path, *, seconds: float, rounds: int, learners: int) -> list[Figure]:
    secret = new_secret_key()
    url = sqlite_url(workdir, "pages.sqlite3")
    env = app_environment(url, secret)
    migrate(url, secret)
    flask(env, "seed-demo", "--learners", str(learners))
    people = add_people(harness_app(url, secret))
    pages = [
        ("module page", people.learner, people.module_page),
        ("pathway overview", people.learner, people.overview_page),
        ("test question page", people.learner, people.test_page),
        ("coordinator dashboard", people.coordinator, people.dashboard_page),
    ]
    figures: list[Figure] = []
    with gunicorn("courseapp:create_app()", env) as app_url:
        browsers = {}
        for email in (people.learner, people.coordinator):
            browsers[email] = Browser(app_url)
            browsers[email].sign_in(email, PASSWORD)
        module_page = browsers[people.learner].get(people.module_page)
        body = workdir / "module-page.html"
        body.write_bytes(module_page.body)
        bare_env = env | {"BENCH_BARE_BODY": str(body)}
        with (
            gunicorn("bench.bare:app", bare_env, ready_path="/") as bare_url,
            gunicorn("bench.bare:flask_app", bare_env, ready_path="/") as flask_url,
        ):
            bare, floor = [], []
            for _ in range(rounds):
                bare.append(wrk(f"{bare_url}/", seconds))
                floor.append(wrk(f"{flask_url}/", seconds))
            figures += _figures("the same bytes from one Flask route", bare, floor)
            for name, email, path in pages:
                browser = browsers[email]
                _expect_page(browser, path)
                bare, app = [], []
                for _ in range(rounds):
                    bare.append(wrk(f"{bare_url}/", seconds))
                    app.append(wrk(f"{app_url}{path}", seconds, browser.cookie_header()))
                _expect_page(browser, path)  # still signed in: every request was the page
                figures += _figures(name, bare, app)
    figures.append(Figure("module page size", len(module_page.body), "bytes"))
    return figures


def _expect_page(browser: Browser, path: str) -> None:
    reply = browser.get(path)
    if reply.status != 200:
        raise RuntimeError(f"{path} gave {reply.status}, not the page")


def _figures(name: str, bare: list[Load], app: list[Load]) -> list[Figure]:
    bare_rate = statistics.median(load.requests_per_second for load in bare)
    app_rate = statistics.median(load.requests_per_second for load in app)
    ratio = app_rate / bare_rate
    bad = sum(load.bad_responses for load in [*bare, *app])
    goal = MODULE_PAGE_GOAL if name == "module page" else None
    note = f"{bad} responses were not 2xx/3xx or timed out" if bad else ""
    return [
        Figure(f"{name}: app", round(app_rate, 1), "requests/s", note=note),
        Figure(f"{name}: bare app, same run", round(bare_rate, 1), "requests/s"),
        Figure(f"{name}: app / bare", round(ratio, 3), "ratio",
               f">= {MODULE_PAGE_GOAL}" if goal else None,
               goal_at_least(ratio, goal) if goal else None),
    ]  # fmt: skip
