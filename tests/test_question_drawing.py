"""Test questions drawn from kept pieces of their HTML (assessment/drawing.py): the same
HTML as the GOV.UK macros give, and only the learner's own answers shown."""

from __future__ import annotations

import random
import re
import threading

import sqlalchemy as sa
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from courseapp.assessment import attempts
from courseapp.assessment.drawing import Questions
from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.kinds import field_name, kind_of
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.forms import STASH_KEY
from courseapp.reports import versions
from courseapp.reports.models import LearnerSummary
from tests.conftest import login, right_answers


def _answers(entry, rng: random.Random) -> list[object]:
    """No answer, and a few answers the learner could have given."""
    if attempts.is_rating(entry):
        return [None, 1, rng.randint(2, 5)]
    if entry.kind == "true-false":
        return [None, True, False]
    if entry.kind == "classification":
        return [None, {s.id: s.answer for s in entry.statements}]
    options = [o.id for o in entry.options]
    if entry.kind == "multiple":
        return [None, rng.sample(options, rng.randint(1, len(options)))]
    return [None, rng.choice(options)]


def test_every_question_is_drawn_as_the_macro_draws_it(app):
    rng = random.Random(3)
    macro = app.jinja_env.get_template("assessment/_input.html").module.question
    questions = Questions(app.jinja_env)
    with app.test_request_context():
        for test in course().bank.tests.values():
            for number, entry in enumerate([*test.ratings, *test.items], start=1):
                legend = f"{number}. <{entry.id}> & “{entry.id}”"
                for _ in range(3):
                    order = kind_of(entry).option_order(entry, rng) if entry in test.items else []
                    for answer in _answers(entry, rng):
                        question = (
                            attempts.rating_inputs(entry, answer)
                            if attempts.is_rating(entry)
                            else kind_of(entry).inputs(entry, order, answer)
                        )
                        assert questions.draw(question, legend) == macro(question, legend)


def _post_test(user) -> TestAttempt:
    return db.session.scalar(
        sa.select(TestAttempt).where(
            TestAttempt.user_id == user.id, TestAttempt.phase == Phase.POST
        )
    )


def _page_of(client, attempt, entry) -> str:
    number = next(n for n, page in enumerate(attempts.pages(attempt), 1) if entry in page)
    return client.get(f"/attempts/{attempt.id}/pages/{number}").get_data(as_text=True)


def _checked(page: str) -> set[tuple[str, str]]:
    return set(
        re.findall(r'name="([^"]+)" type="(?:radio|checkbox)" value="([^"]+)" checked', page)
    )


def _steady(page: str) -> str:
    """The page without what changes on every request: script nonces and CSRF tokens."""
    page = re.sub(r'nonce="[^"]*"', "", page)
    return re.sub(r'(csrf_token[^>]*value=)"[^"]*"', r"\1", page)


def _selected(page: str) -> set[tuple[str, str]]:
    return {
        (name, value)
        for name, options in re.findall(
            r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S
        )
        for value in re.findall(r'<option value="([^"]+)" selected', options)
    }


def test_a_saved_answer_is_shown_to_its_learner_only(app, client, make_learner):
    first, second = make_learner(modules=True), make_learner(modules=True)
    db.session.execute(sa.update(Enrolment).values(form_order=0))  # both on the same form
    db.session.commit()
    login(client, first)
    client.post("/pathways/core/tests/post")
    mine = _post_test(first)
    entries = attempts.pages(mine)[1]
    single = next(e for e in entries if getattr(e, "kind", "") in ("single", "scenario"))
    wrong = next(o.id for o in single.options if o.id != single.correct)
    before = _page_of(client, mine, single)
    assert not _checked(before)
    client.post(f"/attempts/{mine.id}/pages/2", data={field_name(single.id): wrong})
    shown = _page_of(client, mine, single)
    assert _checked(shown) == {(field_name(single.id), wrong)}
    # The page is the same as before but for that one answer.
    unchecked = shown.replace(f'value="{wrong}" checked', f'value="{wrong}"')
    assert _steady(unchecked) == _steady(before)

    other = app.test_client()
    login(other, second)
    other.post("/pathways/core/tests/post")
    theirs = _post_test(second)
    assert not _checked(_page_of(other, theirs, single))
    other.post(f"/attempts/{theirs.id}/pages/2", data=right_answers(None, [single]))
    assert _checked(_page_of(other, theirs, single)) == {(field_name(single.id), single.correct)}
    assert _checked(_page_of(client, mine, single)) == {(field_name(single.id), wrong)}


