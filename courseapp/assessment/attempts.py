"""Taking a test: starting or resuming an attempt, saving answers as they are given,
submitting exactly once, and marking."""

from __future__ import annotations

import random
import secrets
from contextlib import suppress
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from courseapp.accounts.models import User
from courseapp.assessment import follow_up, grants
from courseapp.assessment.models import HELD_OPEN, PAIRED_PHASES, Answer, Phase, TestAttempt
from courseapp.assessment.renewal import round_start
from courseapp.catalogue import course
from courseapp.catalogue.bank import Test
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import SCALES, ItemBase, SelfRating
from courseapp.catalogue.kinds import Tampered, field_name, kind_of
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.database import upsert
from courseapp.extensions import db

Entry = ItemBase | SelfRating
RATING_VALUES = {str(n) for n in range(1, 6)}
CONFIRM_EMAIL_FIRST = "Confirm your email address before you take a test"


class AttemptError(Exception):
    """The learner cannot start or change this attempt; the message says why."""


def has_tests(pathway: Pathway) -> bool:
    return bool(pathway.definition.test_forms)


def pathway_forms(pathway: Pathway) -> list[Test]:
    """The pathway's two forms, A then B."""
    return [course().bank.tests[form_id] for form_id in pathway.definition.test_forms]


def form_id_for(order: int, forms: list[str], phase: Phase, number: int) -> str:
    """The form of a learner's attempt: the pre-test is their first form; the first
    post-test is the other one, and each retake alternates, so no post-test repeats
    the form taken just before it."""
    first, second = forms[order], forms[1 - order]
    if phase is Phase.PRE:
        return first
    return second if number % 2 == 1 else first


def test_for(user: User, pathway: Pathway, phase: Phase, number: int = 1) -> Test | None:
    """The form this learner takes for this attempt (number) of the phase; for the
    follow-up test, the items drawn for them (None until they are invited)."""
    if phase is Phase.FOLLOW_UP:
        return follow_up.test_for(user, pathway)
    forms = pathway.definition.test_forms
    if not forms:
        return None
    form_id = form_id_for(content.form_order(user, pathway), forms, phase, number)
    return course().bank.tests.get(form_id)


def next_number(taken: list[TestAttempt]) -> int:
    """The number of the next attempt after these (all the learner's at the phase)."""
    return max((a.number for a in taken), default=0) + 1


def attempts(user: User, pathway: Pathway, phase: Phase) -> list[TestAttempt]:
    values = {"user_id": user.id, "pathway_id": pathway.id, "phase": phase}
    return list(db.session.scalars(_ATTEMPTS, values))


# Built once: a test's start page and a pathway's page read it on every request.
_ATTEMPTS = (
    sa.select(TestAttempt)
    .where(
        TestAttempt.user_id == sa.bindparam("user_id"),
        TestAttempt.pathway_id == sa.bindparam("pathway_id"),
        TestAttempt.phase == sa.bindparam("phase"),
    )
    .order_by(TestAttempt.number)
)


def round_attempts(
    user: User, pathway: Pathway, phase: Phase, taken: list[TestAttempt] | None = None
) -> list[TestAttempt]:
    """The attempts that count against the allowance: post-tests of the learner's
    current round only, after a renewal began (see assessment.renewal). `taken` is all
    their attempts at the phase, if already read."""
    taken = attempts(user, pathway, phase) if taken is None else taken
    since = round_start(user, pathway) if phase is Phase.POST else None
    return [a for a in taken if since is None or a.started_at >= since]


def attempts_allowed(phase: Phase, user: User | None = None, pathway: Pathway | None = None) -> int:
    """How many attempts at the phase: one pre-test; POST_TEST_ATTEMPTS post-tests, and
    for a learner on a pathway any extra ones a coordinator granted; one follow-up."""
    if phase in (Phase.PRE, Phase.FOLLOW_UP):
        return 1
    extra = grants.extra_attempts(user, pathway) if user and pathway else 0
    return grants.base_attempts() + extra


