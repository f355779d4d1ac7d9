"""Item kinds: each knows its definition, how to show its input, read an answer and score it.

Adding a kind means adding one class here and listing it in KINDS. A kind's
`inputs` returns what the template needs to draw GOV.UK components (radios,
checkboxes or a set of selects); `parse` turns posted form values into the raw
answer stored in the database, refusing anything the page did not offer; `score`
turns a raw answer into a mark from 0 to 1; `review` lists what the learner saw
and chose, for the results page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

from werkzeug.datastructures import MultiDict

from courseapp.catalogue.items import (
    SCHEMES,
    ChoiceItem,
    ClassificationItem,
    ItemBase,
    MultipleItem,
    ScenarioItem,
    SingleItem,
    TrueFalseItem,
)

PARTIAL_CREDIT_RULE = (
    "For questions where you select all that apply, each right option you choose "
    "earns a share of the mark and each wrong option you choose takes a share away, "
    "never below zero."
)


class Tampered(ValueError):
    """The answer contains something the page did not offer."""


def field_name(item_id: str, part: str | None = None) -> str:
    return f"item-{item_id}" + (f"-{part}" if part else "")


@dataclass(frozen=True)
class ReviewRow:
    text: str
    chosen: str | bool | None
    correct: str | bool


class Kind:
    name: ClassVar[str]
    model: ClassVar[type[ItemBase]]

    def option_order(self, item: Any, rng: random.Random) -> list[str]:
        return []

    def field_names(self, item: Any) -> set[str]:
        return {field_name(item.id)}

    def parse(self, item: Any, form: MultiDict) -> Any | None:
        raise NotImplementedError

    def score(self, item: Any, answer: Any) -> float:
        raise NotImplementedError

    def complete(self, item: Any, answer: Any) -> bool:
        """Whether a saved answer answers the whole question (a choice made)."""
        return answer is not None

    def inputs(self, item: Any, order: list[str], answer: Any) -> dict:
        raise NotImplementedError

    def review(self, item: Any, order: list[str], answer: Any) -> list[ReviewRow]:
        raise NotImplementedError


def _one_value(form: MultiDict, name: str, allowed: set[str]) -> str | None:
    values = form.getlist(name)
    if len(values) > 1 or (values and values[0] not in allowed):
        raise Tampered(name)
    return values[0] if values else None


class Single(Kind):
    name = "single"
    model = SingleItem

    def option_order(self, item: ChoiceItem, rng: random.Random) -> list[str]:
        order = [option.id for option in item.options]
        rng.shuffle(order)
        return order

    def parse(self, item: SingleItem, form: MultiDict) -> str | None:
        return _one_value(form, field_name(item.id), {o.id for o in item.options})

    def score(self, item: SingleItem, answer: str) -> float:
        return 1.0 if answer == item.correct else 0.0

    def _options(self, item: ChoiceItem, order: list[str]) -> list:
        by_id = {option.id: option for option in item.options}
        return [by_id[option_id] for option_id in order if option_id in by_id]

    def inputs(self, item: SingleItem, order: list[str], answer: str | None) -> dict:
        return {
            "component": "radios",
            "name": field_name(item.id),
            "items": [
                {"value": o.id, "text": o.text, "checked": o.id == answer}
                for o in self._options(item, order)
            ],
        }

    def review(self, item: SingleItem, order: list[str], answer: str | None) -> list[ReviewRow]:
        return [
            ReviewRow(o.text, o.id == answer, o.id == item.correct)
            for o in self._options(item, order)
        ]


class Scenario(Single):
    """A case moment and the most constructive response to it."""

    name = "scenario"
    model = ScenarioItem

    def inputs(self, item: ScenarioItem, order: list[str], answer: str | None) -> dict:
        return super().inputs(item, order, answer) | {"case": item.case}


class Multiple(Single):
    name = "multiple"
    model = MultipleItem

    def parse(self, item: MultipleItem, form: MultiDict) -> list[str] | None:
        values = form.getlist(field_name(item.id))
        allowed = {option.id for option in item.options}
        if not set(values) <= allowed or len(set(values)) != len(values):
            raise Tampered(field_name(item.id))
        return sorted(values) or None

    def score(self, item: MultipleItem, answer: list[str]) -> float:
        """Partial credit: (right chosen - wrong chosen) / number right, floored at 0."""
        right = set(item.correct)
        chosen = set(answer)
        return max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))

    def inputs(self, item: MultipleItem, order: list[str], answer: list[str] | None) -> dict:
        chosen = set(answer or ())
        return {
            "component": "checkboxes",
            "name": field_name(item.id),
            "hint": "Select all that apply.",
            "items": [
                {"value": o.id, "text": o.text, "checked": o.id in chosen}
                for o in self._options(item, order)
            ],
        }

    def review(
        self, item: MultipleItem, order: list[str], answer: list[str] | None
    ) -> list[ReviewRow]:
        chosen = set(answer or ())
        return [
            ReviewRow(o.text, o.id in chosen, o.id in item.correct)
            for o in self._options(item, order)
        ]


class TrueFalse(Kind):
    name = "true-false"
    model = TrueFalseItem
    VALUES = {"true": True, "false": False}

    def parse(self, item: TrueFalseItem, form: MultiDict) -> bool | None:
        value = _one_value(form, field_name(item.id), set(self.VALUES))
        return None if value is None else self.VALUES[value]

    def score(self, item: TrueFalseItem, answer: bool) -> float:
        return 1.0 if answer is item.correct else 0.0

    def inputs(self, item: TrueFalseItem, order: list[str], answer: bool | None) -> dict:
        return {
            "component": "radios",
            "name": field_name(item.id),
            "inline": True,
            "items": [
                {"value": "true", "text": "True", "checked": answer is True},
                {"value": "false", "text": "False", "checked": answer is False},
            ],
        }

    def review(self, item: TrueFalseItem, order: list[str], answer: bool | None) -> list[ReviewRow]:
        return [
            ReviewRow("True", answer is True, item.correct is True),
            ReviewRow("False", answer is False, item.correct is False),
        ]


class Classification(Kind):
    """Place each statement in a category (continuum level or critical component).
    One select per statement, so it works without JavaScript."""

    name = "classification"
    model = ClassificationItem

    def option_order(self, item: ClassificationItem, rng: random.Random) -> list[str]:
        order = [statement.id for statement in item.statements]
        rng.shuffle(order)
        return order

    def field_names(self, item: ClassificationItem) -> set[str]:
        return {field_name(item.id, s.id) for s in item.statements}

    def parse(self, item: ClassificationItem, form: MultiDict) -> dict[str, str] | None:
        categories = set(SCHEMES[item.scheme])
        answer = {}
        for statement in item.statements:
            value = _one_value(form, field_name(item.id, statement.id), categories | {""})
            if value:
                answer[statement.id] = value
        return answer or None

    def complete(self, item: ClassificationItem, answer: dict[str, str] | None) -> bool:
        """Every statement placed: one placed and the rest left is partly answered."""
        return answer is not None and all(s.id in answer for s in item.statements)

    def score(self, item: ClassificationItem, answer: dict[str, str]) -> float:
        right = sum(answer.get(s.id) == s.answer for s in item.statements)
        return right / len(item.statements)

    def _statements(self, item: ClassificationItem, order: list[str]) -> list:
        by_id = {statement.id: statement for statement in item.statements}
        return [by_id[statement_id] for statement_id in order if statement_id in by_id]

    def inputs(self, item: ClassificationItem, order: list[str], answer: dict | None) -> dict:
        answer = answer or {}
        choices = [{"value": "", "text": "Choose one"}] + [
            {"value": key, "text": label} for key, label in SCHEMES[item.scheme].items()
        ]
        return {
            "component": "selects",
            "selects": [
                {
                    "name": field_name(item.id, s.id),
                    "label": s.text,
                    "items": [c | {"selected": c["value"] == answer.get(s.id)} for c in choices],
                }
                for s in self._statements(item, order)
            ],
        }

    def review(
        self, item: ClassificationItem, order: list[str], answer: dict | None
    ) -> list[ReviewRow]:
        labels = SCHEMES[item.scheme]
        answer = answer or {}
        return [
            ReviewRow(s.text, labels.get(answer.get(s.id, ""), "No answer"), labels[s.answer])
            for s in self._statements(item, order)
        ]


KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (Single(), Multiple(), TrueFalse(), Scenario(), Classification())
}


def kind_of(item: ItemBase) -> Kind:
    return KINDS[item.kind]  # type: ignore[attr-defined]