def test_answers_kept_from_an_expired_session_are_shown_again(client, make_learner):
    """What a learner had given when their session expired comes back on the page
    (chosen, not yet saved), once."""
    login(client, make_learner(modules=True))
    client.post("/pathways/core/tests/post")
    attempt = db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.POST))
    entries = attempts.pages(attempt)[1]
    given = right_answers(None, entries)
    path = f"/attempts/{attempt.id}/pages/2"
    with client.session_transaction() as session:
        session[STASH_KEY] = {"path": path, "data": list(given.items(multi=True))}
    shown = client.get(path).get_data(as_text=True)
    assert _checked(shown) | _selected(shown) == set(given.items(multi=True))
    assert attempts.saved_answers(attempt) == {}
    again = client.get(path).get_data(as_text=True)
    assert not _checked(again) and not _selected(again)


def test_a_page_shows_the_answers_saved_on_either_database(any_db_app, make_learner):
    """The answers a page shows come from the statement that loads its attempt: none
    before any is saved, then what was saved, then what is left once all but one are
    cleared; on SQLite and PostgreSQL, whose JSON functions differ."""
    client = any_db_app.test_client()
    user = make_learner(modules=True)
    login(client, user)
    client.post("/pathways/core/tests/post")
    attempt = _post_test(user)
    path = f"/attempts/{attempt.id}/pages/2"
    entries = attempts.pages(attempt)[1]
    shown = client.get(path).get_data(as_text=True)
    assert not _checked(shown) and not _selected(shown)
    every = right_answers(None, entries)
    first = next(iter(every))
    for given in (every, MultiDict([(first, value) for value in every.getlist(first)])):
        assert client.post(path, data=given).status_code == 302
        shown = client.get(path).get_data(as_text=True)
        assert _checked(shown) | _selected(shown) == set(given.items(multi=True))


def test_a_submission_waits_for_an_answer_save_under_way(any_db_app, make_learner):
    """An answer save locks its attempt as it reads it, so a submission that comes while
    the save is under way waits for it and marks what it saved: answers never land in
    an attempt already marked. On SQLite and PostgreSQL."""
    user = make_learner(modules=True)
    saver, submitter = any_db_app.test_client(), any_db_app.test_client()
    login(saver, user)
    login(submitter, user)
    saver.post("/pathways/core/tests/post")
    attempt = _post_test(user)
    path, submit = f"/attempts/{attempt.id}/pages/2", f"/attempts/{attempt.id}/submit"
    entries = attempts.pages(attempt)[1]
    given = right_answers(None, entries)
    db.session.commit()  # the requests write now, each in its own transaction
    statuses: dict[str, int] = {}
    saving = threading.Thread(
        target=lambda: statuses.update(save=saver.post(path, data=given).status_code)
    )
    submitting = threading.Thread(
        target=lambda: statuses.update(
            submit=submitter.post(submit, data={"confirm_unanswered": "y"}).status_code
        )
    )
    reached, go_on = threading.Event(), threading.Event()

    def pause_the_save(_conn, _cursor, statement, *_args) -> None:
        if threading.current_thread() is saving and statement.startswith("INSERT INTO answers"):
            reached.set()
            go_on.wait(10)

    event.listen(db.engine, "before_cursor_execute", pause_the_save)
    try:
        saving.start()
        assert reached.wait(10), "the answer save did not reach its insert"
        submitting.start()
        submitting.join(1.0)
        assert submitting.is_alive(), "the submission did not wait for the answer save"
        go_on.set()
        saving.join(10)
        submitting.join(10)
    finally:
        go_on.set()
        event.remove(db.engine, "before_cursor_execute", pause_the_save)
    assert statuses == {"save": 302, "submit": 303}
    db.session.expire_all()
    marks = dict(
        db.session.execute(
            sa.select(Answer.item_id, Answer.score).where(Answer.attempt_id == attempt.id)
        ).all()
    )
    assert {entry.id for entry in entries} <= marks.keys()  # the page's answers, all marked
    assert all(marks[entry.id] is not None for entry in entries), marks


