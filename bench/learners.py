"""Many learners with realistic pauses: the largest number of simulated learners, each
answering a test page every 10 seconds on average, that the app under gunicorn (two
sync workers, production settings, PostgreSQL) serves with a p95 latency of 250 ms or
less and no error.

Each simulated learner arrives at a random moment in the first `ramp` seconds, opens
the pre-test's first page and starts it, then for every page of the test loads it,
pauses (a random think time, exponential with a mean of 10 seconds) and posts their
answers with the page's CSRF token, then checks their answers and submits. A learner's
next request waits for their previous response, as in a browser, but with think times
of seconds the rate of arrivals hardly depends on how fast the server answers: load is
set by the number of learners (about one page view and one answer post per learner per
10 seconds), not by the server's pace.

Learners are new people for every trial, signed in by session cookies made with the
app's own session code (so setting up thousands costs no password hashing). The
number of learners is doubled until a trial misses the goal (or halved until one meets
it, if the first does not), then bisected between the last that met it and the first
that missed. The load generator is one asyncio process
speaking plain HTTP/1.1 over raw sockets (gunicorn's sync workers close every
connection); its own CPU time is measured over each trial and reported, so that a
figure limited by the generator rather than the app would show. So is the CPU time of
the app's gunicorn processes and of PostgreSQL's (read from /proc, on Linux), which
says whether a trial that missed the goal had the machine's cores all in use."""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask, session
from flask_login import login_user

from bench.figures import Figure, goal_at_least, goal_at_most
from bench.site import CONFIRMED, harness_app, migrate
from bench.synthetic import bulk_insert
from bench.web import TOKEN, app_environment, gunicorn, new_secret_key
from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment import attempts as attempts_service
from courseapp.assessment.models import Phase, TestAttempt
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.content.models import Enrolment
from courseapp.demo.answers import Profiles, answer_test, as_form
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector

P95_GOAL_MS = 250
LEARNERS_GOAL = 3000
THINK_SECONDS = 10.0
USER_AGENT = "courseapp-bench-learner"
TIMEOUT = 30.0
ANSWER_SETS = 50
WARM_UP_LEARNERS = 4
WARM_UP_SECONDS = 5.0
STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")

    def token(self) -> str:
        match = TOKEN.search(self.body.decode("utf-8", errors="replace"))
        if match is None:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)


class Client:
    """One learner's browser: plain HTTP/1.1, a new connection a request, cookies kept."""

    def __init__(self, host: str, port: int, cookies: dict[str, str]) -> None:
        self.host, self.port, self.cookies = host, port, cookies

    async def request(self, method: str, path: str, body: str = "") -> Reply:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"User-Agent: {USER_AGENT}\r\nCookie: {cookie}\r\nConnection: close\r\n"
        )
        if method == "POST":
            head += ("Content-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {len(body.encode())}\r\n")  # fmt: skip
        # Plain non-blocking sockets on the event loop: asyncio's streams cost the
        # generator more CPU (12% of a core against 10% at 1,200 learners), which it
        # shares with the app.
        loop = asyncio.get_running_loop()
        with socket.socket() as sock:
            sock.setblocking(False)
            await loop.sock_connect(sock, (self.host, self.port))
            await loop.sock_sendall(sock, (head + "\r\n" + body).encode())
            chunks = []
            while chunk := await loop.sock_recv(sock, 1 << 16):
                chunks.append(chunk)
        data = b"".join(chunks)
        raw_head, _, content_ = data.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        match = STATUS.match(lines[0].encode())
        if match is None:
            raise RuntimeError(f"no HTTP status line: {lines[0][:80]!r}")
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return Reply(int(match.group(1)), headers, content_)


