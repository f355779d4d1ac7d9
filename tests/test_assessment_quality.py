"""The item-writing checks on the test forms (`flask assessment check`), the guessing
learners, and the JSON Lines export (`flask assessment export`)."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from fractions import Fraction
from itertools import permutations
from math import factorial

import pytest

from courseapp.assessment import quality
from courseapp.assessment.attempts import form_id_for
from courseapp.assessment.cli import forms_of
from courseapp.assessment.export import record
from courseapp.assessment.guessing import LongestOption, TestWise, form_score, item_scores
from courseapp.assessment.models import Phase
from courseapp.catalogue.items import MultipleItem, Option, TrueFalseItem
from courseapp.catalogue.kinds import kind_of
from courseapp.catalogue.loader import load_course
from courseapp.config import PROJECT_ROOT, Config
from tests.conftest import build_app, sqlite_url
from tests.heldout_guessers import HELD_OUT

COURSE = load_course(PROJECT_ROOT / "content", PROJECT_ROOT / "quizzes")
GROUPS = forms_of(COURSE)
FORMS = [(group.pathway, test) for group in GROUPS for test in group.forms]
FORM_IDS = [test.id for _, test in FORMS]


def copy_course(tmp_path):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "quizzes", tmp_path / "quizzes")
    return build_app(sqlite_url(tmp_path), tmp_path, CONTENT_DIR=tmp_path / "content",
                     QUIZZES_DIR=tmp_path / "quizzes")  # fmt: skip


# -- The command ------------------------------------------------------------------------


def test_the_real_forms_pass_the_check_and_it_prints_figures_per_form(runner):
    result = runner.invoke(args=["assessment", "check"])
    assert result.exit_code == 0, result.output
    for form_id in ("core-a", "core-b", "briefing-a", "briefing-b"):
        assert f"{form_id} (" in result.output
    assert result.output.count("longest-option strategy: ") == 4
    assert result.output.count("test-wise learner: ") == 4
    assert "true/false: " in result.output
    assert "The test forms pass the item-writing checks." in result.output


def test_content_check_runs_the_assessment_check(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "test-wise learner: " in result.output


CUEING_ITEM = """
- id: p1-cued
  kind: single
  tag: principle-1
  stem: What does the first principle ask of you?
  options:
    - id: a
      text: Make her leave him.
    - id: b
      text: >-
        Work in partnership with the non-offending parent to keep the child safe
        and together with her, focusing on the perpetrator's pattern of behaviour
        and the child's experience.
    - id: c
      text: Tell her it is her fault.
    - id: d
      text: Close the case.
  correct: b
  explanation: A cueing item, written to be caught.
