"""Figures a commissioner can check: reliability of a test form, corrected item-total
correlations, and paired gains with a confidence interval and an effect size. Pure
Python (no numpy at run time); the tests check each one against numpy and scipy.

Definitions follow Moodle's quiz statistics where Moodle has one:
- Cronbach's alpha (Moodle's "coefficient of internal consistency"; KR-20 when every
  item is marked right or wrong): k/(k-1) * (1 - sum of item variances / variance of
  the total score).
- Standard error of measurement (Moodle's "standard error"): SD of the total score
  times sqrt(1 - alpha).
- Corrected item-total correlation (Moodle's "discrimination index"): the Pearson
  correlation between an item's mark and the total of the other items.
Variances and SDs use n - 1 (sample). Scores are fractions 0..1 unless said otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

# -- Student's t -----------------------------------------------------------------------


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_pdf(t: float, df: int) -> float:
    log_front = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_front - (df + 1) / 2 * math.log1p(t * t / df))


def t_quantile(p: float, df: int) -> float:
    """The t value below which a share p of Student's t with df degrees of freedom lies:
    Newton's method from the normal quantile's Cornish-Fisher correction, kept within
    a bracket that it halves whenever a step would leave it, so it always converges."""
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    z = NormalDist().inv_cdf(p)
    t = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)
    low, high = 0.0, max(2 * t, 1.0)
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        error = t_cdf(t, df) - p
        if error < 0:
            low = t
        else:
            high = t
        step = t - error / t_pdf(t, df)
        following = step if low < step < high else (low + high) / 2
        if abs(following - t) <= 1e-13 * max(1.0, t):
            return following
        t = following
    return t


# -- Paired gain -----------------------------------------------------------------------


@dataclass(frozen=True)
class PairedGain:
    """The mean of the learners' differences (post - pre) with a 95% confidence interval
    from Student's t, and Cohen's d for paired scores, d_z = mean difference / SD of the
    differences. With fewer than two learners, or no spread, the interval or d is None."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    d_z: float | None


def paired_gain(differences: Sequence[float], confidence: float = 0.95) -> PairedGain:
    return paired_gain_of_sums(
        len(differences), math.fsum(differences), math.fsum(d * d for d in differences),
        confidence,
    )  # fmt: skip


# Differences whose variance is below this share of their mean square have no spread:
# what is left is rounding in the sums, not a real difference between learners.
_NO_SPREAD = 1e-12


def paired_gain_of_sums(
    n: int, total: float, squares: float, confidence: float = 0.95
) -> PairedGain:
    """paired_gain from the number of differences, their sum and the sum of their
    squares, as the report summaries keep them."""
    if n == 0:
        return PairedGain(0, None, None, None, None, None)
    mean = total / n
    if n < 2:
        return PairedGain(n, mean, None, None, None, None)
    variance = (squares - total * total / n) / (n - 1)
    spread = variance > _NO_SPREAD * squares / n
    sd = math.sqrt(variance) if spread else 0.0
    half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return PairedGain(n, mean, sd, mean - half, mean + half, mean / sd if spread else None)


def class_normalised_gain(pre_mean: float | None, post_mean: float | None) -> float | None:
    """Hake's class-level gain, (mean post - mean pre) / (1 - mean pre)."""
    if pre_mean is None or post_mean is None or pre_mean >= 1 - 1e-9:
        return None
    return (post_mean - pre_mean) / (1 - pre_mean)


# -- Reliability and item-total correlation --------------------------------------------


@dataclass(frozen=True)
class ItemMoments:
    """One item's marks over n attempts at a form: the sum, the sum of squares and the
    sum of mark x the attempt's total score (in points). Unanswered counts 0."""

    sum: float = 0.0
    sum_squares: float = 0.0
    sum_with_total: float = 0.0


@dataclass(frozen=True)
class Reliability:
    n: int
    items: int
    mean: float | None  # total score as a fraction of the items
    sd: float | None  # likewise
    alpha: float | None
    sem: float | None  # standard error of measurement, as a fraction of the items


def _covariance(n: int, sum_xy: float, sum_x: float, sum_y: float) -> float:
    return (sum_xy - sum_x * sum_y / n) / (n - 1)


@dataclass(frozen=True)
class ScoreSums:
    """Total scores (in points) of n attempts, as sums: all reliability needs of them."""

    n: int
    sum: float
    sum_squares: float

    @classmethod
    def of(cls, totals: Sequence[float]) -> ScoreSums:
        return cls(len(totals), math.fsum(totals), math.fsum(t * t for t in totals))


def reliability(totals: Sequence[float] | ScoreSums, items: Sequence[ItemMoments]) -> Reliability:
    """Cronbach's alpha and the SEM of a form of k items, from each attempt's total score
    in points (or their sums) and each item's moments over the same attempts."""
    sums = totals if isinstance(totals, ScoreSums) else ScoreSums.of(totals)
    n, k = sums.n, len(items)
    if n < 2 or k < 2:
        mean = sums.sum / n / k if n and k else None
        return Reliability(n, k, mean, None, None, None)
    total_var = _covariance(n, sums.sum_squares, sums.sum, sums.sum)
    item_vars = math.fsum(_covariance(n, i.sum_squares, i.sum, i.sum) for i in items)
    sd = math.sqrt(max(total_var, 0.0))
    alpha = k / (k - 1) * (1 - item_vars / total_var) if total_var > 1e-12 else None
    sem = sd * math.sqrt(max(0.0, 1 - alpha)) if alpha is not None else None
    return Reliability(n, k, sums.sum / n / k, sd / k, alpha, None if sem is None else sem / k)


def corrected_item_total(totals: Sequence[float] | ScoreSums, item: ItemMoments) -> float | None:
    """The correlation between an item's mark and the rest of the form (total minus the
    item), over the attempts whose totals (in points, or their sums) are given; None
    without spread."""
    sums = totals if isinstance(totals, ScoreSums) else ScoreSums.of(totals)
    n = sums.n
    if n < 2:
        return None
    total_var = _covariance(n, sums.sum_squares, sums.sum, sums.sum)
    item_var = _covariance(n, item.sum_squares, item.sum, item.sum)
    with_total = _covariance(n, item.sum_with_total, item.sum, sums.sum)
    rest_var = total_var + item_var - 2 * with_total
    if item_var <= 1e-12 or rest_var <= 1e-12:
        return None
    return (with_total - item_var) / math.sqrt(item_var * rest_var)