def start_or_resume(
    user: User, pathway: Pathway, phase: Phase, taken: list[TestAttempt] | None = None
) -> TestAttempt:
    """The learner's open attempt, or a new one. Two clicks or two tabs get the same one.
    `taken` is all their attempts at the phase, if already read. Every way into a test
    comes here, so this is where a learner whose address is not confirmed is stopped:
    scores from accounts with made-up addresses would tell a test's answers away."""
    if not has_tests(pathway):
        raise AttemptError("This pathway has no such test")
    if not user.email_confirmed:
        raise AttemptError(CONFIRM_EMAIL_FIRST)
    existing = attempts(user, pathway, phase) if taken is None else taken
    counted = round_attempts(user, pathway, phase, existing)
    open_attempt = next((a for a in counted if not a.submitted), None)
    if open_attempt is not None:
        return open_attempt
    if phase is Phase.POST and any(a.passed for a in counted):  # its feedback shows the
        # answers: a retake would show the other form's too
        raise AttemptError("You have passed this test")
    allowed = attempts_allowed(phase, user, pathway)
    if len(counted) >= allowed:
        raise AttemptError(
            "You have already taken this test"
            if allowed == 1
            else "You have used all your attempts at this test"
        )
    number = next_number(existing)  # after the retention purge: never reuse a number
    test = test_for(user, pathway, phase, number)
    if test is None:
        raise AttemptError("You have not been invited to this test")
    rng = random.Random(secrets.randbits(64))  # noqa: S311 - shuffling options, not secrets
    attempt = TestAttempt(
        user_id=user.id,
        pathway_id=pathway.id,
        test_id=test.id,
        phase=phase,
        number=number,
        item_order=[item.id for item in test.items],
        option_orders={item.id: kind_of(item).option_order(item, rng) for item in test.items},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # another request started it a moment ago
        return next(a for a in attempts(user, pathway, phase) if a.number == attempt.number)
    return attempt


# -- Pages --------------------------------------------------------------------------


def test_of(attempt: TestAttempt) -> Test:
    if attempt.phase is Phase.FOLLOW_UP:
        return follow_up.test_from(attempt.pathway_id, attempt.item_order)
    return course().bank.tests[attempt.test_id]


def pages(attempt: TestAttempt) -> list[list[Entry]]:
    """Self-ratings first, then the items a few to a page, in the attempt's order."""
    test = test_of(attempt)
    size = int(current_app.config["TEST_PAGE_SIZE"])
    items = [test.item(item_id) for item_id in attempt.item_order]
    items = [item for item in items if item is not None]
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return ([list(test.ratings)] if test.ratings else []) + chunks


def saved_answers(attempt: TestAttempt) -> dict[str, object]:
    """{item id: response} of the attempt's answers: read with the attempt if it was
    loaded with its "answers" group (a test page, which then writes none), else now."""
    if "responses" in attempt.__dict__:
        return dict(attempt.responses)
    rows = db.session.execute(_SAVED, {"attempt_id": attempt.id})
    return {item_id: response for item_id, response in rows}


# Built once: every test page reads its answers, and a built statement keeps its cache key.
_SAVED = sa.select(Answer.item_id, Answer.response).where(
    Answer.attempt_id == sa.bindparam("attempt_id")
)


def is_rating(entry: Entry) -> bool:
    return isinstance(entry, SelfRating)


def rating_inputs(rating: SelfRating, answer: object) -> dict:
    return {
        "component": "radios",
        "name": field_name(rating.id),
        "items": [
            {"value": str(n), "text": label, "checked": answer == n}
            for n, label in enumerate(SCALES[rating.scale], start=1)
        ],
    }


def page_inputs(
    attempt: TestAttempt, entries: list[Entry], stash: MultiDict | None
) -> list[tuple[Entry, dict]]:
    """Each entry on a page with what its input needs: the saved answer, or what the
    learner had typed when their session expired (shown again, not yet saved)."""
    answers = saved_answers(attempt)
    if stash is not None:
        with suppress(Tampered):
            answers |= {k: v for k, v in parse_page(entries, stash).items() if v is not None}
    return [
        (
            entry,
            rating_inputs(entry, answers.get(entry.id))
            if is_rating(entry)
            else kind_of(entry).inputs(
                entry, attempt.option_orders.get(entry.id, []), answers.get(entry.id)
            ),
        )
        for entry in entries
    ]


def parse_page(entries: list[Entry], form: MultiDict) -> dict[str, object]:
    """Answers on one page, by entry id (None when left blank). Raises Tampered for any
    field or value the page did not offer."""
    expected = {"csrf_token", "action"}
    parsed: dict[str, object] = {}
    for entry in entries:
        if is_rating(entry):
            name = field_name(entry.id)
            expected.add(name)
            values = form.getlist(name)
            if len(values) > 1 or (values and values[0] not in RATING_VALUES):
                raise Tampered(name)
            parsed[entry.id] = int(values[0]) if values else None
        else:
            kind = kind_of(entry)
            expected |= kind.field_names(entry)
            parsed[entry.id] = kind.parse(entry, form)
    if set(form) - expected:
        raise Tampered(", ".join(sorted(set(form) - expected)))
    return parsed


def hold_open(attempt: TestAttempt) -> None:
    """Note an attempt read with get_own_or_404(..., lock=True) in this transaction as
    held open, if it is open."""
    if not attempt.submitted:
        db.session.info.setdefault(HELD_OPEN, set()).add(attempt.id)


def save_answers(attempt: TestAttempt, parsed: dict[str, object]) -> None:
    """Store what the learner has given so far. A blank removes an earlier answer."""
    if attempt.submitted:
        raise AttemptError("This test has been submitted, so its answers cannot change")
    now = utcnow()
    cleared = [item_id for item_id, value in parsed.items() if value is None]
    if cleared:
        db.session.execute(
            sa.delete(Answer).where(Answer.attempt_id == attempt.id, Answer.item_id.in_(cleared))
        )
    rows = [
        {"attempt_id": attempt.id, "item_id": item_id, "response": value, "saved_at": now}
        for item_id, value in parsed.items()
        if value is not None
    ]
    if rows:
        upsert(
            Answer,
            rows,
            ["attempt_id", "item_id"],
            {"response": "excluded.response", "saved_at": "excluded.saved_at"},
        )


# -- Submission and marks -----------------------------------------------------------


def unanswered(attempt: TestAttempt) -> int:
    """Questions and self-ratings of the attempt not yet answered."""
    answers = saved_answers(attempt)
    return sum(entry.id not in answers for page in pages(attempt) for entry in page)


def needs_confirmation(attempt: TestAttempt) -> bool:
    """A test with questions unanswered is submitted only once the learner says so: each
    is taken once, or scored."""
    return unanswered(attempt) > 0


def questions_to_answer(
    attempt: TestAttempt, answers: dict[str, object] | None = None
) -> list[int]:
    """The numbers, as the pages show them, of the scored questions a pre-test must have
    answered before it is submitted: all of them, whole (every statement of a sorting
    question placed). A pre-test left blank scores nothing where a guess would score
    about a third, so the learner's gain would look larger than it is; a guess shows
    where they start from. Self-ratings may be left blank (they are not scored), and a
    post-test may be submitted with questions unanswered. `answers`: its saved answers,
    if already read."""
    if attempt.phase is not Phase.PRE:
        return []
    answers = saved_answers(attempt) if answers is None else answers
    questions = [e for page in pages(attempt) for e in page if not is_rating(e)]
    return [
        n
        for n, entry in enumerate(questions, start=1)
        if not kind_of(entry).complete(entry, answers.get(entry.id))
    ]


def least_time(attempt: TestAttempt) -> timedelta:
    """The least time a pre- or post-test takes to read: TEST_SECONDS_PER_QUESTION for
    each of its scored questions (none for a follow-up test, or with the rule off)."""
    if attempt.phase not in PAIRED_PHASES:
        return timedelta(0)
    per_question = current_app.config["TEST_SECONDS_PER_QUESTION"]
    return timedelta(seconds=per_question * len(test_of(attempt).items))


def too_fast(attempt: TestAttempt, submitted_at: datetime | None = None) -> bool:
    """Whether the attempt was submitted (or would be, at `submitted_at`, or now if it is
    not yet) sooner than its least time after it was started: quicker than its questions
    can be read. (A learner who leaves a test open and then clicks through the rest is
    not caught.)"""
    submitted_at = submitted_at or attempt.submitted_at or utcnow()
    return submitted_at - attempt.started_at < least_time(attempt)


def pre_test_too_fast(attempt: TestAttempt) -> bool:
    """A pre-test too fast (submitted, or if submitted now) to show where the learner
    started: TestAttempt.too_fast, which the reports leave out."""
    return attempt.phase is Phase.PRE and too_fast(attempt)


def submit_from(attempt: TestAttempt) -> datetime | None:
    """When a post-test that would be too fast now can be submitted, to the next whole
    minute; None if it can be now. (A pre-test can be submitted at any time: one that is
    too fast is left out of the reports instead.)"""
    if attempt.phase is not Phase.POST or attempt.submitted or not too_fast(attempt):
        return None
    earliest = attempt.started_at + least_time(attempt)
    return earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)


