"""The report figures defined in plain Python, one learner at a time: what the summaries
kept with the answers (courseapp/reports/summaries.py) and the discrimination job
(distribution.py) are checked against (tests/test_reports.py,
tests/test_report_summaries.py), and checked themselves on hand-worked fixtures
(tests/test_report_statistics.py)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from courseapp.reports.statistics import (
    RATING_VALUES,
    GroupCut,
    ItemStats,
    ItemSums,
    Pair,
    PairedSummary,
    RatingSummary,
    check_score,
    group_cut,
    item_stats,
    mean,
    paired_summary,
)

# -- Pairing pre and post scores, learner by learner --------------------------------

K = TypeVar("K", bound=Hashable)


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class Pairing(Generic[K]):
    pairs: dict[K, Pair]
    missing_pre: int
    missing_post: int


def pair_scores(pre: Mapping[K, float | None], post: Mapping[K, float | None]) -> Pairing[K]:
    """Pair learners' pre and post scores by learner id. A None score counts as missing.
    A learner missing both is in neither count: they took no test at all."""
    pairs: dict[K, Pair] = {}
    missing_pre = missing_post = 0
    for learner in dict.fromkeys([*pre, *post]):
        before, after = pre.get(learner), post.get(learner)
        if before is None and after is not None:
            missing_pre += 1
        elif after is None and before is not None:
            missing_post += 1
        elif before is not None and after is not None:
            pairs[learner] = (before, after)
    return Pairing(pairs, missing_pre, missing_post)


def paired_summary_by_tag(
    learners: Iterable[Mapping[str, Pair]], tags: Sequence[str] = ()
) -> dict[str, PairedSummary]:
    """One summary per tag, from each learner's tag -> (pre, post) scores.

    The result lists `tags` first, in that order, with an empty summary for a tag nobody
    has, then any other tag found, alphabetically.
    """
    by_tag: dict[str, list[Pair]] = {tag: [] for tag in tags}
    for learner in learners:
        for tag, pair in learner.items():
            by_tag.setdefault(tag, []).append(pair)
    order = [*tags, *sorted(set(by_tag) - set(tags))]
    return {tag: paired_summary(by_tag[tag]) for tag in order}


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


# -- The dashboard's figures over learners, one learner at a time ---------------------


def dashboard_from_learners(data, pathway) -> dict:
    """The completion, paired, by-area, by-order, per-organisation and certificate
    currency figures, from each learner's own report row (reports.data.load): what the
    dashboard reads from the summaries must equal these."""
    from collections import Counter

    from courseapp.clock import local_today
    from courseapp.cohorts.members import is_overdue
    from courseapp.reports import currency, summaries
    from courseapp.reports.data import chosen_attempts, learner_ids
    from courseapp.reports.status import status

    learners = list(data.learners.values())
    states = {p.id: status(p, pathway) for p in learners}
    days = [(p.certified_at - p.enrolled_at).total_seconds() / 86400 for p in learners
            if p.certified_at is not None and states[p.id] == "completed"]  # fmt: skip
    overdue = sum(is_overdue(p.cohort_due_on,
                             states[p.id] == "completed" or p.certified_at is not None,
                             local_today(p.timezone)) for p in learners)  # fmt: skip
    # A pre-test answered too fast measures nothing: its learner is in no pair, and is
    # counted apart from those missing a test.
    too_fast = [p for p in learners if p.pre and p.pre.too_fast]
    measured = [p for p in learners if p not in too_fast]
    pre = {p.id: p.pre.score if p.pre else None for p in measured}
    pairs = pair_scores(pre, {p.id: p.post.score if p.post else None for p in measured}).pairs
    tags = summaries.area_scores_of(chosen_attempts(data.filters))
    by_tag: dict[str, list] = {}
    for p in learners:
        if p.id in pairs:
            pre, post = tags.get(p.pre.id, {}), tags.get(p.post.id, {})
            for tag in pre.keys() & post.keys():
                by_tag.setdefault(tag, []).append((pre[tag], post[tag]))
    organisations: dict[str, list] = {}
    for p in learners:
        organisations.setdefault(p.organisation or "No organisation", []).append(p)
    return {
        "statuses": Counter(states.values()),
        "median_days": median(days),
        "passed": sum(p.post_test_passed for p in learners),
        "overdue": overdue if any(p.cohort_due_on for p in learners) else None,
        "overall": paired_summary(pairs.values()),
        "missing": (sum(bool(p.post and not p.pre) for p in measured),
                    sum(bool(p.pre and not p.post) for p in measured), len(too_fast)),
        "orders": {order: (sum(p.form_order == order for p in learners),
                           paired_summary([pairs[p.id] for p in learners
                                           if p.id in pairs and p.form_order == order]))
                   for order in (0, 1)},
        "by_tag": {tag: paired_summary(found) for tag, found in by_tag.items()},
        "organisations": {
            name: (len(members), sum(states[m.id] == "completed" for m in members),
                   paired_summary([pairs[m.id] for m in members if m.id in pairs]))
            for name, members in organisations.items()
        },
        "currency": Counter(found.status for found in currency.certificate_currency(
            learner_ids(data.filters), pathway).values()),
    }  # fmt: skip
