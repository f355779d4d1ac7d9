"""What a submitted attempt shows: each item's mark and what the learner chose, the
mean mark in each area, the score the learner sees, whether the right answers are
shown, the modules to revisit, and the attempts the reports use."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment.attempts import attempts, saved_answers, test_of
from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.catalogue.course import Module, Pathway
from courseapp.catalogue.items import ItemBase
from courseapp.catalogue.kinds import ReviewRow, kind_of
from courseapp.content import services as content
from courseapp.extensions import db


def item_marks(attempt: TestAttempt) -> dict[str, float | None]:
    rows = db.session.execute(
        sa.select(Answer.item_id, Answer.score).where(Answer.attempt_id == attempt.id)
    )
    return {item_id: score for item_id, score in rows}


def review(attempt: TestAttempt) -> list[tuple[ItemBase, float | None, list[ReviewRow]]]:
    """Each item with its mark and what the learner saw and chose, for the results page."""
    answers, marks = saved_answers(attempt), item_marks(attempt)
    return [
        (
            item,
            marks.get(item.id),
            kind_of(item).review(
                item, attempt.option_orders.get(item.id, []), answers.get(item.id)
            ),
        )
        for item in test_of(attempt).items
    ]


@dataclass(frozen=True)
class TagScore:
    tag: str
    score: float  # 0..1
    items: int


def tag_scores(attempt: TestAttempt) -> dict[str, TagScore]:
    """Mean mark per tag for a submitted attempt (an unanswered item counts 0)."""
    test = test_of(attempt)
    marks = item_marks(attempt)
    by_tag: dict[str, list[float]] = defaultdict(list)
    for item in test.items:
        by_tag[item.tag].append(marks.get(item.id) or 0.0)
    return {tag: TagScore(tag, sum(v) / len(v), len(v)) for tag, v in by_tag.items()}


def shown_percent(attempt: TestAttempt) -> int | None:
    """The score the learner is shown, in whole per cent rounded down (69.7% is not
    shown as the pass mark of 70%); none for a pre-test, whose score is never shown."""
    if attempt.phase is Phase.PRE or attempt.score is None:
        return None
    return math.floor(attempt.score * 100 + 1e-9)


def shows_answers(attempt: TestAttempt) -> bool:
    """Right answers and explanations are shown only after a post-test that passed (a
    pre-test's or a failed post-test's form may be taken again: retakes alternate) and
    after the follow-up test, which comes once the post-test is passed."""
    if attempt.phase is Phase.FOLLOW_UP:
        return True
    return attempt.phase is Phase.POST and bool(attempt.passed)


def modules_to_revisit(
    pathway: Pathway, scores: dict[str, TagScore]
) -> list[tuple[Module, list[str]]]:
    """The pathway's modules that teach an area scored below the pass mark, in course
    order, each with those areas."""
    low = {tag for tag, s in scores.items() if s.score * 100 < pathway.definition.pass_mark}
    found = []
    for module in pathway.modules:
        tags = [tag for tag in module.meta.teaches if tag in low]
        if tags:
            found.append((module, tags))
    return found


def reporting_attempts(
    user: User, pathway: Pathway, too_fast: bool = True
) -> tuple[TestAttempt | None, TestAttempt | None]:
    """What reports use: the first submitted pre-test and the best submitted post-test
    on the other form (reports/data.chosen_attempts does the same in SQL). Without
    `too_fast`, a first pre-test answered too fast, which measures nothing, is none."""
    pre = next((a for a in attempts(user, pathway, Phase.PRE) if a.submitted), None)
    if pre is not None and pre.too_fast and not too_fast:
        pre = None
    forms = pathway.definition.test_forms
    pre_form = forms[content.form_order(user, pathway)] if forms else None
    posts = [
        a for a in attempts(user, pathway, Phase.POST) if a.submitted and a.test_id != pre_form
    ]
    best = max(posts, key=lambda a: (a.score or 0.0, -a.number), default=None)
    return pre, best
