"""Item analysis per test form, after Moodle's quiz statistics: each form's reliability
in each phase, and each item's facility, upper/lower discrimination and corrected
item-total correlation. Facility, reliability and the correlation follow from sums kept
with the answers (summaries.py); discrimination needs every learner's marks, so a job
works it out (distribution.py) and it is given here when it has been."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from courseapp.assessment.models import PAIRED_PHASES, Phase
from courseapp.catalogue.bank import Test
from courseapp.reports import measures
from courseapp.reports import statistics as stats
from courseapp.reports.summaries import Totals


@dataclass(frozen=True)
class ItemRow:
    form_id: str
    item_id: str
    tag: str
    stem: str
    pre: stats.ItemStats
    post: stats.ItemStats
    flags: tuple[stats.ItemFlag, ...]


@dataclass(frozen=True)
class FormRow:
    """A form in one phase: who took it, its mean score and how reliable it was."""

    form_id: str
    title: str
    phase: Phase
    reliability: measures.Reliability


def discrimination_key(form_id: str, phase: Phase, item_id: str) -> str:
    return f"{form_id}|{phase.value}|{item_id}"


def analyse(
    forms: dict[str, Test],
    found: Totals,
    discrimination: Mapping[str, float | None] | None = None,
) -> tuple[list[FormRow], list[ItemRow]]:
    """Reliability per form and phase, and each item's statistics, from the report's
    summed figures (and discrimination, when worked out)."""
    form_rows, analysis, taken = [], {}, {}
    for form_id, test in forms.items():
        k = len(test.items)
        for phase in PAIRED_PHASES:
            n, total, squares, _ = found.get("takers", form_id, phase.value)
            taken[(form_id, phase)] = n
            totals = measures.ScoreSums(n, total * k, squares * k * k)
            moments = {}
            for item in test.items:
                _, first, item_squares, cross = found.get("item", form_id, phase.value, item.id)
                moments[item.id] = measures.ItemMoments(first, item_squares, cross * k)
                key = discrimination_key(form_id, phase, item.id)
                analysis[(form_id, phase, item.id)] = stats.ItemStats(
                    n=n,
                    facility=first / n if n else None,
                    discrimination=(discrimination or {}).get(key),
                    corrected_r=measures.corrected_item_total(totals, moments[item.id]),
                )
            if n:
                reliability = measures.reliability(totals, list(moments.values()))
                form_rows.append(FormRow(form_id, test.title, phase, reliability))
    items = []
    for form_id, test in forms.items():
        if not taken[(form_id, Phase.PRE)] and not taken[(form_id, Phase.POST)]:
            continue  # nobody in the report has taken this form
        pre = {i.id: analysis[(form_id, Phase.PRE, i.id)] for i in test.items}
        post = {i.id: analysis[(form_id, Phase.POST, i.id)] for i in test.items}
        flags = stats.item_flags(pre, post)
        items += [
            ItemRow(form_id, item.id, item.tag, item.stem, pre[item.id], post[item.id],
                    flags.get(item.id, ()))
            for item in test.items
        ]  # fmt: skip
    return form_rows, items
