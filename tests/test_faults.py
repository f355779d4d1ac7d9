"""Faults: the database out of reach, failures part way through a write, and sessions
or forms that expire while a learner is typing."""

from __future__ import annotations

import socket
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from courseapp.assessment import attempts, scores
from courseapp.assessment.models import Answer, Certificate, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.kinds import KINDS
from courseapp.content.forms import field_name as question_field
from courseapp.content.models import ModuleProgress
from courseapp.extensions import db
from courseapp.rewording.models import Response
from tests.conftest import (
    PASSWORD,
    build_app,
    count,
    csrf_token_from,
    login,
    right_answers,
)

# -- The database cannot be reached ---------------------------------------------------


def _closed_port() -> int:
    """A port on this machine that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unreachable_url(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/courseapp"


def _assert_unavailable_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert "Sorry, the service is unavailable" in page
    for leak in ("Traceback", "OperationalError", "unable to open", "refused", "psycopg"):
        assert leak not in page, leak


@pytest.fixture
def signed_in_cookie(app, make_user) -> str:
    """A session cookie for a learner, signed with the key every test app shares."""
    client = app.test_client()
    login(client, make_user())
    return client.get_cookie("session").value


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_healthz_and_pages_report_an_unreachable_database(tmp_path, kind, signed_in_cookie):
    app = build_app(_unreachable_url(kind, tmp_path), tmp_path)
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "unreachable"}
    assert client.get("/").status_code == 200  # the start page needs no database
    for response in (
        client.post("/login", data={"email": "a@example.org", "password": "x" * 12}),
        client.get("/register/ABCD2345"),
        client.post("/register", data={"code": "ABCD-2345"}),
        client.get("/certificates/AAAA-BBBB-CCCC"),
    ):
        _assert_unavailable_page(response)
    client.set_cookie("session", signed_in_cookie)  # someone who was signed in
    for response in (client.get("/account"), client.get("/pathways/core")):
        _assert_unavailable_page(response)


# -- A failure part way through a write leaves nothing half done ----------------------
# (A failure part way through confirming a CSV import is in test_cohorts.py.)


def _post_attempt(client) -> TestAttempt:
    client.post("/pathways/core/tests/post")
    return db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST))


def test_a_failure_while_marking_leaves_the_test_unsubmitted(client, make_learner, monkeypatch):
    login(client, make_learner(modules=True))
    attempt = _post_attempt(client)
    for number, entries in enumerate(attempts.pages(attempt), start=1):
        client.post(f"/attempts/{attempt.id}/pages/{number}", data=right_answers(None, entries))
    single = KINDS["single"]
    real_score, marked = single.score, []

    def failing_score(item, answer):
        marked.append(item.id)
        if len(marked) == 3:
            raise RuntimeError("marking failed")
        db.session.flush()  # the marks so far really reach the database first
        return real_score(item, answer)

    monkeypatch.setattr(single, "score", failing_score)
    response = client.post(f"/attempts/{attempt.id}/submit")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    assert len(marked) == 3
    db.session.refresh(attempt)
    assert (attempt.submitted_at, attempt.score, attempt.passed) == (None, None, None)
    assert db.session.scalars(sa.select(Answer.score).where(Answer.score.is_not(None))).all() == []
    assert count(Certificate) == 0
    assert client.get(f"/attempts/{attempt.id}/results").status_code == 302  # still open

    monkeypatch.setattr(single, "score", real_score)
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 303
    db.session.refresh(attempt)
    assert attempt.submitted_at is not None and attempt.score == 1.0 and attempt.passed
    test = attempts.test_of(attempt)
    assert scores.item_marks(attempt) == {item.id: 1.0 for item in test.items} | {
        rating.id: None for rating in test.ratings
    }
    assert count(Certificate) == 1


def test_a_failure_while_keeping_a_rewording_keeps_nothing(client, make_learner):
    user = make_learner()
    login(client, user)
    url = "/practice/let-him-in"
    assert client.post(url, data={"text": "Why did you let him in?"}).status_code == 303

    def fail_after_insert(*_args) -> None:  # the row is written, then something breaks
        raise RuntimeError("the disk is full")

    second = "What happened when he came round last night?"
    event.listen(Response, "after_insert", fail_after_insert)
    try:
        assert client.post(url, data={"text": second}).status_code == 500
    finally:
        event.remove(Response, "after_insert", fail_after_insert)
    kept = db.session.execute(sa.select(Response.version, Response.text)).all()
    assert kept == [(1, "Why did you let him in?")]
    assert client.post(url, data={"text": second}).status_code == 303
    kept = db.session.execute(sa.select(Response.version, Response.text).order_by(Response.id))
    assert kept.all() == [(1, "Why did you let him in?"), (2, second)]


# -- What a learner typed survives an expired session or form -------------------------


class _ChosenValues(HTMLParser):
    """What a page shows as chosen or typed: checked radios and checkboxes, selected
    options (not blank ones) and the text in text areas, as (name, value) pairs."""

    def __init__(self, html: str):
        super().__init__()
        self.chosen: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "input" and "checked" in attributes:
            self.chosen.append((attributes["name"], attributes["value"]))
        elif tag == "select":
            self._select = attributes["name"]
        elif tag == "option" and "selected" in attributes and attributes.get("value"):
            self.chosen.append((self._select, attributes["value"]))
        elif tag == "textarea":
            self._textarea = attributes["name"]
            self.chosen.append((self._textarea, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.chosen.pop()
            self.chosen.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def _chosen(html: str) -> set[tuple[str, str]]:
    return {(name, value.strip()) for name, value in _ChosenValues(html).chosen}


def _sign_in(client, user, login_url: str = "/login") -> tuple[str, str]:
    """Sign in through the form; return the sign-in page and where it then went."""
    page = client.get(login_url).get_data(as_text=True)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)}
    return page, client.post(login_url, data=data).headers["Location"]


def _post_with_a_stale_token(app, user, url: str, data: MultiDict, session_gone: bool) -> str:
    """Post to url with an expired CSRF token, from a browser that is still signed in
    or whose session has ended. Sign in again if asked to; return the page then shown."""
    client = app.test_client()
    if not session_gone:
        _sign_in(client, user)
    data = MultiDict(data)
    data["csrf_token"] = "expired"
    response = client.post(url, data=data, headers={"Origin": "http://localhost"})
    assert response.status_code == 303 and response.headers["Location"] == url
    page = client.get(url)
    told = ""  # where the learner is told that what they typed was kept
    if session_gone:
        assert page.status_code == 302 and page.headers["Location"].startswith("/login")
        told, went_to = _sign_in(client, user, page.headers["Location"])
        assert went_to == url
        page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "We have kept what you typed" in (told or html)
    return html


STALE = pytest.mark.parametrize("session_gone", [True, False], ids=["signed-out", "stale-token"])


@STALE
def test_chosen_test_answers_survive_an_expired_session(csrf_app, make_learner, session_gone):
    user = make_learner(modules=True)
    attempt = attempts.start_or_resume(user, course().pathways["core"], Phase.POST)
    db.session.commit()
    # The page with the most kinds of question: radios, checkboxes and selects.
    number, entries = max(
        enumerate(attempts.pages(attempt), start=1),
        key=lambda page: len({getattr(entry, "kind", "rating") for entry in page[1]}),
    )
    typed = right_answers(None, entries)
    url = f"/attempts/{attempt.id}/pages/{number}"
    page = _post_with_a_stale_token(csrf_app, user, url, typed, session_gone)
    assert _chosen(page) == set(typed.items(multi=True))
    assert attempts.saved_answers(attempt) == {}  # shown again, saved only when sent


@STALE
def test_knowledge_check_answers_survive_an_expired_session(csrf_app, make_learner, session_gone):
    user = make_learner()
    module = course().modules["welcome"]
    check = course().checks[module.meta.knowledge_check]
    typed = MultiDict(
        [
            (question_field(question.id), option.id)
            for question in check.questions
            for option in question.options[: 1 if question.kind == "single" else 2]
        ]
    )
    url = f"/modules/{module.id}/check"
    page = _post_with_a_stale_token(csrf_app, user, url, typed, session_gone)
    assert _chosen(page) == set(typed.items(multi=True))
    completed = sa.select(ModuleProgress.completed_at).where(ModuleProgress.module_id == module.id)
    assert db.session.scalar(completed) is None  # shown again, not yet checked


@STALE
def test_a_typed_rewording_survives_an_expired_session(csrf_app, make_learner, session_gone):
    user = make_learner()
    typed = MultiDict({"text": "What happened when he came round last night? <Tell me>"})
    page = _post_with_a_stale_token(csrf_app, user, "/practice/let-him-in", typed, session_gone)
    assert ("text", typed["text"]) in _chosen(page)
    assert count(Response) == 0