"""


def test_a_cueing_item_fails_the_check_and_is_named(tmp_path):
    app = copy_course(tmp_path)
    (tmp_path / "quizzes/bank/extra.yaml").write_text(CUEING_ITEM)
    form = tmp_path / "quizzes/tests/core-a.yaml"
    # Swap it for an item of the same tag and kind, so only the cue is wrong.
    form.write_text(form.read_text().replace("  - p1-why-together\n", "  - p1-cued\n", 1))
    result = app.test_cli_runner().invoke(args=["assessment", "check"])
    assert result.exit_code != 0
    assert "core-a: item 'p1-cued': options differ a lot in length" in result.output
    assert "core-a: item 'p1-cued': the key is the longest option by more than" in result.output
    content = app.test_cli_runner().invoke(args=["content", "check"])
    assert content.exit_code != 0 and "p1-cued" in content.output


def test_forms_that_differ_per_tag_or_share_items_fail(tmp_path):
    app = copy_course(tmp_path)
    form = tmp_path / "quizzes/tests/core-b.yaml"
    form.write_text(form.read_text().replace("  - p1-move-to-relatives\n", "  - p1-why-together\n"))
    form = tmp_path / "quizzes/tests/core-a.yaml"
    form.write_text(form.read_text().replace("  - ev-evidence-from-inside\n", ""))
    result = app.test_cli_runner().invoke(args=["assessment", "check"])
    assert result.exit_code != 0
    assert "core: forms core-a and core-b differ in items per tag: evidence 2 against 3" in (
        result.output
    )
    assert "core: forms core-a and core-b share items: p1-why-together" in result.output


# -- The item-writing rules, one at a time ------------------------------------------------


def tf(item_id: str, stem: str, correct: bool) -> TrueFalseItem:
    return TrueFalseItem(id=item_id, kind="true-false", tag="evidence", stem=stem,
                         correct=correct, explanation="e")  # fmt: skip


def test_true_false_balance_counts_statements_absolutes_and_hedges():
    counts = quality._true_false([
        tf("a", "You must always do it.", True),
        tf("b", "It can sometimes happen.", True),
        tf("c", "It never happens.", False),
        tf("d", "Nothing here is hedged or absolute, in fact.", False),
    ])  # fmt: skip
    assert counts["true"] == {"statements": 2, "absolutes": 1, "hedges": 1}
    assert counts["false"] == {"statements": 2, "absolutes": 2, "hedges": 0}


def test_length_spread_is_measured_in_characters():
    options = [
        Option(id=i, text=c * n) for i, c, n in (("a", "x", 30), ("b", "y", 61), ("c", "z", 40))
    ]
    item = MultipleItem(id="m", kind="multiple", tag="evidence", stem="s", explanation="e",
                        options=options, correct=["a"])  # fmt: skip
    assert any("options differ a lot in length (30 to 61" in p for p in quality.item_problems(item))


# -- The guessing learners -----------------------------------------------------------------


@pytest.mark.parametrize(("pathway", "test"), FORMS, ids=FORM_IDS)
def test_guessing_learners_stay_within_the_bounds(pathway, test):
    assert form_score(TestWise().answer, pathway, test) <= quality.TESTWISE_BOUND
    assert form_score(LongestOption().answer, pathway, test) <= quality.LONGEST_BOUND


@pytest.mark.parametrize(("pathway", "test"), FORMS, ids=FORM_IDS)
def test_guessers_never_look_at_the_keys(pathway, test):
    for item in test.items:
        seen = record(pathway, test.id, item)
        blind = {key: value for key, value in seen.items() if key != "correct"}
        for learner in (TestWise(), LongestOption(), *HELD_OUT):
            assert learner.answer(seen) == learner.answer(blind)


def test_the_longest_option_strategy_is_marked_with_partial_credit():
    item = MultipleItem(id="m", kind="multiple", tag="evidence", stem="s", explanation="e",
                        options=[Option(id="a", text="a long right option"),
                                 Option(id="b", text="right"), Option(id="c", text="wrong")],
                        correct=["a", "b"])  # fmt: skip
    answer = LongestOption().answer(record("core", "f", item))
    assert answer == ["a"] and kind_of(item).score(item, answer) == 0.5


@pytest.mark.parametrize(("pathway", "test"), FORMS, ids=FORM_IDS)
def test_held_out_guessers_measured(pathway, test):
    """Measures only: these learners are not used to tune the items. Run with -s to
    see the figures; they are held to the same upper bound as the project's learner."""
    for learner in HELD_OUT:
        score = sum(item_scores(learner.answer, pathway, test).values()) / len(test.items)
        print(f"{test.id}: {learner.name} {score:.3f}")
        assert score <= 0.45


# -- The chance of passing by guessing ----------------------------------------------------

GUESSERS = (TestWise(), LongestOption(), *HELD_OUT)
PASS_BY_GUESSING_BOUND = 0.02
MAX_ORDERS = 720  # option orders tried per item; items with more are sampled (seeded)


def _orders(n: int, rng: random.Random) -> list[tuple[int, ...]]:
    """Every order of n options (or statements), or a seeded sample when there are many."""
    if factorial(n) <= MAX_ORDERS:
        return list(permutations(range(n)))
    return [tuple(rng.sample(range(n), n)) for _ in range(MAX_ORDERS)]


