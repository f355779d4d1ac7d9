"""How a simulated learner answers a test: each item is right with a probability set
by the learner's ability, the phase, the item's tag and its own difficulty; answers
are posted as form fields so that the test's own parser reads them.

Scores are logits: 0 is a 50% chance of a right answer, 1.5 about 82%.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from courseapp.assessment.models import Phase
from courseapp.catalogue.bank import Test
from courseapp.catalogue.items import (
    SCHEMES,
    ClassificationItem,
    ItemBase,
    MultipleItem,
    SelfRating,
    SingleItem,
    TrueFalseItem,
)
from courseapp.catalogue.kinds import field_name, kind_of

BASE = {Phase.PRE: 0.3, Phase.POST: 2.0}
# Areas that stay weaker after the course, so that the dashboard has something to show.
TAG_SHIFT = {
    "component-5": (-0.2, -1.1),
    "evidence": (-0.3, -1.0),
    "continuum": (-0.3, -0.3),
    "principle-1": (0.4, 0.3),
    "language-and-documentation": (0.1, 0.4),
}
SKIP_CHANCE = 0.02  # an item left blank


def chance(logit: float) -> float:
    return 1 / (1 + math.exp(-logit))


@dataclass(frozen=True)
class Profiles:
    """Per item: how hard it is and how much it separates stronger from weaker
    learners; per self-rating: the mean before and the change after the course."""

    difficulty: dict[str, float]
    weight: dict[str, float]
    rating_pre: dict[str, float]
    rating_change: dict[str, float]

    @classmethod
    def draw(cls, rng: random.Random, items: list[ItemBase], ratings: list[SelfRating]):
        pre, change = {}, {}
        for rating in ratings:
            if rating.blaming:  # agreement with a blaming statement should fall
                pre[rating.id], change[rating.id] = rng.uniform(2.6, 3.4), rng.uniform(-1.4, -0.5)
            else:
                pre[rating.id], change[rating.id] = rng.uniform(2.0, 2.7), rng.uniform(0.9, 1.6)
        return cls(
            {item.id: rng.gauss(0, 0.45) for item in items},
            {item.id: rng.uniform(0.5, 1.2) for item in items},
            pre,
            change,
        )


def item_answer(item: ItemBase, p: float, rng: random.Random) -> object:
    """A raw answer in the item kind's own format, right with probability about p."""
    if isinstance(item, SingleItem):  # scenarios too
        wrong = [option.id for option in item.options if option.id != item.correct]
        return item.correct if rng.random() < p else rng.choice(wrong)
    if isinstance(item, TrueFalseItem):
        return item.correct if rng.random() < p else not item.correct
    if isinstance(item, MultipleItem):
        right = set(item.correct)
        chosen = [
            option.id
            for option in item.options
            if rng.random() < (p if option.id in right else (1 - p) * 0.5)
        ]
        return sorted(chosen) or [rng.choice(item.options).id]
    if isinstance(item, ClassificationItem):
        categories = list(SCHEMES[item.scheme])
        return {
            s.id: s.answer
            if rng.random() < p
            else rng.choice([c for c in categories if c != s.answer])
            for s in item.statements
        }
    raise TypeError(f"the demo cannot answer {type(item).__name__} items yet")


def answer_test(
    test: Test, profiles: Profiles, phase: Phase, ability: float, rng: random.Random
) -> dict[str, object]:
    """Raw answers to every item (some left blank, except on a pre-test, which is
    submitted only with every question answered) and every self-rating."""
    answers: dict[str, object] = {}
    for item in test.items:
        if rng.random() < SKIP_CHANCE and phase is not Phase.PRE:
            continue
        pre_shift, post_shift = TAG_SHIFT.get(item.tag, (0.0, 0.0))
        logit = (
            BASE[phase]
            + (pre_shift if phase is Phase.PRE else post_shift)
            + profiles.weight[item.id] * ability
            - profiles.difficulty[item.id]
        )
        answers[item.id] = item_answer(item, chance(logit), rng)
    for rating in test.ratings:
        mean = profiles.rating_pre[rating.id] + (
            profiles.rating_change[rating.id] if phase is Phase.POST else 0.0
        )
        mean += 0.25 * ability * (-1 if rating.blaming else 1)
        answers[rating.id] = min(5, max(1, round(rng.gauss(mean, 0.8))))
    return answers


def score(test: Test, answers: dict[str, object]) -> float:
    """What marking will give these answers (unanswered items count 0)."""
    marks = (
        kind_of(item).score(item, answers[item.id]) for item in test.items if item.id in answers
    )
    return sum(marks) / len(test.items)


def as_form(entries: list, answers: dict[str, object]) -> MultiDict:
    """The fields a browser would post for one page of the test."""
    form: MultiDict = MultiDict()
    for entry in entries:
        value = answers.get(entry.id)
        if value is None:
            continue
        if isinstance(entry, SelfRating):
            form.add(field_name(entry.id), str(value))
        elif isinstance(value, bool):
            form.add(field_name(entry.id), "true" if value else "false")
        elif isinstance(value, list):
            for option_id in value:
                form.add(field_name(entry.id), option_id)
        elif isinstance(value, dict):
            for statement_id, category in value.items():
                form.add(field_name(entry.id, statement_id), category)
        else:
            form.add(field_name(entry.id), value)
    return form
