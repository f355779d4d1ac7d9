"""The Nu HTML checker (vnu.jar from the npm package vnu-jar, in the project's
devDependencies; it needs Java) run over pages a browser test has visited.

Every browser test is covered without asking: the live server keeps a few of each kind
of HTML document it sends (see DocumentRecorder), and checks them in one Java run when
the test ends. A test can also collect a page as the browser has it, after its scripts
have run, with `pages.add(page, name)` and then `pages.assert_valid()` once at the end:
one Java run checks them all, and the test fails with each error, its page and its line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask, Response, request
from playwright.sync_api import Page

from tests.conftest import IN_CI

PROJECT = Path(__file__).resolve().parents[2]
JAR = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The page types checked in this run, for people to read beside the screenshots.
CHECKED = PROJECT / "test-screenshots" / "html-page-types.txt"


def vnu_jar() -> Path | None:
    """The checker: VNU_JAR if set, else the one npm installs for the project."""
    configured = os.environ.get("VNU_JAR")
    jar = Path(configured) if configured else JAR
    return jar if jar.exists() else None


def validate(files: list[Path]) -> list[dict]:
    """The checker's errors (warnings and notes left out) for these HTML files."""
    jar, java = vnu_jar(), shutil.which("java")
    if jar is None or java is None:
        message = "The Nu HTML checker needs Java and vnu-jar (npm ci installs it)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = subprocess.run(
        [java, "-Xss2m", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def failures(errors: list[dict], names: dict[Path, str]) -> list[str]:
    """One line per error: the page it is on (by its name), its line and the message."""
    return [
        f"- {names.get(Path(e['url'].removeprefix('file:')), e['url'])} "
        f"line {e.get('lastLine', '?')}: {e['message']}"
        for e in errors
    ]


class HtmlPages:
    """Pages collected during one test, checked together."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[Path, str] = {}

    def add(self, page: Page, name: str) -> None:
        path = self.folder / f"{len(self.files):02d}-{name}.html"
        path.write_text(page.content(), encoding="utf-8")
        self.files[path] = f"{name} ({page.url})"

    def assert_valid(self) -> None:
        assert self.files, "no pages collected"
        problems = failures(validate(list(self.files)), self.files)
        if problems:
            pytest.fail(
                f"{len(problems)} HTML error(s) from the Nu checker:\n" + "\n".join(problems),
                pytrace=False,
            )


class DocumentRecorder:
    """The HTML documents an app sends while a browser test runs, kept by page type: the
    Flask endpoint with the request's method and the response's status ("reports.gain GET
    200", "accounts.login POST 200" for a form shown again with its errors, "None GET 404").

    A few of each type are kept over the whole test run (PER_TYPE), so a page type every
    journey passes through is not checked again in each of them; `assert_valid` then checks
    the ones this test kept, in one Java run, and fails with each error by page."""

    PER_TYPE = 2
    kept: Counter[str] = Counter()  # page types kept so far in this test run
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.documents: list[tuple[str, str, str]] = []  # (page type, URL, HTML)

    def record(self, app: Flask, response: Response, **_extra: object) -> None:
        """Connected to Flask's request_finished signal; runs in the server's thread."""
        if response.mimetype != "text/html" or response.is_streamed:
            return
        html = response.get_data(as_text=True)
        if not html.strip() or 300 <= response.status_code < 400:
            return  # not a page: an answer saved in the background (204), a redirect
        kind = f"{request.endpoint} {request.method} {response.status_code}"
        with self._lock:
            if self.kept[kind] >= self.PER_TYPE:
                return
            self.kept[kind] += 1
            self.documents.append((kind, request.full_path.rstrip("?"), html))

    def assert_valid(self) -> None:
        if not self.documents:
            return
        CHECKED.parent.mkdir(parents=True, exist_ok=True)
        listed = set(CHECKED.read_text().splitlines()) if CHECKED.exists() else set()
        listed |= {kind for kind, _url, _html in self.documents}
        CHECKED.write_text("".join(f"{kind}\n" for kind in sorted(listed)))
        with tempfile.TemporaryDirectory(prefix="html-") as folder:
            names = {}
            for number, (kind, url, html) in enumerate(self.documents):
                path = Path(folder) / f"{number:03d}.html"
                path.write_text(html, encoding="utf-8")
                names[path] = f"{kind} ({url})"
            problems = failures(validate(list(names)), names)
        if problems:
            pytest.fail(
                f"{len(problems)} HTML error(s) from the Nu checker in the pages this test "
                "loaded:\n" + "\n".join(problems),
                pytrace=False,
            )
