"""`python -m bench.instructions`: the machine instructions one request costs the app,
for each kind of request the many-learners benchmark makes (the test's start page,
starting the test, a test page, saving a page's answers), counted by callgrind.

A time moves with whatever else the machine is doing; an instruction count is the same
run after run, so a change of a few per cent shows. The app runs in one process with
the production settings, on SQLite or PostgreSQL, and is called as a WSGI app (no
server: building each request's environ is counted too, the same for every kind). Each
kind is requested `--warm-up` times unmeasured, then `--requests` times measured, each
time by another learner, all of them on the same form of the test. The data is set up
outside valgrind; only the app and its requests run under it.

Needs valgrind (`apt-get install valgrind`): callgrind_control switches the counting
on and off around each kind's measured requests and writes out its count."""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

from werkzeug.test import EnvironBuilder

from bench import learners
from bench.site import POSTGRES, harness_app, migrate, reset_postgres, sqlite_url
from bench.web import PROJECT_ROOT, TOKEN, app_environment, new_secret_key
from courseapp import create_app

KINDS = ("start page", "start", "test page", "answers")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=100, help="measured, of each kind")
    parser.add_argument("--warm-up", type=int, default=50, help="unmeasured, of each kind")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _requests(json.loads(args.inner.read_text()))
        return 0
    with tempfile.TemporaryDirectory(prefix="courseapp-instructions-") as folder:
        counts = _count(Path(folder), args.database, args.warm_up, args.requests)
    print(f"Instructions per request ({args.database}, {args.requests} requests of each kind "
          f"after {args.warm_up} unmeasured):")  # fmt: skip
    for kind in KINDS:
        print(f"  {kind:<11} {counts[kind] / 1e6:8.3f} million")
    return 0


def _count(work: Path, database: str, warm_up: int, requests: int) -> dict[str, float]:
    if database == "sqlite":
        url = sqlite_url(work, "instructions.sqlite3")
    else:
        url = POSTGRES
        reset_postgres(url)
    secret = new_secret_key()
    migrate(url, secret)
    app = harness_app(url, secret)
    org_id, test = learners._prepare(app)
    setup = work / "setup.json"
    setup.write_text(json.dumps({
        "start": test.start, "answers": test.forms[0][0], "warm_up": warm_up,
        "cookies": learners._new_learners(app, org_id, warm_up + requests, 0),
    }))  # fmt: skip
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={work / 'callgrind.%p'}",
               sys.executable, "-m", "bench.instructions", "--inner", str(setup)]  # fmt: skip
    done = subprocess.run(command, env=app_environment(url, secret), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the requests under callgrind failed:\n{done.stderr[-3000:]}")
    counts = {}
    for dump in work.glob("callgrind.*.*"):  # one file for each kind's dump
        text = dump.read_text(errors="replace")
        kind = re.search(r"^desc: Trigger: .*?dump (.+)$", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if kind and total:
            counts[kind.group(1).replace("-", " ")] = int(total.group(1)) / requests
    if set(counts) != set(KINDS):
        raise RuntimeError(f"callgrind wrote counts for {sorted(counts)}, not for every kind")
    return counts


def _requests(setup: dict) -> None:
    """Under callgrind: the app, and each kind's requests, counted one kind at a time."""
    app = create_app()
    people = [{"cookies": cookies} for cookies in setup["cookies"]]

    def call(person: dict, method: str, path: str, expected: int, body: str = "") -> None:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in person["cookies"].items()),
            "User-Agent": learners.USER_AGENT,
            "Sec-Fetch-Site": "same-origin",
        }
        environ = EnvironBuilder(
            method=method, path=path, data=body or None, headers=headers,
            content_type="application/x-www-form-urlencoded" if body else None,
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).get_environ()  # fmt: skip
        reply = {}

        def start_response(status: str, headers: list, _exc_info=None) -> None:
            reply["status"], reply["headers"] = int(status.split()[0]), headers

        page = b"".join(app(environ, start_response)).decode()
        if reply["status"] != expected:
            raise RuntimeError(f"{method} {path}: {reply['status']}, not {expected}")
        for name, value in reply["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                person["cookies"][key] = rest.split(";", 1)[0]
            elif name.lower() == "location":
                person["location"] = value
        match = TOKEN.search(page)
        if match:
            person["token"] = quote(match.group(1), safe="")

    def start_page(person: dict) -> None:
        call(person, "GET", setup["start"], 200)

    def start(person: dict) -> None:
        call(person, "POST", setup["start"], 302, f"csrf_token={person['token']}")
        person["page"] = urlsplit(person["location"]).path

    def test_page(person: dict) -> None:
        call(person, "GET", person["page"], 200)

    def answers(person: dict) -> None:
        body = f"{setup['answers']}&action=continue&csrf_token={person['token']}"
        call(person, "POST", person["page"], 302, body)

    pid = str(os.getpid())
    warm_up = setup["warm_up"]
    for kind, run in zip(KINDS, (start_page, start, test_page, answers), strict=True):
        for person in people[:warm_up]:
            run(person)
        # A full garbage collection owed since the app was set up (it holds about
        # 220,000 objects) would otherwise fall among one kind's measured requests and
        # add about a third to its count; in a server it comes once in thousands.
        gc.collect()
        subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
        for person in people[warm_up:]:
            run(person)
        subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
        subprocess.run(["callgrind_control", f"--dump={kind.replace(' ', '-')}", pid],
                       check=True, capture_output=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
