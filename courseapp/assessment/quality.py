"""Item-writing checks on the scored forms and the knowledge checks, the way an item
writer reviews a draft. Pure: depends only on the loaded definitions.

Bounds (a problem when crossed):
- per form, the test-wise learner's score above TESTWISE_BOUND, or the longest-option
  strategy's above LONGEST_BOUND (chance on these forms is about 0.30);
- per form, the share of one-key choice items whose key is the longest option above
  KEY_LONGEST_BOUND, or the shortest above KEY_SHORTEST_BOUND;
- per item, a longest option more than SPREAD_BOUND times the length of the shortest,
  or a key that is the longest by more than KEY_MARGIN (a fifth) over the next;
- "all of the above" or "none of the above" as an option;
- per form, one position (first, second...) holding more than KEY_POSITION_BOUND of
  the keys of one-key items, or the key being the option least like the others
  (the odd one out) or most like them in more than KEY_LIKENESS_BOUND of them;
- a classification item whose statements are listed in the order of their
  categories;
- per form, true and false statements out of balance by more than one, or absolutes
  (always, never, only, must...) or hedges (can, may, often...) found in true
  statements more than one more (or fewer) times than in false ones;
- the forms of a pathway with different counts per tag, per kind or per tag and kind
  (items are paired by tag and kind across the forms), or sharing items;
- knowledge checks: the right option the longest in more than KC_LONGEST_BOUND of
  single-answer questions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from courseapp.assessment.export import PathwayForms
from courseapp.assessment.guessing import (
    ABSOLUTES,
    HEDGES,
    LongestOption,
    TestWise,
    content_words,
    item_scores,
    words,
)
from courseapp.catalogue.bank import Test
from courseapp.catalogue.items import (
    SCHEMES,
    ClassificationItem,
    ItemBase,
    MultipleItem,
    SingleItem,
    TrueFalseItem,
)
from courseapp.catalogue.schema import KnowledgeCheck

TESTWISE_BOUND = 0.40
LONGEST_BOUND = 0.35
KEY_LONGEST_BOUND = 0.30
KEY_SHORTEST_BOUND = 0.40
SPREAD_BOUND = 2.0
KEY_MARGIN = 1.2
KC_LONGEST_BOUND = 0.35
KEY_POSITION_BOUND = 0.40
KEY_LIKENESS_BOUND = 0.40
ABOVE = ("all of the above", "none of the above")
FAMILY = {"single": "one-key", "scenario": "one-key"}  # a scenario is a single with a case


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _lengths(item: ItemBase) -> dict[str, int]:
    return {o.id: len(o.text) for o in item.options}  # type: ignore[attr-defined]


def item_problems(item: ItemBase) -> list[str]:
    problems = []
    if isinstance(item, (SingleItem, MultipleItem)):
        lengths = _lengths(item)
        longest, shortest = max(lengths.values()), min(lengths.values())
        if longest > SPREAD_BOUND * shortest:
            problems.append(
                f"item {item.id!r}: options differ a lot in length "
                f"({shortest} to {longest} characters, more than {SPREAD_BOUND:g} times)"
            )
        if isinstance(item, SingleItem):
            ranked = sorted(lengths.values(), reverse=True)
            if lengths[item.correct] == ranked[0] and ranked[0] > KEY_MARGIN * ranked[1]:
                problems.append(
                    f"item {item.id!r}: the key is the longest option by more than "
                    f"{KEY_MARGIN - 1:.0%} ({ranked[0]} against {ranked[1]} characters)"
                )
        for option in item.options:
            if any(phrase in option.text.lower() for phrase in ABOVE):
                problems.append(f"item {item.id!r}: option {option.id!r} is all/none of the above")
    if isinstance(item, ClassificationItem):
        rank = {category: n for n, category in enumerate(SCHEMES[item.scheme])}
        answers = [rank[s.answer] for s in item.statements]
        if answers == sorted(answers):
            problems.append(
                f"item {item.id!r}: the statements are listed in the order of their categories"
            )
    return problems


def likeness(item: SingleItem) -> dict[str, float]:
    """Each option's mean word overlap with the other options."""
    sets = {o.id: content_words(o.text) for o in item.options}
    return {
        oid: sum(len(a & b) / max(1, len(a | b)) for other, b in sets.items() if other != oid)
        / (len(sets) - 1)
        for oid, a in sets.items()
    }


def _true_false(items: list[TrueFalseItem]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"true": Counter(), "false": Counter()}
    for item in items:
        tokens = set(words(item.stem))
        side = counts["true" if item.correct else "false"]
        side["statements"] += 1
        side["absolutes"] += bool(tokens & ABSOLUTES)
        side["hedges"] += bool(tokens & HEDGES)
    return counts


