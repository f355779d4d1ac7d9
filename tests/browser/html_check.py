"""The Nu HTML checker (vnu.jar from the npm package vnu-jar, in the project's
devDependencies; it needs Java) run over pages a browser test has visited.

Collect a page with `pages.add(page, name)` (its HTML as the browser has it), then
`pages.assert_valid()` once at the end of the test: one Java run checks them all,
and the test fails with each error, its page and its line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.conftest import IN_CI

PROJECT = Path(__file__).resolve().parents[2]
JAR = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


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
        errors = validate(list(self.files))
        problems = [
            f"- {self.files.get(Path(e['url'].removeprefix('file:')), e['url'])} "
            f"line {e.get('lastLine', '?')}: {e['message']}"
            for e in errors
        ]
        if problems:
            pytest.fail(
                f"{len(problems)} HTML error(s) from the Nu checker:\n" + "\n".join(problems),
                pytrace=False,
            )