def answer_status(entry: Entry, answers: dict[str, object]) -> str:
    """How far a question or self-rating is answered, as the check page shows it."""
    if entry.id not in answers:
        return "Not answered"
    if is_rating(entry) or kind_of(entry).complete(entry, answers[entry.id]):
        return "Answered"
    return "Partly answered"


def submit(attempt: TestAttempt, pass_mark: int) -> bool:
    """Submit and mark the attempt once. Returns False if it was already submitted
    (a double click, a second tab): the first submission stands."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(TestAttempt)
        .where(TestAttempt.id == attempt.id, TestAttempt.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.info.get(HELD_OPEN, set()).discard(attempt.id)  # its answers count now
    if claimed.rowcount != 1:
        db.session.refresh(attempt)
        return False
    set_committed_value(attempt, "submitted_at", now)  # as written, without reading it back
    test = test_of(attempt)
    # Read again now that it is claimed: an answer saved since the page's read counts.
    given = dict(db.session.execute(_SAVED, {"attempt_id": attempt.id}).all())
    marks = {
        item.id: kind_of(item).score(item, given[item.id])
        for item in test.items
        if item.id in given
    }
    if marks:  # one statement for every mark, not an object for each answer
        db.session.execute(
            sa.update(Answer.__table__)
            .where(Answer.attempt_id == attempt.id, Answer.item_id == sa.bindparam("item"))
            .values(score=sa.bindparam("mark")),
            [{"item": item_id, "mark": mark} for item_id, mark in marks.items()],
        )
    attempt.score = sum(marks.values()) / len(test.items)
    if attempt.phase is Phase.POST:
        attempt.passed = attempt.score * 100 >= pass_mark
    attempt.too_fast = pre_test_too_fast(attempt)
    db.session.flush()
    return True
