"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The app runs on a real port with CSRF switched on, so the browser exercises the
same forms, cookies, Content-Security-Policy and JavaScript that people get.
Every page a test looks at can be checked with axe and is kept as a screenshot
in test-results/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

from courseapp.extensions import db
from tests.conftest import IN_CI, build_app, sqlite_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def require_chromium() -> None:
    """No Chromium: skip on a laptop, but fail in CI, where a skip would hide a broken job."""
    if CHROMIUM.exists():
        return
    message = f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    require_chromium: None, browser_type_launch_args: dict[str, Any]
) -> dict[str, Any]:
    """pytest-playwright's launch options, on the system Chromium (no browser downloads)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    """The same value as pytest-playwright's own base_url fixture.

    pytest-playwright 0.10 defines its fallback base_url as a method on a plugin
    object, which pytest 9 deprecates with a warning that our filterwarnings=error
    turns into an error. Defining it here means that code never runs; nothing else
    changes. Our tests use live_server.url rather than base_url.
    """
    return pytestconfig.getoption("--base-url") or pytestconfig.getini("base_url") or None


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app on a free local port, on its own SQLite database, with real CSRF."""
    app = build_app(sqlite_url(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_axe_violations(page: Page, name: str) -> None:
    """Run axe (its default rule set, none disabled) on the page as it is now; fail with a
    readable list (rule, impact, target selectors) if anything is reported.

    A full-page screenshot is saved first, so a failing page can be looked at.
    """
    screenshot = save_screenshot(page, name)
    results = Axe().run(page)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe violation(s) on {name} ({page.url}), see {screenshot}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = node.get("failureSummary", "").strip().replace("\n", "\n      ")
            lines.append(f"    at {target}\n      {summary}")
    pytest.fail("\n".join(lines), pytrace=False)