@dataclass
class Trial:
    learners: int
    latencies_ms: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    generator_cpu: float = 0.0  # share of one core the load generator used
    app_cpu: float | None = None  # cores the gunicorn processes used (None: no /proc)
    database_cpu: float | None = None  # cores PostgreSQL's processes used
    seconds: float = 0.0

    @property
    def p95(self) -> float:
        if len(self.latencies_ms) < 2:
            return 0.0
        return statistics.quantiles(self.latencies_ms, n=100)[94]

    @property
    def met(self) -> bool:
        return bool(self.latencies_ms) and not self.errors and self.p95 <= P95_GOAL_MS

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def cores(self) -> str:
        """The CPU the trial used, in cores: app, database and generator."""
        if self.app_cpu is None or self.database_cpu is None:
            return f"generator {self.generator_cpu:.2f} cores"
        return (f"app {self.app_cpu:.2f}, database {self.database_cpu:.2f}, "
                f"generator {self.generator_cpu:.2f} cores")  # fmt: skip


_PROC = Path("/proc")


def _cpu_seconds(server_port: int) -> tuple[float, float] | None:
    """CPU time (user and system) so far of the app's gunicorn processes (those bound
    to this port) and of PostgreSQL's; None where there is no /proc to read."""
    if not (_PROC / "self" / "stat").exists():
        return None
    bind = f"127.0.0.1:{server_port}"
    app = database = 0
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
        if "gunicorn" in command and bind in command:
            app += ticks
        elif name == "postgres":
            database += ticks
    per_second = os.sysconf("SC_CLK_TCK")
    return app / per_second, database / per_second


@dataclass(frozen=True)
class Test:
    start: str  # the test's first page
    forms: list[list[str]]  # per answer set, the encoded answers of each page