def form_report(pathway: str, test: Test, report: Report) -> None:
    items = list(test.items)
    singles = [i for i in items if isinstance(i, SingleItem)]
    key_longest = [i.id for i in singles if _lengths(i)[i.correct] == max(_lengths(i).values())]
    key_shortest = [i.id for i in singles if _lengths(i)[i.correct] == min(_lengths(i).values())]
    multiples = [i for i in items if isinstance(i, MultipleItem)]
    multi_longest = [
        i.id for i in multiples if max(_lengths(i).items(), key=lambda kv: kv[1])[0] in i.correct
    ]
    positions = Counter([o.id for o in i.options].index(i.correct) for i in singles)
    alike = [likeness(i) for i in singles]
    odd = [i.id for i, a in zip(singles, alike, strict=True) if a[i.correct] == min(a.values())]
    most = [i.id for i, a in zip(singles, alike, strict=True) if a[i.correct] == max(a.values())]
    tf = _true_false([i for i in items if isinstance(i, TrueFalseItem)])
    testwise = item_scores(TestWise().answer, pathway, test)
    longest = item_scores(LongestOption().answer, pathway, test)
    testwise_score = sum(testwise.values()) / len(items)
    longest_score = sum(longest.values()) / len(items)
    tags = Counter(i.tag for i in items)
    share_longest = len(key_longest) / max(1, len(singles))
    share_shortest = len(key_shortest) / max(1, len(singles))
    t, f = tf["true"], tf["false"]
    report.lines += [
        f"{test.id} ({pathway}): {len(items)} items; per tag: "
        + ", ".join(f"{tag} {n}" for tag, n in sorted(tags.items())),
        f"  one-key choice items whose key is the longest option: {len(key_longest)} of "
        f"{len(singles)} ({share_longest:.2f}); the shortest: {len(key_shortest)} "
        f"({share_shortest:.2f}); multiple-response items whose longest option is right: "
        f"{len(multi_longest)} of {len(multiples)}",
        "  keys of one-key items by position: "
        + ", ".join(f"{'abcdef'[p]} {n}" for p, n in sorted(positions.items()))
        + f"; key least like the other options: {len(odd)}, most like them: {len(most)}",
        f"  true/false: {t['statements']} true, {f['statements']} false; with absolutes "
        f"{t['absolutes']} true, {f['absolutes']} false; with hedges {t['hedges']} true, "
        f"{f['hedges']} false",
        f"  longest-option strategy: {longest_score:.3f}; test-wise learner: {testwise_score:.3f}",
    ]
    problems = report.problems
    for item in items:
        problems.extend(f"{test.id}: {p}" for p in item_problems(item))
    if share_longest > KEY_LONGEST_BOUND:
        problems.append(
            f"{test.id}: the key is the longest option in {share_longest:.0%} of one-key items "
            f"(bound {KEY_LONGEST_BOUND:.0%}): " + ", ".join(key_longest)
        )
    if share_shortest > KEY_SHORTEST_BOUND:
        problems.append(
            f"{test.id}: the key is the shortest option in {share_shortest:.0%} of one-key "
            f"items (bound {KEY_SHORTEST_BOUND:.0%}): " + ", ".join(key_shortest)
        )
    for position, n in sorted(positions.items()):
        if n / len(singles) > KEY_POSITION_BOUND:
            problems.append(
                f"{test.id}: {n} of {len(singles)} one-key items have their key in position "
                f"{'abcdef'[position]} (bound {KEY_POSITION_BOUND:.0%})"
            )
    for what, ids in (("least like the other options", odd), ("most like them", most)):
        if len(ids) / max(1, len(singles)) > KEY_LIKENESS_BOUND:
            problems.append(
                f"{test.id}: the key is the option {what} in {len(ids)} of {len(singles)} "
                f"one-key items (bound {KEY_LIKENESS_BOUND:.0%}): " + ", ".join(ids)
            )
    for what in ("statements", "absolutes", "hedges"):
        if abs(t[what] - f[what]) > 1:
            problems.append(
                f"{test.id}: true/false {what} out of balance: {t[what]} true, {f[what]} false"
            )
    for name, score, bound, marks in (
        ("test-wise learner", testwise_score, TESTWISE_BOUND, testwise),
        ("longest-option strategy", longest_score, LONGEST_BOUND, longest),
    ):
        if score > bound:
            right = [item_id for item_id, mark in marks.items() if mark == 1.0]
            problems.append(
                f"{test.id}: the {name} scores {score:.3f} (bound {bound:.2f}); it gets "
                "these items fully right: " + ", ".join(right)
            )


def pathway_report(group: PathwayForms, report: Report) -> None:
    for test in group.forms:
        form_report(group.pathway, test, report)
    if len(group.forms) < 2:
        return
    first, *others = group.forms
    for other in others:
        for what, key in (
            ("tag", lambda i: i.tag),
            ("kind", lambda i: FAMILY.get(i.kind, i.kind)),
            ("tag and kind", lambda i: f"{i.tag}/{FAMILY.get(i.kind, i.kind)}"),
        ):
            a, b = Counter(map(key, first.items)), Counter(map(key, other.items))
            if a != b:
                differ = sorted(k for k in a.keys() | b.keys() if a[k] != b[k])
                report.problems.append(
                    f"{group.pathway}: forms {first.id} and {other.id} differ in items per "
                    f"{what}: " + ", ".join(f"{k} {a[k]} against {b[k]}" for k in differ)
                )
        shared = sorted({i.id for i in first.items} & {i.id for i in other.items})
        if shared:
            report.problems.append(
                f"{group.pathway}: forms {first.id} and {other.id} share items: "
                + ", ".join(shared)
            )


def checks_report(checks: dict[str, KnowledgeCheck], report: Report) -> None:
    singles = [(c.id, q) for c in checks.values() for q in c.questions if q.kind == "single"]
    longest = [
        f"{check_id}/{q.id}"
        for check_id, q in singles
        if len(next(o for o in q.options if o.correct).text) == max(len(o.text) for o in q.options)
    ]
    share = len(longest) / max(1, len(singles))
    report.lines.append(
        f"knowledge checks: the right option is the longest in {len(longest)} of "
        f"{len(singles)} single-answer questions ({share:.2f})"
    )
    if share > KC_LONGEST_BOUND:
        report.problems.append(
            f"knowledge checks: the right option is the longest in {share:.0%} of single-answer "
            f"questions (bound {KC_LONGEST_BOUND:.0%}): " + ", ".join(longest)
        )


def check(groups: list[PathwayForms], checks: dict[str, KnowledgeCheck]) -> Report:
    report = Report()
    for group in groups:
        pathway_report(group, report)
    checks_report(checks, report)
    return report
