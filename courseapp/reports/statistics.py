"""Pure statistics for coordinator reports: pre/post gains, item analysis, self-ratings,
small-group suppression and safe CSV export. No database, no Flask.

Scores are fractions 0..1; turning them into percentages is the caller's job.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

Pair = tuple[float, float]

# Differences smaller than this are float noise from averaging, not real differences.
_EPSILON: Final = 1e-9


def check_score(value: float, what: str) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"{what} must be a fraction between 0 and 1, got {value!r}")
    return value


# -- Averages --------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


# -- Paired pre/post -------------------------------------------------------------------


@dataclass(frozen=True)
class PairedSummary:
    n: int
    pre_mean: float | None
    pre_median: float | None
    post_mean: float | None
    post_median: float | None
    mean_gain: float | None
    mean_normalised_gain: float | None
    n_gain_undefined: int
    n_improved: int
    share_improved: float | None


@dataclass(frozen=True)
class Pairing(Generic[K]):
    pairs: dict[K, Pair]
    missing_pre: int
    missing_post: int


def normalised_gain(pre: float, post: float) -> float | None:
    """Hake's g for one learner, (post - pre) / (1 - pre); None when pre is a full score,
    since there was nothing left to gain. A loss gives a negative g, which is unbounded
    below (pre 0.9, post 0 gives -9), so a few losses can pull the mean down hard."""
    if pre >= 1 - _EPSILON:
        return None
    return (post - pre) / (1 - pre)


def paired_summary(pairs: Iterable[Pair]) -> PairedSummary:
    """Summarise learners who have both a pre and a post score.

    The normalised gain is the mean of each learner's g, not Hake's class-level
    (mean post - mean pre) / (1 - mean pre); the two differ when learners start unevenly.
    """
    checked = [
        (check_score(pre, "pre score"), check_score(post, "post score")) for pre, post in pairs
    ]
    pre = [p for p, _ in checked]
    post = [q for _, q in checked]
    gains = [normalised_gain(p, q) for p, q in checked]
    defined = [g for g in gains if g is not None]
    improved = sum(q > p for p, q in checked)
    n = len(checked)
    return PairedSummary(
        n=n,
        pre_mean=mean(pre),
        pre_median=median(pre),
        post_mean=mean(post),
        post_median=median(post),
        mean_gain=mean([q - p for p, q in checked]),
        mean_normalised_gain=mean(defined),
        n_gain_undefined=n - len(defined),
        n_improved=improved,
        share_improved=improved / n if n else None,
    )


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


# -- Item analysis ---------------------------------------------------------------------

# Kelley's 27%: the share of learners in each of the upper and lower groups.
GROUP_PERCENT: Final = 27
# Fewer learners than this and the upper and lower groups say nothing: D is None.
MIN_LEARNERS_FOR_DISCRIMINATION: Final = 4
EASY_AT_PRE_FACILITY: Final = 0.9
# Post facility must fall by more than this before an item is flagged worse after.
WORSE_AFTER_TOLERANCE: Final = 0.05


class ItemFlag(StrEnum):
    EASY_AT_PRE = "easy-at-pre"
    WORSE_AFTER = "worse-after"
    NEGATIVE_DISCRIMINATION = "negative-discrimination"


@dataclass(frozen=True)
class ItemStats:
    n: int
    facility: float | None
    discrimination: float | None


def group_size(n: int) -> int:
    """27% of n, rounded half up, and never less than one learner."""
    return max(1, (GROUP_PERCENT * n + 50) // 100)


@dataclass(frozen=True)
class GroupCut:
    """Who is in the upper and lower 27% by total score: everyone above (below) the
    boundary score, and each learner tied on it as a share of one, the tied sharing the
    places left, so that the groups do not depend on the order learners come in."""

    size: int
    upper_boundary: float
    upper_share: float
    lower_boundary: float
    lower_share: float


def _boundary(totals: Sequence[float], size: int, top: bool) -> tuple[float, float]:
    boundary = sorted(totals, reverse=top)[size - 1]
    inside = sum(t > boundary if top else t < boundary for t in totals)
    tied = sum(t == boundary for t in totals)
    return boundary, (size - inside) / tied


def group_cut(totals: Sequence[float]) -> GroupCut | None:
    """The upper and lower groups for these total scores (one per learner), or None when
    there are too few learners for them to say anything."""
    if len(totals) < MIN_LEARNERS_FOR_DISCRIMINATION:
        return None
    size = group_size(len(totals))
    return GroupCut(size, *_boundary(totals, size, top=True), *_boundary(totals, size, top=False))


@dataclass(frozen=True)
class ItemSums:
    """One item's marks summed over learners: all of them, and weighted by the upper and
    lower groups (see GroupCut). Unanswered counts 0."""

    total: float = 0.0
    upper: float = 0.0
    lower: float = 0.0


def item_stats(n: int, sums: ItemSums, cut: GroupCut | None) -> ItemStats:
    """Facility (the mean mark) and discrimination D (the upper group's facility minus
    the lower group's) from an item's summed marks over n learners."""
    return ItemStats(
        n=n,
        facility=sums.total / n if n else None,
        discrimination=(sums.upper - sums.lower) / cut.size if cut else None,
    )


def item_flags(
    pre: Mapping[str, ItemStats], post: Mapping[str, ItemStats]
) -> dict[str, tuple[ItemFlag, ...]]:
    """Flags for every item in either test (pre's items first); an item on only one test
    gets only the flags that test can show."""
    flags: dict[str, tuple[ItemFlag, ...]] = {}
    for item_id in dict.fromkeys([*pre, *post]):
        before, after = pre.get(item_id), post.get(item_id)
        found = []
        if before and before.facility is not None:
            if before.facility >= EASY_AT_PRE_FACILITY - _EPSILON:
                found.append(ItemFlag.EASY_AT_PRE)
            if (
                after
                and after.facility is not None
                and before.facility - after.facility > WORSE_AFTER_TOLERANCE + _EPSILON
            ):
                found.append(ItemFlag.WORSE_AFTER)
        if after and after.discrimination is not None and after.discrimination < -_EPSILON:
            found.append(ItemFlag.NEGATIVE_DISCRIMINATION)
        flags[item_id] = tuple(found)
    return flags


# -- Self-ratings ----------------------------------------------------------------------

RATING_VALUES: Final = range(1, 6)


@dataclass(frozen=True)
class RatingSummary:
    pre_counts: dict[int, int]
    post_counts: dict[int, int]
    n_paired: int
    mean_change: float | None


# -- Small-group suppression -----------------------------------------------------------

MIN_GROUP: Final = 5
# Shown in place of a figure about fewer than MIN_GROUP learners, who could be identified.
SUPPRESSED: Final = "suppressed"


def is_suppressed(n: int) -> bool:
    return n < MIN_GROUP


def suppress_small_group(value: T, n: int) -> T | str:
    """The value, or SUPPRESSED when it describes fewer than MIN_GROUP learners. The marker
    is a plain string so that it reads sensibly in a template or CSV cell unchanged."""
    return SUPPRESSED if is_suppressed(n) else value


# -- CSV export ------------------------------------------------------------------------

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str | int | float:
    """A value ready for csv.writer.

    Numbers stay numbers (0 is written as 0, never blank; -0.0 becomes 0.0); None is an
    empty cell. Any text starting with =, +, -, @, a tab or a carriage return gets a
    single quote in front so a spreadsheet shows it as text instead of running it as a
    formula; this includes text such as "-5", while the number -5 is left alone. Other
    values are written as their str() under the same rule.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot export a non-finite number: {value!r}")
        return value + 0.0
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file as Excel opens it cleanly: UTF-8 with a byte-order mark, CRLF lines,
    every cell passed through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