def _prepare(app: Flask) -> tuple[int, Test]:
    """An organisation for the simulated learners; the test pages and answers to post."""
    rng = random.Random(7)  # noqa: S311 - repeatable simulated answers
    with app.app_context():
        org = Organisation(name="Many learners", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(org)
        db.session.commit()
        pathway = content.course().pathways["core"]
        test = content.course().bank.tests[pathway.definition.test_forms[0]]
        # Everyone is on form A first; items keep the form's order on every attempt.
        shown = TestAttempt(test_id=test.id, item_order=[item.id for item in test.items])
        page_entries = attempts_service.pages(shown)
        profiles = Profiles.draw(rng, list(test.items), list(test.ratings))
        forms = []
        for _ in range(ANSWER_SETS):
            answers = answer_test(test, profiles, Phase.PRE, rng.gauss(0, 0.8), rng)
            forms.append([urlencode(list(as_form(entries, answers).items(multi=True)))
                          for entries in page_entries])  # fmt: skip
        return org.id, Test(f"/pathways/{pathway.id}/tests/pre", forms)


class _Person:
    """What login_user needs of a user, without loading each one."""

    is_active = True
    is_authenticated = True

    def __init__(self, token: str) -> None:
        self.token = token

    def get_id(self) -> str:
        return self.token


def _new_learners(app: Flask, org_id: int, count: int, first: int) -> list[dict[str, str]]:
    """`count` new learners, enrolled; a signed-in session cookie for each."""
    now = utcnow()
    with app.app_context():
        pathway = content.course().pathways["core"]
        emails = [f"learner{n}@many.example.org" for n in range(first, first + count)]
        bulk_insert(User, ("name", "email", "role", "job_role", "organisation_id",
                           "session_token", "active", "created_at", *CONFIRMED),
                    ((f"Learner {email}", email, Role.LEARNER, JobRole.SOCIAL_WORKER, org_id,
                      f"many-{email}", True, now, *(now for _ in CONFIRMED))
                     for email in emails))  # fmt: skip
        ids = list(db.session.scalars(sa.select(User.id).where(User.email.in_(emails))))
        bulk_insert(Enrolment, ("user_id", "pathway_id", "enrolled_at", "form_order"),
                    ((i, pathway.id, now, 0) for i in ids))  # fmt: skip
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    cookies = []
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context("/", environ_base=environ, headers={"User-Agent": USER_AGENT}):
        for email in emails:
            session.clear()
            login_user(_Person(f"many-{email}"))
            session.permanent = True
            cookies.append({name: serializer.dumps(dict(session))})
    return cookies


async def _learner(client: Client, test: Test, answers: list[str], trial: Trial,
                   rng: random.Random, arrive: float, measure_from: float,
                   stop_at: float, think_seconds: float) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()

    async def call(kind: str, method: str, path: str, expected: int, body: str = "") -> Reply:
        if loop.time() >= stop_at:
            raise _Done
        started = loop.time()
        try:
            reply = await asyncio.wait_for(client.request(method, path, body), TIMEOUT)
        except (OSError, TimeoutError, RuntimeError) as error:
            if started >= measure_from:
                trial.errors.append(f"{kind}: {error!r}")
            raise _Done from error
        if started >= measure_from:
            trial.latencies_ms.append((loop.time() - started) * 1000)
            trial.kinds[kind] = trial.kinds.get(kind, 0) + 1
            if reply.status != expected:
                trial.errors.append(f"{kind} {path}: {reply.status}")
        if reply.status != expected:
            raise _Done
        return reply

    async def think() -> None:
        await asyncio.sleep(rng.expovariate(1 / think_seconds))

    def form(page: Reply, fields: str = "") -> str:
        token = f"csrf_token={quote(page.token(), safe='')}"
        return f"{fields}&{token}" if fields else token

    await asyncio.sleep(max(0.0, arrive - loop.time()))
    try:
        page = await call("page", "GET", test.start, 200)
        await think()
        started = await call("start", "POST", test.start, 302, form(page))
        attempt = urlsplit(started.header("location")).path.rsplit("/pages/", 1)[0]
        for number, fields in enumerate(answers, start=1):
            path = f"{attempt}/pages/{number}"
            page = await call("page", "GET", path, 200)
            await think()
            await call("answers", "POST", path, 302, form(page, f"{fields}&action=continue"))
        check = await call("page", "GET", f"{attempt}/check", 200)
        await think()
        await call("submit", "POST", f"{attempt}/submit", 303, form(check))
        await call("page", "GET", f"{attempt}/results", 200)
    except _Done:
        return


class _Done(Exception):
    """A learner stops: the trial is over, or a request failed (counted as an error)."""


async def _trial(url: str, cookies: list[dict[str, str]], test: Test, *, ramp: float,
                 seconds: float, seed: int, think: float = THINK_SECONDS) -> Trial:  # fmt: skip
    parts = urlsplit(url)
    trial = Trial(len(cookies))
    rng = random.Random(seed)  # noqa: S311 - repeatable arrivals and pauses
    loop = asyncio.get_running_loop()
    begin = loop.time()
    measure_from, stop_at = begin + ramp, begin + ramp + seconds
    pauses = [random.Random(rng.random()) for _ in cookies]  # noqa: S311 - simulated pauses
    tasks = [
        asyncio.create_task(_learner(
            Client(parts.hostname, parts.port, cookie), test, rng.choice(test.forms), trial,
            own, begin + rng.uniform(0, ramp), measure_from, stop_at, think))
        for cookie, own in zip(cookies, pauses, strict=True)
    ]  # fmt: skip
    await asyncio.sleep(ramp)
    cpu_measured, servers_measured = time.process_time(), _cpu_seconds(parts.port)
    await asyncio.sleep(seconds)
    trial.generator_cpu = (time.process_time() - cpu_measured) / seconds
    servers = _cpu_seconds(parts.port)
    if servers is not None and servers_measured is not None:
        trial.app_cpu = (servers[0] - servers_measured[0]) / seconds
        trial.database_cpu = (servers[1] - servers_measured[1]) / seconds
    trial.seconds = seconds
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return trial


def run(database_url: str, *, start: int, most: int, steps: int, ramp: float,
        seconds: float, think: float = THINK_SECONDS) -> list[Figure]:  # fmt: skip
    """Find the largest number of learners that meets the goal, on this database
    (`think`, the mean pause, is shorter only to check the harness quickly)."""
    secret = new_secret_key()
    migrate(database_url, secret)
    env = app_environment(database_url, secret)
    app = harness_app(database_url, secret)
    org_id, test = _prepare(app)
    trials: list[Trial] = []
    with gunicorn("courseapp:create_app()", env) as url:
        # Not measured: both workers load every page of the test once, without pauses.
        made = WARM_UP_LEARNERS
        asyncio.run(_trial(url, _new_learners(app, org_id, made, 0), test, ramp=0,
                           seconds=WARM_UP_SECONDS, seed=-1, think=0.01))  # fmt: skip

        def attempt(count: int) -> Trial:
            nonlocal made
            cookies = _new_learners(app, org_id, count, made)
            made += count
            trial = asyncio.run(_trial(url, cookies, test, ramp=ramp, seconds=seconds, think=think,
                                       seed=len(trials)))  # fmt: skip
            trials.append(trial)
            print(f"  {count} learners: p95 {trial.p95:.0f} ms, {trial.rate:.0f} requests/s, "
                  f"{len(trial.errors)} errors, {trial.cores()}", flush=True)  # fmt: skip
            return trial

        passed, failed = 0, None
        count = start
        while count <= most:  # up from the start while the goal is met
            if attempt(count).met:
                passed, count = count, count * 2
            else:
                failed = count
                break
        while passed == 0 and failed is not None and failed > 1:  # or down, if it is not
            count = failed // 2
            if attempt(count).met:
                passed = count
            else:
                failed = count
        for _ in range(steps if failed else 0):
            middle = (passed + failed) // 2
            if middle <= passed or middle >= failed:
                break
            if attempt(middle).met:
                passed = middle
            else:
                failed = middle
    best = next((t for t in trials if t.learners == passed), None)
    busiest = max(trials, key=lambda t: t.generator_cpu)
    fastest = max(trials, key=lambda t: t.rate)
    in_use = [fastest.app_cpu, fastest.database_cpu, fastest.generator_cpu]
    capped = failed is None
    figures = [
        Figure("learners with 10 s pauses, PostgreSQL: most served within goal", passed,
               "learners", f">= {LEARNERS_GOAL}", goal_at_least(passed, LEARNERS_GOAL),
               note=(f"every trial up to {most} met the goal; not tried beyond" if capped
                     else f"{failed} missed it")),
        Figure("learners with 10 s pauses, PostgreSQL: p95 at that number",
               round(best.p95, 1) if best else None, "ms", f"<= {P95_GOAL_MS}",
               goal_at_most(best.p95, P95_GOAL_MS) if best else None,
               note=_mix(best) if best else "no trial met the goal"),
        Figure("learners with 10 s pauses, PostgreSQL: requests/s at that number",
               round(best.rate, 1) if best else None, "requests/s"),
        Figure("learners with 10 s pauses: load generator CPU, busiest trial",
               round(busiest.generator_cpu, 3), "share of one core",
               note=f"at {busiest.learners} learners, {busiest.rate:.0f} requests/s"),
        Figure("learners with 10 s pauses: CPU in use, busiest trial",
               round(sum(in_use), 2) if None not in in_use else None, f"of {os.cpu_count()} cores",
               note=(f"at {fastest.learners} learners, {fastest.rate:.0f} requests/s: "
                     f"{fastest.cores()}")),
        Figure("learners with 10 s pauses: trials", len(trials), "trials",
               note="; ".join(f"{t.learners}: p95 {t.p95:.0f} ms, {len(t.errors)} errors, "
                              f"{t.cores()}" for t in trials)),
    ]  # fmt: skip
    return figures


def _mix(trial: Trial) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(trial.kinds.items()))
    return f"{len(trial.latencies_ms)} requests in {trial.seconds:.0f} s ({kinds})"
