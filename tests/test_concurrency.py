"""Fifty learners taking tests at the same moment, on SQLite (a file) and PostgreSQL.

Each learner has their own browser (a test client) in their own thread; a barrier
releases them together. They start a pre- or post-test, answer every page (some
pages saved first by autosave, some answers changed or cleared later), and submit,
some with a double click. Nothing may fail, be lost, be kept twice or be marked twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from courseapp.assessment import attempts
from courseapp.assessment.models import Answer, Certificate, Phase, TestAttempt
from courseapp.catalogue.items import SCHEMES, SelfRating
from courseapp.catalogue.kinds import field_name
from courseapp.extensions import db
from tests.conftest import PASSWORD

LEARNERS = 50


def answers_for(
    entries, rng: random.Random, right: bool, gaps: bool = True
) -> tuple[MultiDict, dict]:
    """Form data for a page and the response each entry should then have stored.
    Right answers fill in everything; otherwise choices are random and some are blank
    (only self-ratings without `gaps`: a pre-test is submitted with every question
    answered)."""
    form, expected = MultiDict(), {}
    for entry in entries:
        may_skip = gaps or isinstance(entry, SelfRating)
        if not right and may_skip and rng.random() < 0.15:
            continue  # left blank
        name = field_name(entry.id)
        if isinstance(entry, SelfRating):
            expected[entry.id] = rng.randint(1, 5)
            form.add(name, str(expected[entry.id]))
        elif entry.kind in ("single", "scenario"):
            expected[entry.id] = entry.correct if right else rng.choice(entry.options).id
            form.add(name, expected[entry.id])
        elif entry.kind == "multiple":
            options = [option.id for option in entry.options]
            chosen = entry.correct if right else rng.sample(options, rng.randint(1, len(options)))
            expected[entry.id] = sorted(chosen)
            for option_id in chosen:
                form.add(name, option_id)
        elif entry.kind == "true-false":
            expected[entry.id] = entry.correct if right else rng.choice([True, False])
            form.add(name, str(expected[entry.id]).lower())
        else:
            categories = list(SCHEMES[entry.scheme])
            placed = {
                s.id: s.answer if right else rng.choice(categories)
                for s in entry.statements
                if right or not gaps or rng.random() < 0.8
            }
            for statement_id, category in placed.items():
                form.add(field_name(entry.id, statement_id), category)
            if placed:
                expected[entry.id] = placed
    return form, expected


@dataclass
class Learner:
    email: str
    pathway: str
    phase: Phase
    right: bool  # answers everything right (a post-test then earns a certificate)
    double_click: bool
    rng: random.Random
    attempt_id: int | None = None
    expected: dict[str, object] = field(default_factory=dict)
    statuses: list[tuple[str, int]] = field(default_factory=list)


def _post(client: FlaskClient, learner: Learner, what: str, url: str, **kwargs) -> None:
    learner.statuses.append((what, client.post(url, **kwargs).status_code))


def at_once(*actions: Callable[[], None]) -> None:
    """Run the actions in threads of their own, released together (a double click, or
    an autosave still on its way when the learner presses Continue)."""
    barrier, failures = threading.Barrier(len(actions)), []

    def run(action: Callable[[], None]) -> None:
        try:
            barrier.wait()
            action()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def take_test(app, learner: Learner, barrier: threading.Barrier) -> None:
    client, twin = app.test_client(), app.test_client()  # twin: the same browser again
    _post(client, learner, "sign in", "/login", data={"email": learner.email, "password": PASSWORD})
    twin.set_cookie("session", client.get_cookie("session").value)
    barrier.wait()
    started = client.post(f"/pathways/{learner.pathway}/tests/{learner.phase.value}")
    learner.statuses.append(("start", started.status_code))
    learner.attempt_id = int(started.headers["Location"].split("/")[2])
    with app.app_context():
        pages = attempts.pages(db.session.get(TestAttempt, learner.attempt_id))
        db.session.remove()
    for number, entries in enumerate(pages, start=1):
        url = f"/attempts/{learner.attempt_id}/pages/{number}"
        gaps = learner.phase is not Phase.PRE
        final, expected = answers_for(entries, learner.rng, learner.right, gaps)
        learner.expected |= expected
        autosave = {"headers": {"X-Autosave": "1"}}
        how = learner.rng.random()
        if how < 0.25:  # an autosaved draft, changed or cleared before moving on
            draft = answers_for(entries, learner.rng, False, gaps)[0]
            _post(client, learner, "autosave", url, data=draft, **autosave)
            _post(client, learner, "page", url, data=final)
        elif how < 0.45:  # autosaved, and never posted again
            _post(client, learner, "autosave", url, data=final, **autosave)
        elif how < 0.65:  # the autosave and Continue arrive together
            at_once(
                partial(_post, twin, learner, "autosave", url, data=final, **autosave),
                partial(_post, client, learner, "page", url, data=final),
            )
        else:
            _post(client, learner, "page", url, data=final)
    submit = f"/attempts/{learner.attempt_id}/submit"
    # Some answers are blank (self-ratings only, on a pre-test): the box is ticked to
    # confirm.
    sure = {"data": {"confirm_unanswered": "y"}}
    if learner.double_click:
        at_once(
            partial(_post, client, learner, "submit", submit, **sure),
            partial(_post, twin, learner, "submit", submit, **sure),
        )
    else:
        _post(client, learner, "submit", submit, **sure)


EXPECTED_STATUS = {
    "sign in": {302},
    "start": {302},
    "autosave": {204},
    "page": {302},
    "submit": {303},
}


@pytest.fixture
def learners(any_db_app, make_learner) -> list[Learner]:
    made = []
    for n in range(LEARNERS):
        phase = Phase.POST if n % 2 else Phase.PRE
        pathway = "briefing" if n % 5 == 0 else "core"
        user = make_learner(
            pathway=pathway, pre_test=phase is Phase.POST, modules=phase is Phase.POST
        )
        made.append(
            Learner(
                user.email,
                pathway,
                phase,
                right=n % 4 == 1,
                double_click=n % 3 == 0,
                rng=random.Random(n),
            )
        )
    db.session.commit()  # end the test's own transaction: the learners write now
    return made


def run_together(app, learners: list[Learner]) -> float:
    """Release every learner at once; return the seconds until the last has finished."""
    barrier, failures = threading.Barrier(len(learners) + 1), []

    def run(learner: Learner) -> None:
        try:
            take_test(app, learner, barrier)
        except BaseException as error:  # reported below, with the learner
            failures.append((learner.email, repr(error)))
            barrier.abort()

    threads = [threading.Thread(target=run, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    assert failures == []
    return time.perf_counter() - began


def test_fifty_learners_take_tests_at_once(any_db_app, learners, monkeypatch):
    real_submit, submitted = attempts.submit, []

    def counting_submit(attempt, pass_mark):
        won = real_submit(attempt, pass_mark)
        submitted.append((attempt.id, won))
        return won

    monkeypatch.setattr(attempts, "submit", counting_submit)
    wall = run_together(any_db_app, learners)

    requests = [(learner.email, *request) for learner in learners for request in learner.statuses]
    assert [r for r in requests if r[2] not in EXPECTED_STATUS[r[1]]] == []
    ids = [learner.attempt_id for learner in learners]
    assert len(set(ids)) == LEARNERS
    assert len(submitted) == LEARNERS + sum(learner.double_click for learner in learners)
    assert Counter(i for i, won in submitted if won) == Counter(ids)  # each marked once

    rows = db.session.execute(
        sa.select(Answer.attempt_id, Answer.item_id, Answer.response, Answer.score)
    ).all()
    stored = {(attempt_id, item_id): response for attempt_id, item_id, response, _ in rows}
    assert len(rows) == len(stored)  # one row per attempt and item
    assert stored == {  # nothing lost, nothing changed
        (learner.attempt_id, item_id): response
        for learner in learners
        for item_id, response in learner.expected.items()
    }

    marks = {(attempt_id, item_id): score for attempt_id, item_id, _, score in rows}
    for attempt in db.session.scalars(sa.select(TestAttempt).where(TestAttempt.id.in_(ids))):
        test = attempts.test_of(attempt)
        items = [marks[attempt.id, i.id] for i in test.items if (attempt.id, i.id) in marks]
        ratings = [marks.get((attempt.id, rating.id)) for rating in test.ratings]
        assert attempt.submitted_at is not None and attempt.score is not None
        assert None not in items and set(ratings) <= {None}
        assert attempt.score == pytest.approx(sum(items) / len(test.items))

    passed = db.session.scalars(
        sa.select(TestAttempt.user_id).where(TestAttempt.id.in_(ids), TestAttempt.passed)
    ).all()
    assert len(passed) >= sum(learner.right and learner.phase is Phase.POST for learner in learners)
    holders = db.session.scalars(sa.select(Certificate.user_id)).all()
    assert sorted(holders) == sorted(passed)  # one each, none twice

    autosaves = sum(what == "autosave" for _, what, _ in requests)
    print(
        f"\n{db.engine.dialect.name}: {LEARNERS} learners, {len(requests)} requests "
        f"({autosaves} autosaves, {len(submitted)} submissions), "
        f"{len(rows)} answers stored, {wall:.1f} s"
    )
