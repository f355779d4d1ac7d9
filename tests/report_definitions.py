"""The report figures defined in plain Python, one learner at a time: what the summaries
kept with the answers (courseapp/reports/summaries.py) and the discrimination job
(distribution.py) are checked against (tests/test_reports.py,
tests/test_report_summaries.py), and checked themselves on hand-worked fixtures
(tests/test_report_statistics.py)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from courseapp.reports.statistics import (
    RATING_VALUES,
    GroupCut,
    ItemStats,
    ItemSums,
    RatingSummary,
    check_score,
    group_cut,
    item_stats,
    mean,
)


@dataclass(frozen=True)
class LearnerItems:
    """One learner's attempt at one test: the total score and each item's score.
    An item of the test missing from `items` was not answered and scores 0."""

    total: float
    items: Mapping[str, float] = field(default_factory=dict)


def upper_weight(cut: GroupCut, total: float) -> float:
    """A learner's share of a place in the upper group."""
    if total > cut.upper_boundary:
        return 1.0
    return cut.upper_share if total == cut.upper_boundary else 0.0


def lower_weight(cut: GroupCut, total: float) -> float:
    if total < cut.lower_boundary:
        return 1.0
    return cut.lower_share if total == cut.lower_boundary else 0.0


def item_analysis(records: Sequence[LearnerItems], item_ids: Sequence[str]) -> dict[str, ItemStats]:
    """Facility and discrimination index D for each item of one test.

    `records` holds one entry per learner who took the test; `item_ids` is the test's
    items, and the result follows its order. Item scores for ids not in `item_ids` are
    ignored. D is the facility of the top 27% by total minus that of the bottom 27%.
    """
    for record in records:
        check_score(record.total, "total score")
        for item_id, score in record.items.items():
            check_score(score, f"score for item {item_id!r}")
    cut = group_cut([r.total for r in records])
    result = {}
    for item_id in item_ids:
        sums = ItemSums(
            total=math.fsum(r.items.get(item_id, 0.0) for r in records),
            upper=math.fsum(upper_weight(cut, r.total) * r.items.get(item_id, 0.0)
                            for r in records) if cut else 0.0,
            lower=math.fsum(lower_weight(cut, r.total) * r.items.get(item_id, 0.0)
                            for r in records) if cut else 0.0,
        )  # fmt: skip
        result[item_id] = item_stats(len(records), sums, cut)
    return result


def _check_rating(value: int | None) -> int | None:
    if value is not None and value not in RATING_VALUES:
        raise ValueError(f"a self-rating must be 1 to 5, got {value!r}")
    return value


def rating_summary(ratings: Iterable[tuple[int | None, int | None]]) -> RatingSummary:
    """Distributions of one self-rating statement before and after, from each learner's
    (pre, post) rating; the change is post - pre over learners who gave both."""
    pre_counts = dict.fromkeys(RATING_VALUES, 0)
    post_counts = dict.fromkeys(RATING_VALUES, 0)
    changes = []
    for pre, post in ratings:
        _check_rating(pre)
        _check_rating(post)
        if pre is not None:
            pre_counts[pre] += 1
        if post is not None:
            post_counts[post] += 1
        if pre is not None and post is not None:
            changes.append(float(post - pre))
    return RatingSummary(pre_counts, post_counts, len(changes), mean(changes))
