"""Item analysis per test form, after Moodle's quiz statistics: each form's reliability
in each phase, and each item's facility, upper/lower discrimination and corrected
item-total correlation. The sums come from one query (aggregates.item_aggregates)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from courseapp.assessment.models import PAIRED_PHASES, Phase
from courseapp.catalogue.bank import Test
from courseapp.reports import aggregates, measures
from courseapp.reports import statistics as stats
from courseapp.reports.data import Learner


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


def analyse(forms: dict[str, Test], learners: list[Learner]) -> tuple[list[FormRow], list[ItemRow]]:
    """Reliability per form and phase, and each item's facility, upper/lower
    discrimination and corrected item-total correlation, from one summing query."""
    groups: dict[aggregates.Group, list] = {
        (form_id, phase): [] for form_id in forms for phase in PAIRED_PHASES
    }
    for learner in learners:
        for phase in PAIRED_PHASES:
            attempt = getattr(learner, phase.value)
            if attempt is not None and attempt.test_id in forms:
                groups[(attempt.test_id, phase)].append(attempt)
    cuts = {group: stats.group_cut([a.score for a in taken]) for group, taken in groups.items()}
    everyone = [a.id for taken in groups.values() for a in taken]
    found = aggregates.item_aggregates(forms, cuts, everyone) if everyone else {}
    form_rows, analysis = [], {}
    for (form_id, phase), taken in groups.items():
        test = forms[form_id]
        k = len(test.items)
        totals = [a.score * k for a in taken]
        moments = {}
        for item in test.items:
            got = found.get((form_id, phase, item.id))
            m = got.moments if got else measures.ItemMoments()
            moments[item.id] = measures.ItemMoments(m.sum, m.sum_squares, m.sum_with_total * k)
            analysis[(form_id, phase, item.id)] = dataclasses.replace(
                stats.item_stats(
                    len(taken), got.sums if got else stats.ItemSums(), cuts[(form_id, phase)]
                ),
                corrected_r=measures.corrected_item_total(totals, moments[item.id]),
            )
        if taken:
            reliability = measures.reliability(totals, list(moments.values()))
            form_rows.append(FormRow(form_id, test.title, phase, reliability))
    items = []
    for form_id, test in forms.items():
        if not groups[(form_id, Phase.PRE)] and not groups[(form_id, Phase.POST)]:
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
