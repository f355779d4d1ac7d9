"""Pure statistics for coordinator reports: pre/post gains, item analysis, self-ratings,
small-group suppression and safe CSV export. No database, no Flask.

Scores are fractions 0..1; turning them into percentages is the caller's job.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, TypeVar

from courseapp.reports.measures import PairedGain, class_normalised_gain, paired_gain_of_sums

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


def median_of_counts(counts: Mapping[float, int]) -> float | None:
    """The median of values given as how many times each occurs."""
    n = sum(counts.values())
    if not n:
        return None
    middle: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(middle) < 2 and seen > (n - 1) // 2 + len(middle):
            middle.append(value)
    return middle[0] if n % 2 else (middle[0] + middle[1]) / 2


# -- Paired pre/post -------------------------------------------------------------------


NO_GAIN: Final = PairedGain(0, None, None, None, None, None)


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
    class_normalised_gain: float | None = None  # Hake's, from the mean pre and post
    gain: PairedGain = NO_GAIN  # the mean difference with its CI and d_z


def normalised_gain(pre: float, post: float) -> float | None:
    """Hake's g for one learner, (post - pre) / (1 - pre); None when pre is a full score,
    since there was nothing left to gain. A loss gives a negative g, which is unbounded
    below (pre 0.9, post 0 gives -9), so a few losses can pull the mean down hard."""
    if pre >= 1 - _EPSILON:
        return None
    return (post - pre) / (1 - pre)


@dataclass
class PairedSums:
    """Paired scores as sums (and each score counted at its value, for the medians):
    what paired_summary needs, and what the report summaries keep per cell."""

    n: int = 0
    pre: float = 0.0
    pre_squares: float = 0.0
    post: float = 0.0
    post_squares: float = 0.0
    gain: float = 0.0
    gain_squares: float = 0.0
    improved: int = 0
    normalised_n: int = 0  # learners whose normalised gain is defined (pre not full)
    normalised: float = 0.0
    pre_counts: Counter[float] = field(default_factory=Counter)
    post_counts: Counter[float] = field(default_factory=Counter)

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> PairedSums:
        sums = cls()
        for pre, post in pairs:
            sums.add(check_score(pre, "pre score"), check_score(post, "post score"))
        return sums

    def add(self, pre: float, post: float) -> None:
        gain, normalised = post - pre, normalised_gain(pre, post)
        self.n += 1
        self.pre += pre
        self.pre_squares += pre * pre
        self.post += post
        self.post_squares += post * post
        self.gain += gain
        self.gain_squares += gain * gain
        self.improved += post > pre
        if normalised is not None:
            self.normalised_n += 1
            self.normalised += normalised
        self.pre_counts[pre] += 1
        self.post_counts[post] += 1


def paired_summary(pairs: Iterable[Pair] | PairedSums) -> PairedSummary:
    """Summarise learners who have both a pre and a post score (pairs, or their sums).

    The normalised gain is the mean of each learner's g; Hake's class-level
    (mean post - mean pre) / (1 - mean pre) is given beside it, since the two differ
    when learners start unevenly. `gain` is the mean paired difference with its 95%
    confidence interval and Cohen's d_z (see measures.paired_gain).
    """
    sums = pairs if isinstance(pairs, PairedSums) else PairedSums.of(pairs)
    n = sums.n
    pre_mean = sums.pre / n if n else None
    post_mean = sums.post / n if n else None
    return PairedSummary(
        n=n,
        pre_mean=pre_mean,
        pre_median=median_of_counts(sums.pre_counts),
        post_mean=post_mean,
        post_median=median_of_counts(sums.post_counts),
        mean_gain=sums.gain / n if n else None,
        mean_normalised_gain=sums.normalised / sums.normalised_n if sums.normalised_n else None,
        n_gain_undefined=n - sums.normalised_n,
        n_improved=sums.improved,
        share_improved=sums.improved / n if n else None,
        class_normalised_gain=class_normalised_gain(pre_mean, post_mean),
        gain=paired_gain_of_sums(n, sums.gain, sums.gain_squares),
    )


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
    # Moodle's discrimination index: the item's correlation with the rest of the form.
    corrected_r: float | None = None


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
