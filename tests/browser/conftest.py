"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The app runs on a real port with CSRF switched on, so the browser exercises the
same forms, cookies, Content-Security-Policy and JavaScript that people get.
Every page type a test looks at is checked with check_page: axe, reflow at 320px
wide (also with text spacing increased), and a screenshot kept in test-screenshots/
for people to look at, with the list of page types checked in
test-screenshots/page-types.txt. Every HTML document the app sends is checked with the
Nu HTML checker (see serve), with the list of page types it checked in
test-screenshots/html-page-types.txt.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask, request_finished
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from werkzeug.serving import WSGIRequestHandler, make_server

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from tests.browser.html_check import CHECKED as HTML_CHECKED
from tests.browser.html_check import DocumentRecorder, HtmlPages
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
# Outside test-results/, which pytest-playwright empties at the start of every run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"
# WCAG 2.2 1.4.10 Reflow: content must fit 320 CSS pixels without scrolling sideways.
REFLOW_WIDTH = 320


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


BODY_KEY = "tests.response_body"


def _keeping_body(app: Flask):
    """The app, noting each response's body in its request's environ."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        environ[BODY_KEY] = body
        return body

    return wsgi


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler, closing the response's body when the browser drops the
    connection (it moved to another page while a static file was on its way): the
    server's own close comes after draining the connection, which then fails too, so
    the file being sent would be left open."""

    def connection_dropped(self, error, environ=None) -> None:
        body = (environ or {}).get(BODY_KEY)
        if hasattr(body, "close"):
            body.close()


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    """Serve an app on a free local port from a background thread. Its BASE_URL is set
    to that address, as a deployment's is to its own, so the links it makes work.

    Every HTML document it sends is recorded by page type, and when serving ends the Nu
    HTML checker checks them: any page type a browser test loads must be valid HTML."""
    server = make_server(
        "127.0.0.1", 0, _keeping_body(app), threaded=True, request_handler=_Handler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    documents = DocumentRecorder()
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    with request_finished.connected_to(documents.record, app):
        thread.start()
        try:
            yield LiveServer(url=url, app=app)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    documents.assert_valid()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app on a free local port, on its own SQLite database, with real CSRF."""
    app = build_app(sqlite_url(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    with serve(app) as server:
        yield server


@pytest.fixture
def html_pages(tmp_path: Path) -> HtmlPages:
    """Pages to check with the Nu HTML checker: `html_pages.add(page, name)` on each,
    then `html_pages.assert_valid()` at the end of the test (see html_check.py)."""
    folder = tmp_path / "html"
    folder.mkdir()
    return HtmlPages(folder)


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        # Chromium now and then gives up waiting for a frame of a long page on a busy
        # machine; the page is no different the second time it is asked.
        if "Unable to capture screenshot" not in str(error):
            raise
        page.screenshot(path=str(path), full_page=True)
    return path


PAGE_TYPES = SCREENSHOTS / "page-types.txt"


@pytest.fixture(scope="session", autouse=True)
def _fresh_page_type_list() -> None:
    PAGE_TYPES.unlink(missing_ok=True)
    HTML_CHECKED.unlink(missing_ok=True)


def _record_page_type(name: str) -> None:
    """Add to the list of page types checked in this run, for people to read."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    listing = PAGE_TYPES
    names = set(listing.read_text().split()) if listing.exists() else set()
    listing.write_text("".join(f"{n}\n" for n in sorted(names | {name})))


# WCAG 2.2 1.4.12 Text spacing: nothing is lost when people set lines 1.5 apart, paragraphs
# 2 font sizes apart, letters 0.12em and words 0.16em (the criterion's own figures).
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


@contextmanager
def text_spacing(page: Page) -> Iterator[None]:
    """The page with the text spacing of WCAG 1.4.12 applied, as a reader's own style
    sheet would apply it (a constructed style sheet, which the page's
    Content-Security-Policy does not stop), and removed again afterwards."""
    page.evaluate(
        """css => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
                    window.appTextSpacing = sheet;
                    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }""",
        TEXT_SPACING,
    )
    try:
        yield
    finally:
        page.evaluate(
            """() => { document.adoptedStyleSheets = document.adoptedStyleSheets.filter(
                         s => s !== window.appTextSpacing); }"""
        )


def horizontal_overflow(
    page: Page, name: str, width: int = REFLOW_WIDTH, *, spaced: bool = False
) -> int:
    """How many CSS pixels the page scrolls sideways at this width (0: it reflows), with
    the text spacing of WCAG 1.4.12 if `spaced`. When it does scroll, a screenshot at
    that width is kept beside the others."""
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        with text_spacing(page) if spaced else nullcontext():
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                save_screenshot(page, f"{name}-{width}px{'-spaced' if spaced else ''}")
        return overflow
    finally:
        if original:
            page.set_viewport_size(original)


def check_page(page: Page, name: str) -> None:
    """Check one page type as it is now: a full-page screenshot is kept; axe (its default
    rule set, none disabled) must report nothing; and at 320 CSS px wide the page must
    reflow with no horizontal scrolling (WCAG 2.2, 1.4.10), also with text spacing
    increased (1.4.12). Fails with a readable list
    (rule, impact, target selectors) of anything axe reports."""
    page.wait_for_load_state()  # a page just navigated to has finished loading
    screenshot = save_screenshot(page, name)
    _record_page_type(name)
    results = Axe().run(page)
    violations = results.response["violations"]
    problems = []
    if violations:
        problems.append(f"{len(violations)} axe violation(s) on {name} ({page.url}):")
    for violation in violations:
        problems.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = node.get("failureSummary", "").strip().replace("\n", "\n      ")
            problems.append(f"    at {target}\n      {summary}")
    overflow = horizontal_overflow(page, name)
    if overflow > 0:
        problems.append(
            f"{name} ({page.url}) scrolls {overflow}px sideways at {REFLOW_WIDTH}px wide"
        )
    overflow = horizontal_overflow(page, name, spaced=True)
    if overflow > 0:
        problems.append(
            f"{name} ({page.url}) scrolls {overflow}px sideways at {REFLOW_WIDTH}px wide "
            "with text spacing increased (WCAG 2.2, 1.4.12)"
        )
    if problems:
        pytest.fail("\n".join([*problems, f"see {screenshot}"]), pytrace=False)


def heading(page: Page, text: str, level: int = 1) -> Locator:
    return page.get_by_role("heading", level=level, name=text, exact=True)


def sign_in(page: Page, email: str, password: str) -> None:
    """Fill in and send the sign-in form on the current page."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def task_list(page: Page, heading_text: str) -> Locator:
    """The GOV.UK task list that follows a level 2 heading."""
    return page.locator(f"h2:text-is('{heading_text}') + ul.govuk-task-list")


def enrol_learner(
    live_server: LiveServer,
    *,
    organisation: str,
    sector: Sector,
    name: str,
    email: str,
    password: str,
    job_role: JobRole,
    pathway_id: str,
) -> User:
    """An organisation and a learner in it, enrolled on a pathway, in the live app's
    database. Call inside an app context of live_server.app; the caller commits."""
    org = Organisation(name=organisation, sector=sector)
    learner = User(
        name=name,
        email=email,
        password_hash=hash_password(password),
        role=Role.LEARNER,
        job_role=job_role,
        organisation=org,
        email_confirmed_at=utcnow(),
    )
    db.session.add_all([org, learner])
    db.session.flush()
    enrol(learner, course().pathways[pathway_id])
    return learner