def _seen(rec: dict, order: tuple[int, ...]) -> dict:
    """The record as a learner sees it in an attempt: options (or a classification
    item's statements) in the attempt's shuffled order, as the app shows them."""
    part = "statements" if rec["kind"] == "classification" else "options"
    if part not in rec:
        return rec
    return rec | {part: [rec[part][i] for i in order]}


def item_mark_chances(answer, pathway: str, test) -> list[dict[Fraction, float]]:
    """Per item, the chance of each mark when options are shuffled for the attempt (every
    order equally likely, as kinds' option_order gives them). The key is left out of
    what the learner sees."""
    rng = random.Random(20240521)
    chances = []
    for item in test.items:
        rec = {k: v for k, v in record(pathway, test.id, item).items() if k != "correct"}
        part = rec.get("statements") or rec.get("options") or []
        orders = _orders(len(part), rng) if part else [()]
        marks: Counter = Counter()
        for order in orders:
            mark = kind_of(item).score(item, answer(_seen(rec, order)))
            marks[Fraction(mark).limit_denominator(100)] += 1
        chances.append({mark: n / len(orders) for mark, n in marks.items()})
    return chances


def pass_chance(answer, pathway: str, test, pass_mark: int) -> float:
    """The chance that one attempt at the form reaches the pass mark: the marks of the
    items (shuffled independently) added up exactly."""
    totals: dict[Fraction, float] = {Fraction(0): 1.0}
    for chances in item_mark_chances(answer, pathway, test):
        step: dict[Fraction, float] = {}
        for total, p in totals.items():
            for mark, q in chances.items():
                step[total + mark] = step.get(total + mark, 0.0) + p * q
        totals = step
    return sum(p for total, p in totals.items() if total * 100 >= pass_mark * len(test.items))


def pass_within_attempts(per_form: dict[str, float], forms: list[str], attempts: int) -> float:
    """The chance of passing within the post-test attempts: half of learners take each
    form order, and each attempt's form is the one the app gives (retakes alternate)."""
    chances = []
    for order in (0, 1):
        fail = 1.0
        for number in range(1, attempts + 1):
            fail *= 1 - per_form[form_id_for(order, forms, Phase.POST, number)]
        chances.append(1 - fail)
    return sum(chances) / len(chances)


@pytest.mark.parametrize("group", GROUPS, ids=[g.pathway for g in GROUPS])
def test_no_guessing_learner_is_likely_to_pass_within_the_attempts(group):
    """Each guessing learner, options shuffled per attempt as the app does, at the
    pathway's pass mark and with the post-test attempts allowed. Run with -s to see the
    figures."""
    pass_mark = COURSE.pathways[group.pathway].definition.pass_mark
    forms = [test.id for test in group.forms]
    for learner in GUESSERS:
        per_form = {
            test.id: pass_chance(learner.answer, group.pathway, test, pass_mark)
            for test in group.forms
        }
        chance = pass_within_attempts(per_form, forms, Config.POST_TEST_ATTEMPTS)
        print(
            f"{group.pathway}: {learner.name}: per attempt "
            + ", ".join(f"{form} {p:.4f}" for form, p in per_form.items())
            + f"; within {Config.POST_TEST_ATTEMPTS} attempts {chance:.4f}"
        )
        assert chance < PASS_BY_GUESSING_BOUND, (learner.name, per_form)


def test_the_simulation_shuffles_options_and_alternates_forms():
    """A learner who takes the third option is right one time in four on a four-option
    item once options are shuffled; a form passed for sure on one attempt is passed
    within three whichever order the learner has, a form never passed counts nothing,
    and a form passed half the time is met once or twice of three attempts."""
    pathway, test = FORMS[0]
    third = next(learner for learner in HELD_OUT if learner.name == "by-position")
    for item, chances in zip(test.items, item_mark_chances(third.answer, pathway, test),
                             strict=True):  # fmt: skip
        if item.kind in ("single", "scenario"):
            assert chances.get(Fraction(1), 0.0) == pytest.approx(1 / len(item.options))
    assert pass_within_attempts({"a": 1.0, "b": 0.0}, ["a", "b"], 3) == 1.0
    assert pass_within_attempts({"a": 0.0, "b": 0.0}, ["a", "b"], 3) == 0.0
    assert pass_within_attempts({"a": 0.5, "b": 0.0}, ["a", "b"], 3) == pytest.approx(
        (0.5 + 0.75) / 2
    )


