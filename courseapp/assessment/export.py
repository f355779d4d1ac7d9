"""The scored forms as plain records: one dict per item per form, the shape printed by
`flask --app courseapp assessment export` and read by the guessing learners.

Depends only on the loaded definitions (the bank and each pathway's `test_forms`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from courseapp.catalogue.bank import Bank, Test
from courseapp.catalogue.items import SCHEMES, ClassificationItem, ItemBase, TrueFalseItem


@dataclass(frozen=True)
class PathwayForms:
    """A pathway's parallel forms, in the order the pathway lists them."""

    pathway: str
    forms: tuple[Test, ...]


def active_forms(bank: Bank, test_forms: Mapping[str, Iterable[str]]) -> list[PathwayForms]:
    """The forms each pathway uses now (retired forms are left out), by pathway id."""
    return [
        PathwayForms(pathway, tuple(bank.tests[f] for f in form_ids if f in bank.tests))
        for pathway, form_ids in test_forms.items()
    ]


def record(pathway: str, form: str, item: ItemBase) -> dict:
    """One exported line: what a learner sees of the item, and its key."""
    out: dict = {
        "pathway": pathway,
        "form": form,
        "item": item.id,
        "kind": item.kind,  # type: ignore[attr-defined]
        "tag": item.tag,
        "stem": item.stem,
        "case": getattr(item, "case", None),
    }
    if isinstance(item, ClassificationItem):
        out["statements"] = [{"id": s.id, "text": s.text} for s in item.statements]
        out["categories"] = [
            {"id": key, "text": label} for key, label in SCHEMES[item.scheme].items()
        ]
        out["correct"] = {s.id: s.answer for s in item.statements}
    elif isinstance(item, TrueFalseItem):
        out["correct"] = item.correct
    else:
        out["options"] = [{"id": o.id, "text": o.text} for o in item.options]  # type: ignore[attr-defined]
        correct = item.correct  # type: ignore[attr-defined]
        out["correct"] = sorted(correct) if isinstance(correct, list) else [correct]
    return out


def records(groups: list[PathwayForms]) -> list[dict]:
    return [
        record(group.pathway, test.id, item)
        for group in groups
        for test in group.forms
        for item in test.items
    ]
