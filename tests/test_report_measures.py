"""Every figure in reports/measures.py against an independent computation with numpy
and scipy, on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from courseapp.reports import measures
from courseapp.reports import statistics as stats


def marks(seed: int, n: int, k: int, partial: bool = False) -> np.ndarray:
    """n learners x k items, with ability so that items correlate; right/wrong or partial."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(n, 1))
    difficulty = rng.normal(size=(1, k))
    p = 1 / (1 + np.exp(-(ability - difficulty)))
    if partial:
        return np.round(rng.binomial(4, p) / 4, 2)
    return rng.binomial(1, p).astype(float)


def moments(matrix: np.ndarray) -> list[measures.ItemMoments]:
    totals = matrix.sum(axis=1)
    return [
        measures.ItemMoments(float(col.sum()), float((col**2).sum()), float((col * totals).sum()))
        for col in matrix.T
    ]


def numpy_alpha(matrix: np.ndarray) -> float:
    k = matrix.shape[1]
    item_vars = matrix.var(axis=0, ddof=1).sum()
    return k / (k - 1) * (1 - item_vars / matrix.sum(axis=1).var(ddof=1))


def kr20(matrix: np.ndarray) -> float:
    k, p = matrix.shape[1], matrix.mean(axis=0)
    total_var = matrix.sum(axis=1).var(ddof=0)
    return k / (k - 1) * (1 - (p * (1 - p)).sum() / total_var)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("partial", [False, True])
def test_alpha_sem_and_corrected_item_total_match_numpy(seed, partial):
    matrix = marks(seed, n=30 + 7 * seed, k=12 + seed, partial=partial)
    totals = [float(t) for t in matrix.sum(axis=1)]
    found = measures.reliability(totals, moments(matrix))
    alpha = numpy_alpha(matrix)
    assert found.n == matrix.shape[0] and found.items == matrix.shape[1]
    assert found.alpha == pytest.approx(alpha, abs=1e-9)
    if not partial:  # right/wrong items: alpha is KR-20
        assert found.alpha == pytest.approx(kr20(matrix), abs=1e-9)
    sd = matrix.sum(axis=1).std(ddof=1)
    k = matrix.shape[1]
    assert found.sd == pytest.approx(sd / k, abs=1e-9)
    assert found.sem == pytest.approx(sd * math.sqrt(1 - alpha) / k, abs=1e-9)
    assert found.mean == pytest.approx(matrix.sum(axis=1).mean() / k, abs=1e-12)
    for index, item in enumerate(moments(matrix)):
        rest = matrix.sum(axis=1) - matrix[:, index]
        if matrix[:, index].std() == 0:
            assert measures.corrected_item_total(totals, item) is None
            continue
        expected = np.corrcoef(matrix[:, index], rest)[0, 1]
        assert measures.corrected_item_total(totals, item) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 19, 30, 60, 250, 2000, 25_000, 100_000])
@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_quantile_matches_scipy(df, p):
    assert measures.t_quantile(p, df) == pytest.approx(sps.t.ppf(p, df), rel=1e-8)
    assert measures.t_cdf(sps.t.ppf(p, df), df) == pytest.approx(p, abs=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_paired_gain_ci_and_cohens_dz_match_scipy(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 80))
    pre = rng.uniform(0, 0.8, size=n)
    post = np.clip(pre + rng.normal(0.15, 0.15, size=n), 0, 1)
    diff = post - pre
    found = measures.paired_gain([float(d) for d in diff])
    low, high = sps.t.interval(0.95, n - 1, loc=diff.mean(), scale=sps.sem(diff))
    assert found.n == n
    assert found.mean == pytest.approx(diff.mean(), abs=1e-12)
    assert found.ci_low == pytest.approx(low, abs=1e-9)
    assert found.ci_high == pytest.approx(high, abs=1e-9)
    assert found.d_z == pytest.approx(diff.mean() / diff.std(ddof=1), abs=1e-9)
    # The paired t-test and the interval agree: 0 lies outside exactly when p < 0.05.
    p_value = sps.ttest_rel(post, pre).pvalue
    assert (low > 0 or high < 0) == (p_value < 0.05)
    summary = stats.paired_summary(zip(pre.tolist(), post.tolist(), strict=True))
    assert summary.class_normalised_gain == pytest.approx(
        (post.mean() - pre.mean()) / (1 - pre.mean()), abs=1e-12
    )
    individual = [(q - p) / (1 - p) for p, q in zip(pre, post, strict=True)]
    assert summary.mean_normalised_gain == pytest.approx(np.mean(individual), abs=1e-12)
    assert summary.gain.ci_low == pytest.approx(low, abs=1e-9)
    assert summary.gain.d_z == pytest.approx(found.d_z, abs=1e-12)


def test_degenerate_cases_give_none_not_errors():
    assert measures.paired_gain([]).mean is None
    one = measures.paired_gain([0.2])
    assert one.mean == 0.2 and one.ci_low is None and one.d_z is None
    same = measures.paired_gain([0.1, 0.1, 0.1])
    assert same.ci_low == pytest.approx(0.1) and same.d_z is None
    assert measures.reliability([3.0], [measures.ItemMoments(1, 1, 3)] * 3).alpha is None
    flat = measures.reliability([2.0, 2.0], [measures.ItemMoments(1, 1, 2)] * 2)
    assert flat.alpha is None and flat.sem is None
    assert measures.class_normalised_gain(1.0, 1.0) is None