# -- The export --------------------------------------------------------------------------


def test_export_prints_one_parsable_line_per_item_per_form(runner):
    result = runner.invoke(args=["assessment", "export"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == sum(len(test.items) for _, test in FORMS)
    forms = Counter(line["form"] for line in lines)
    assert len(forms) >= 4
    assert {line["pathway"] for line in lines} == {"core", "briefing"}
    for line in lines:
        item = COURSE.bank.items[line["item"]]
        assert line["kind"] == item.kind and line["tag"] == item.tag
        assert line["stem"] == item.stem and line["case"] == getattr(item, "case", None)
        if line["kind"] == "classification":
            assert [s["id"] for s in line["statements"]] == [s.id for s in item.statements]
            assert {c["id"] for c in line["categories"]} >= set(line["correct"].values())
            assert set(line["correct"]) == {s["id"] for s in line["statements"]}
            assert "options" not in line
        elif line["kind"] == "true-false":
            assert line["correct"] in (True, False) and "options" not in line
        else:
            ids = [o["id"] for o in line["options"]]
            assert all(o["text"] for o in line["options"])
            assert line["correct"] and set(line["correct"]) <= set(ids)
            assert (len(line["correct"]) == 1) == (line["kind"] != "multiple")


def test_each_pathway_exports_two_forms_and_briefing_forms_test_the_briefing(runner):
    lines = [json.loads(x) for x in runner.invoke(args=["assessment", "export"]).output.split("\n")
             if x]  # fmt: skip
    per_pathway = Counter(pathway for pathway, _ in {(x["pathway"], x["form"]) for x in lines})
    assert per_pathway == {"core": 2, "briefing": 2}
    for form in ("briefing-a", "briefing-b"):
        tags = Counter(x["tag"] for x in lines if x["form"] == form)
        assert tags["briefing"] >= 9
    for first, second in (("core-a", "core-b"), ("briefing-a", "briefing-b")):
        items_a = {x["item"] for x in lines if x["form"] == first}
        items_b = {x["item"] for x in lines if x["form"] == second}
        assert not items_a & items_b


def test_every_pathway_has_a_reverse_keyed_attitude_item():
    for group in GROUPS:
        for test in group.forms:
            agreement = [r for r in test.ratings if r.scale == "agreement"]
            assert any(r.blaming for r in agreement) and any(not r.blaming for r in agreement)


# -- Knowledge checks and test items ----------------------------------------------------


def _words(text: str) -> str:
    return " ".join("".join(ch for ch in (text or "").lower() if ch.isalnum() or ch == " ").split())


def _texts(question) -> list[str]:
    """A question's stem and options, each as plain lower-case words."""
    options = [getattr(option, "text", "") for option in getattr(question, "options", None) or []]
    return [t for t in map(_words, [question.stem, *options]) if len(t) > 25]


def test_no_knowledge_check_question_is_a_near_copy_of_a_test_item():
    """A knowledge check gives feedback on every option and unlimited tries, so a
    question that is nearly a test item's wording would hand its answer to anyone who
    tried every option. Checks practise the same points in other cases and words."""
    from difflib import SequenceMatcher

    copies = []
    for check in COURSE.checks.values():
        for question in check.questions:
            mine = _texts(question)
            for item in COURSE.bank.items.values():
                theirs = _texts(item)
                for a, b in ((a, b) for a in mine for b in theirs):
                    pair = SequenceMatcher(None, a, b)  # the quick ratios are upper bounds
                    bounds = pair.real_quick_ratio() >= 0.8 and pair.quick_ratio() >= 0.8
                    if bounds and pair.ratio() >= 0.8:
                        copies.append((check.id, question.id, item.id, round(pair.ratio(), 2)))
    assert copies == []
