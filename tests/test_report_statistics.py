"""Report statistics on hand-worked fixtures: every figure is checked against arithmetic
done in the comments."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter

import pytest

from courseapp.reports.statistics import (
    MIN_GROUP,
    SUPPRESSED,
    WORSE_AFTER_TOLERANCE,
    ItemFlag,
    ItemStats,
    PairedSummary,
    csv_bytes,
    csv_cell,
    group_size,
    is_suppressed,
    item_flags,
    mean,
    median_of_counts,
    normalised_gain,
    paired_summary,
    suppress_small_group,
)
from tests.report_definitions import (
    LearnerItems,
    item_analysis,
    median,
    pair_scores,
    paired_summary_by_tag,
    rating_summary,
)

approx = pytest.approx
BOM = b"\xef\xbb\xbf"

# -- Averages --------------------------------------------------------------------------


def test_mean_and_median_of_nothing_are_none():
    assert mean([]) is None
    assert median([]) is None


def test_mean_and_median():
    assert mean([0.2, 0.4, 0.9]) == approx(0.5)
    assert median([0.9, 0.2, 0.4]) == 0.4


def test_median_of_an_even_count_is_the_midpoint_of_the_middle_two():
    assert median([0.9, 0.1, 0.6, 0.4]) == approx(0.5)
    assert median([0.0, 1.0]) == 0.5


# -- Paired pre/post -------------------------------------------------------------------


def test_normalised_gain():
    assert normalised_gain(0.0, 0.5) == 0.5  # pre 0: g is the raw gain
    assert normalised_gain(0.5, 0.75) == 0.5
    assert normalised_gain(0.5, 0.25) == -0.5  # a loss gives a negative g
    assert normalised_gain(0.9, 0.0) == approx(-9)
    assert normalised_gain(1.0, 1.0) is None  # nothing left to gain
    assert normalised_gain(1.0, 0.5) is None


PAIRS = [
    (0.5, 0.75),  # gain 0.25, g 0.25 / 0.5 = 0.5, improved
    (0.0, 0.5),  # gain 0.5, g 0.5 / 1 = 0.5, improved
    (1.0, 0.8),  # gain -0.2, g undefined
    (0.75, 0.5),  # gain -0.25, g -0.25 / 0.25 = -1.0
    (0.25, 0.4),  # gain 0.15, g 0.15 / 0.75 = 0.2, improved
]


def test_paired_summary_checks_every_figure():
    summary = paired_summary(PAIRS)
    assert summary.n == 5
    assert summary.pre_mean == approx(0.5)  # 2.5 / 5
    assert summary.pre_median == 0.5  # 0, 0.25, [0.5], 0.75, 1
    assert summary.post_mean == approx(0.59)  # 2.95 / 5
    assert summary.post_median == 0.5  # 0.4, 0.5, [0.5], 0.75, 0.8
    assert summary.mean_gain == approx(0.09)  # 0.45 / 5
    assert summary.mean_normalised_gain == approx(0.05)  # (0.5 + 0.5 - 1 + 0.2) / 4
    assert summary.n_gain_undefined == 1
    assert summary.n_improved == 3
    assert summary.share_improved == approx(0.6)


def test_paired_summary_of_nobody():
    assert paired_summary([]) == PairedSummary(
        n=0,
        pre_mean=None,
        pre_median=None,
        post_mean=None,
        post_median=None,
        mean_gain=None,
        mean_normalised_gain=None,
        n_gain_undefined=0,
        n_improved=0,
        share_improved=None,
    )


def test_normalised_gain_is_none_when_every_learner_started_full():
    summary = paired_summary([(1.0, 1.0), (1.0, 0.9)])
    assert summary.mean_normalised_gain is None
    assert summary.n_gain_undefined == 2
    assert summary.mean_gain == approx(-0.05)
    assert summary.share_improved == 0


def test_an_even_number_of_pairs_has_midpoint_medians():
    summary = paired_summary([(0.2, 0.6), (0.4, 0.8), (0.0, 0.3), (0.6, 0.9)])
    assert summary.pre_median == approx(0.3)  # 0, [0.2, 0.4], 0.6
    assert summary.post_median == approx(0.7)  # 0.3, [0.6, 0.8], 0.9


@pytest.mark.parametrize("pair", [(85, 90), (0.5, 1.2), (-0.1, 0.5), (math.nan, 0.5)])
def test_paired_summary_refuses_scores_outside_zero_to_one(pair):
    with pytest.raises(ValueError, match="between 0 and 1"):
        paired_summary([pair])


def test_pair_scores_pairs_by_learner_and_counts_the_missing():
    pre = {"a": 0.5, "b": 0.2, "c": None, "e": 0.3, "g": 0.0}
    post = {"a": 0.7, "c": 0.4, "d": 0.9, "e": None, "f": None, "g": 0.0}
    pairing = pair_scores(pre, post)
    assert pairing.pairs == {"a": (0.5, 0.7), "g": (0.0, 0.0)}  # a zero is a score
    assert pairing.missing_pre == 2  # c, d
    assert pairing.missing_post == 2  # b, e; f took neither test
    assert paired_summary(pairing.pairs.values()).n == 2


def test_pair_scores_of_nothing():
    pairing = pair_scores({}, {})
    assert (pairing.pairs, pairing.missing_pre, pairing.missing_post) == ({}, 0, 0)


def test_paired_summary_by_tag_keeps_the_given_order_then_the_rest():
    learners = [
        {"t1": (0.5, 1.0), "t2": (0.0, 0.5), "zz": (0.5, 0.5)},
        {"t1": (1.0, 1.0), "aa": (0.2, 0.1)},
    ]
    by_tag = paired_summary_by_tag(learners, tags=("t2", "t1", "t3"))
    assert list(by_tag) == ["t2", "t1", "t3", "aa", "zz"]

    t1 = by_tag["t1"]
    assert (t1.n, t1.pre_mean, t1.post_mean) == (2, 0.75, 1.0)
    assert t1.mean_gain == approx(0.25)  # (0.5 + 0) / 2
    assert t1.mean_normalised_gain == 1.0  # 0.5 / 0.5; the second learner started full
    assert t1.n_gain_undefined == 1
    assert t1.share_improved == 0.5

    assert by_tag["t2"].n == 1
    assert by_tag["t2"].mean_normalised_gain == 0.5
    assert by_tag["t3"] == paired_summary([])
    assert by_tag["aa"].mean_gain == approx(-0.1)
    assert by_tag["aa"].mean_normalised_gain == approx(-0.125)  # -0.1 / 0.8


def test_paired_summary_by_tag_of_nobody():
    assert paired_summary_by_tag([]) == {}


# -- Item analysis ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "size"), [(1, 1), (3, 1), (4, 1), (7, 2), (10, 3), (50, 14), (100, 27), (150, 41)]
)
def test_group_size_is_27_percent_rounded_half_up_at_least_one(n, size):
    assert group_size(n) == size


L1 = LearnerItems(0.9, {"q1": 1.0, "q2": 0.0, "q3": 0.5})
L2 = LearnerItems(0.7, {"q1": 1.0, "q2": 1.0})  # q3 not answered: 0
L3 = LearnerItems(0.4, {"q1": 0.0, "q2": 1.0, "q3": 0.5})
L4 = LearnerItems(0.1, {"q1": 0.0, "q2": 1.0, "q3": 0.0})


def test_item_analysis_with_exactly_four_learners():
    # 27% of 4 rounds to 1: the upper group is L1 alone, the lower group L4 alone.
    stats = item_analysis([L3, L1, L4, L2], ["q1", "q2", "q3", "q4"])
    assert list(stats) == ["q1", "q2", "q3", "q4"]
    assert stats["q1"] == ItemStats(n=4, facility=0.5, discrimination=1.0)
    assert stats["q2"] == ItemStats(n=4, facility=0.75, discrimination=-1.0)
    # Unanswered counts as 0: (0.5 + 0 + 0.5 + 0) / 4; D = 0.5 - 0.
    assert stats["q3"] == ItemStats(n=4, facility=0.25, discrimination=0.5)
    # Nobody answered q4.
    assert stats["q4"] == ItemStats(n=4, facility=0.0, discrimination=0.0)


def test_item_analysis_uses_the_top_and_bottom_27_percent():
    # Ten learners, totals 0.0 .. 0.9: groups of 3, upper 0.9/0.8/0.7, lower 0.0/0.1/0.2.
    records = [
        LearnerItems(
            i / 10,
            {
                "hard-for-weak": 1.0 if i >= 5 else 0.0,
                "flat": 1.0 if i in (0, 7) else 0.0,
                "retired": 1.0,
            },
        )
        for i in range(10)
    ]
    stats = item_analysis(records, ["hard-for-weak", "flat"])
    assert stats["hard-for-weak"] == ItemStats(n=10, facility=0.5, discrimination=1.0)
    assert stats["flat"].facility == approx(0.2)
    assert stats["flat"].discrimination == approx(0.0)  # 1/3 - 1/3
    assert "retired" not in stats  # only the test's own items are reported


def test_learners_tied_on_the_group_boundary_share_the_places():
    # Group size 1, two learners tied at the top: each counts as half a learner.
    tied = [LearnerItems(0.8, {"q": 1.0}), LearnerItems(0.8), LearnerItems(0.2), LearnerItems(0.2)]
    for records in (tied, tied[::-1], [tied[1], tied[0], *tied[2:]]):
        stats = item_analysis(records, ["q"])
        assert stats["q"].facility == 0.25
        assert stats["q"].discrimination == 0.5  # (1 + 0) / 2 - 0


def test_when_everyone_ties_the_groups_are_the_same_and_d_is_zero():
    records = [LearnerItems(0.5, {"q": s}) for s in (1.0, 1.0, 0.0, 0.0)]
    assert item_analysis(records, ["q"])["q"] == ItemStats(n=4, facility=0.5, discrimination=0.0)


def test_discrimination_needs_four_learners():
    stats = item_analysis([L1, L2, L3], ["q1"])
    assert stats["q1"] == ItemStats(n=3, facility=approx(2 / 3), discrimination=None)


def test_item_analysis_of_nobody():
    assert item_analysis([], ["q1"]) == {"q1": ItemStats(n=0, facility=None, discrimination=None)}


@pytest.mark.parametrize("record", [LearnerItems(1.5, {"q1": 1.0}), LearnerItems(0.5, {"q1": 2.0})])
def test_item_analysis_refuses_scores_outside_zero_to_one(record):
    with pytest.raises(ValueError, match="between 0 and 1"):
        item_analysis([record], ["q1"])


def stats(facility, discrimination=None):
    return ItemStats(n=10, facility=facility, discrimination=discrimination)


def test_item_flags():
    assert WORSE_AFTER_TOLERANCE == 0.05
    assert ItemFlag.EASY_AT_PRE == "easy-at-pre"
    assert ItemFlag.WORSE_AFTER == "worse-after"
    assert ItemFlag.NEGATIVE_DISCRIMINATION == "negative-discrimination"
    pre = {
        "easy": stats(0.95),
        "edge-easy": stats(0.9),
        "nearly-easy": stats(0.89),
        "drop-at-tolerance": stats(0.6),
        "drop": stats(0.6),
        "pre-only": stats(0.8),
        "nobody": stats(None),
    }
    post = {
        "easy": stats(0.95, 0.2),
        "edge-easy": stats(0.84, -0.1),
        "nearly-easy": stats(0.95, 0.0),
        "drop-at-tolerance": stats(0.55, 0.0),
        "drop": stats(0.54, None),
        "post-only": stats(0.5, -0.3),
        "nobody": stats(None, None),
    }
    assert item_flags(pre, post) == {
        "easy": (ItemFlag.EASY_AT_PRE,),
        "edge-easy": (ItemFlag.EASY_AT_PRE, ItemFlag.WORSE_AFTER, ItemFlag.NEGATIVE_DISCRIMINATION),
        "nearly-easy": (),
        "drop-at-tolerance": (),
        "drop": (ItemFlag.WORSE_AFTER,),
        "pre-only": (),
        "nobody": (),
        "post-only": (ItemFlag.NEGATIVE_DISCRIMINATION,),
    }


def test_item_flags_ignore_float_noise_at_the_thresholds():
    # In floats, 0.4 - 0.35 is 0.050000000000000044 and the mean of nine 0.9s is
    # 0.8999999999999999; both are exactly on the threshold.
    pre = item_analysis([LearnerItems(0.5, {"a": 0.4, "b": 0.9})] * 9, ["a", "b"])
    post = item_analysis([LearnerItems(0.5, {"a": 0.35, "b": 0.9})] * 9, ["a", "b"])
    assert pre["b"].facility < 0.9
    assert item_flags(pre, post) == {"a": (), "b": (ItemFlag.EASY_AT_PRE,)}


# -- Self-ratings ----------------------------------------------------------------------


def test_rating_summary():
    summary = rating_summary([(1, 3), (2, 2), (None, 4), (5, None), (3, 5), (None, None), (4, 1)])
    assert summary.pre_counts == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert summary.post_counts == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert summary.n_paired == 4  # (1, 3), (2, 2), (3, 5), (4, 1)
    assert summary.mean_change == 0.25  # (2 + 0 + 2 - 3) / 4


def test_rating_summary_distributions_list_every_value_even_at_zero():
    summary = rating_summary([(2, None), (2, None), (None, 5)])
    assert summary.pre_counts == {1: 0, 2: 2, 3: 0, 4: 0, 5: 0}
    assert summary.post_counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert (summary.n_paired, summary.mean_change) == (0, None)


def test_rating_summary_of_nobody():
    summary = rating_summary([])
    assert summary.pre_counts == summary.post_counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert (summary.n_paired, summary.mean_change) == (0, None)


@pytest.mark.parametrize("pair", [(0, 3), (3, 6)])
def test_rating_summary_refuses_ratings_outside_one_to_five(pair):
    with pytest.raises(ValueError, match="1 to 5"):
        rating_summary([pair])


# -- Small-group suppression -----------------------------------------------------------


def test_groups_under_five_are_suppressed():
    assert MIN_GROUP == 5
    assert suppress_small_group(0.5, 4) == SUPPRESSED
    assert suppress_small_group(0.5, 0) == SUPPRESSED
    assert suppress_small_group(0.5, 5) == 0.5
    assert suppress_small_group(0, 5) == 0
    assert suppress_small_group(None, 6) is None
    assert is_suppressed(4)
    assert not is_suppressed(5)


# -- CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (0, 0),
        (0.0, 0.0),
        (-0.1, -0.1),
        (-5, -5),
        (42.5, 42.5),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=already", "'=already"),
        (True, "True"),
    ],
)
def test_csv_cell(value, cell):
    result = csv_cell(value)
    assert result == cell
    assert type(result) is type(cell)


def test_csv_cell_makes_negative_zero_plain_zero():
    assert math.copysign(1, csv_cell(-0.0)) == 1


def test_csv_cell_refuses_non_finite_numbers():
    with pytest.raises(ValueError, match="non-finite"):
        csv_cell(math.nan)


def test_csv_bytes():
    data = csv_bytes(
        ["Learner", "Gain", "Note"],
        [
            ['=HYPERLINK("x")', -0.1, None],
            ["Zoë", 0, "-5"],
            ["a,b", 0.0, "line\nbreak"],
            ["\t=1", -3, "\r=1"],
        ],
    )
    assert data.startswith(BOM)
    assert data[len(BOM) :].decode("utf-8") == (
        "Learner,Gain,Note\r\n"
        '"\'=HYPERLINK(""x"")",-0.1,\r\n'
        "Zoë,0,'-5\r\n"
        '"a,b",0.0,"line\nbreak"\r\n'
        "'\t=1,-3,\"'\r=1\"\r\n"  # a CR inside a cell gets the cell quoted
    )


def test_csv_bytes_reads_back():
    data = csv_bytes(["n", "note"], [[0, None], [-0.25, "@x"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["n", "note"], ["0", ""], ["-0.25", "'@x"]]


def test_csv_bytes_with_no_rows_is_just_the_header():
    assert csv_bytes(["a", "b"], []) == BOM + b"a,b\r\n"


def test_median_of_counts_is_the_median_of_the_values_listed():
    rng = random.Random(3)
    assert median_of_counts({}) is None
    for _ in range(500):
        values = [rng.choice((0.0, 0.25, 0.5, 0.6, 1.0)) for _ in range(rng.randint(1, 12))]
        assert median_of_counts(Counter(values)) == approx(median(values))
