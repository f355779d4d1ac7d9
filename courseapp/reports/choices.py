"""Which answers the learners in a report chose to one question, before and after the
course: each option's share of the learners who took the form in that phase. The
counts are kept with the answers (summaries.py); `picked` says what one answer counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from courseapp.assessment.models import Answer, Phase
from courseapp.catalogue.items import (
    SCHEMES,
    ChoiceItem,
    ClassificationItem,
    ItemBase,
    MultipleItem,
    TrueFalseItem,
)
from courseapp.extensions import db
from courseapp.reports.data import Filters, chosen_attempts


class Totals(Protocol):
    def get(self, kind: str, form: str = "", phase: str = "", subject: str = "",
            detail: str = "") -> tuple[int, float, float, float]: ...  # fmt: skip


@dataclass(frozen=True)
class Choice:
    label: str
    correct: bool  # the answer the learner-facing key gives as right
    pre: int  # how many chose it
    post: int


@dataclass(frozen=True)
class ItemChoices:
    takers: dict[Phase, int]  # learners in the report who took the form, per phase
    choices: list[Choice]

    def share(self, count: int, phase: Phase) -> float | None:
        n = self.takers.get(phase, 0)
        return count / n if n else None


def picked(item: ItemBase, answer) -> list[str]:
    """The keys of the choices one answer made (see _options)."""
    if answer is None:
        return []
    if isinstance(item, ClassificationItem):
        placed = answer if isinstance(answer, dict) else {}
        return [f"{sid}={placed[sid]}" for sid in placed]
    if isinstance(item, MultipleItem):
        return [str(option) for option in answer] if isinstance(answer, list) else []
    return [json.dumps(answer) if isinstance(item, TrueFalseItem) else str(answer)]


def _options(item: ItemBase) -> list[tuple[str, str, bool]]:
    """(key, label, right) for every choice a learner could make."""
    if isinstance(item, ClassificationItem):
        names = SCHEMES[item.scheme]
        return [
            (f"{s.id}={category}", f"{s.text}: {name}", category == s.answer)
            for s in item.statements
            for category, name in names.items()
        ]
    if isinstance(item, TrueFalseItem):
        return [("true", "True", item.correct is True), ("false", "False", item.correct is False)]
    if isinstance(item, ChoiceItem):
        right = set(item.correct) if isinstance(item.correct, list) else {item.correct}
        return [(o.id, o.text, o.id in right) for o in item.options]
    return []


def item_choices(found: Totals, form_id: str, item: ItemBase) -> ItemChoices:
    """How many of the report's learners chose each option of the item on this form, at
    each phase (over the attempts the other reports use), from the report's totals."""
    takers = {phase: found.get("takers", form_id, phase.value)[0] for phase in Phase}
    choices = [
        Choice(label, right, *(found.get("option", form_id, phase.value, item.id, key)[0]
                               for phase in (Phase.PRE, Phase.POST)))
        for key, label, right in _options(item)
    ]  # fmt: skip
    return ItemChoices({phase: n for phase, n in takers.items() if n}, choices)


def chosen_labels(item: ItemBase, answer) -> list[str]:
    """The choices one answer made, named as the question's page names them."""
    labels = {key: label for key, label, _ in _options(item)}
    return [labels.get(key, key) for key in picked(item, answer)]


def answers(filters: Filters) -> dict[tuple[int, str], tuple[object, float | None]]:
    """Every answer in the attempts the reports use, by (attempt id, item id): the answer
    as stored and its mark, 0..1. One query; only the item responses export loads
    answers one by one."""
    rows = db.session.execute(
        sa.select(Answer.attempt_id, Answer.item_id, Answer.response, Answer.score).where(
            Answer.attempt_id.in_(chosen_attempts(filters))
        )
    )
    return {(attempt, item): (response, score) for attempt, item, response, score in rows}