def test_a_test_page_and_an_answer_post_take_few_statements(
    client, make_org, make_learner, count_queries
):
    """Loading a page reads the person with the attempt and its saved answers in one
    statement; saving answers reads the person with the attempt (locked), writes the
    answers and makes no report figure stale until the test is submitted, without
    asking at the commit whether the attempt was submitted meanwhile: the lock says."""
    user = make_learner(modules=True, organisation=make_org())
    login(client, user)
    client.post("/pathways/core/tests/post")
    attempt = _post_test(user)
    path = f"/attempts/{attempt.id}/pages/2"
    given = right_answers(None, attempts.pages(attempt)[1])
    version = versions.current([user.organisation_id])
    with count_queries() as page:
        assert client.get(path).status_code == 200
    with count_queries() as post:
        assert client.post(path, data=given).status_code == 302
    assert len(page) == 1, page
    assert len(post) == 2, post
    assert versions.current([user.organisation_id]) == version
    client.post(f"/attempts/{attempt.id}/submit", data={"confirm_unanswered": "y"})
    assert versions.current([user.organisation_id]) > version


def test_another_learners_attempt_page_is_not_found_and_leaves_them_signed_in(
    app, client, make_learner
):
    """The person and the attempt are read in one statement; where the attempt is not
    theirs, the person is still signed in and the page is not found, shown or saved."""
    owner, other = make_learner(modules=True), make_learner(modules=True)
    login(client, owner)
    client.post("/pathways/core/tests/post")
    attempt = _post_test(owner)
    path = f"/attempts/{attempt.id}/pages/2"
    intruder = app.test_client()
    login(intruder, other)
    assert intruder.get(path).status_code == 404
    assert (
        intruder.post(path, data=right_answers(None, attempts.pages(attempt)[1])).status_code == 404
    )
    assert intruder.get("/account").status_code == 200  # still signed in
    assert attempts.saved_answers(attempt) == {}


def _share(user) -> list:
    return db.session.execute(
        sa.select(LearnerSummary.pathway_id, LearnerSummary.figures)
        .where(LearnerSummary.user_id == user.id)
        .order_by(LearnerSummary.pathway_id)
    ).all()  # fmt: skip


def test_starting_a_test_changes_no_report_figure(client, make_org, make_learner, count_queries):
    """An open attempt is in no report until it is submitted: starting one leaves the
    learner's share of the summaries and the report version alone (and so costs no
    refresh); submitting it changes both."""
    user = make_learner(modules=True, organisation=make_org())
    login(client, user)
    version, share = versions.current([user.organisation_id]), _share(user)
    with count_queries() as start:
        assert client.post("/pathways/core/tests/post").status_code == 302
    assert _post_test(user) is not None
    assert len(start) <= 13, start
    assert versions.current([user.organisation_id]) == version
    assert _share(user) == share
    client.post(f"/attempts/{_post_test(user).id}/submit", data={"confirm_unanswered": "y"})
    assert versions.current([user.organisation_id]) > version
    assert _share(user) != share


def test_checking_and_submitting_read_the_attempt_with_the_person_and_once(
    client, make_org, make_learner, count_queries
):
    """The check page and the submission read the person with the attempt and its saved
    answers in one statement (the check page then reads the organisation, whose time zone
    its times are in); the submission marks the answers without reading the attempt back
    after claiming it, and looks for no certificate when the test was not passed."""
    user = make_learner(modules=True, organisation=make_org())
    login(client, user)
    client.post("/pathways/core/tests/post")
    attempt_id = _post_test(user).id
    with count_queries() as check:
        assert client.get(f"/attempts/{attempt_id}/check").status_code == 200
    assert len(check) == 2 and "JOIN test_attempts" in check[0], check
    assert "FROM organisations" in check[1], check
    with count_queries() as submit:
        response = client.post(f"/attempts/{attempt_id}/submit", data={"confirm_unanswered": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    submitted = db.session.get(TestAttempt, attempt_id)
    assert submitted.submitted_at is not None and submitted.passed is False
    # What the submission itself runs, before the reports' figures are brought up to date.
    reports = next(n for n, s in enumerate(submit) if "IS NOT NULL" in s or "report_" in s)
    marking = submit[:reports]
    assert "JOIN test_attempts" in marking[0], marking
    assert not any("FROM test_attempts" in s for s in marking[1:]), marking
    assert sum("FROM answers" in s for s in marking[1:]) == 1, marking  # to mark them
    assert not any("certificates" in s or "module_progress" in s for s in marking), marking
