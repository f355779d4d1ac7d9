"""Running the app (and a bare WSGI app) under gunicorn as in production, and a small
HTTP client that keeps cookies and sends CSRF tokens, as a browser does."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, secret_key: str) -> dict[str, str]:
    """The production config, on this database. Two changes, both outside anything
    measured: every simulated person signs in from 127.0.0.1, so the per-address limit
    is raised; and passwords are hashed cheaply, so that signing in fifty people does
    not dominate the set-up (no measured request hashes a password)."""
    return os.environ | {
        "COURSEAPP_ENV": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "8192",
        "ARGON2_PARALLELISM": "1",
    }


def new_secret_key() -> str:
    return secrets.token_hex(32)


def flask(env: dict[str, str], *args: str) -> str:
    """Run a `flask --app courseapp` command; its output, or an error with it."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "courseapp", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def gunicorn(app: str, env: dict[str, str], ready_path: str = "/healthz") -> Iterator[str]:
    """Serve a WSGI app under gunicorn (sync workers, as the Dockerfile does) on a free
    port; yields its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn for {app} stopped with code {process.returncode}")
            try:
                if Browser(url).get(ready_path).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {app} did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path

    def csrf_token(self) -> str:
        match = TOKEN.search(self.text)
        if match is None:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)


@dataclass
class Browser:
    """One person's browser: a new connection a request (gunicorn's sync workers close
    each one), the cookies the site sets sent back."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 120

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
        parts = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        headers_out = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, headers_out, data, seconds)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: list[tuple[str, str]], token_from: Reply) -> Reply:
        """Post a form with the CSRF token of the page it was on."""
        return self.request("POST", path, [*form, ("csrf_token", token_from.csrf_token())])

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/login")
        reply = self.post("/login", [("email", email), ("password", password)], page)
        if reply.status != 302:
            raise RuntimeError(f"signing in as {email} gave {reply.status}")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())
