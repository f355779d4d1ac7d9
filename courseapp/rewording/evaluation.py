"""Measuring the feedback rules against labelled examples: the trainer's test bench.

An `uncertain` verdict is not a correct answer: accuracy is given over all items
(uncertain counts as wrong) and over decided items only. "Blame caught" (recall on
needs_work items) counts an uncertain verdict as not caught in the headline figure;
the figure that counts it as caught (it does go to a coordinator) is shown beside it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from courseapp.catalogue.rules import Rules
from courseapp.rewording.engine import (
    CONSTRUCTIVE,
    NEEDS_WORK,
    UNCERTAIN,
    VERDICTS,
    assess,
    assess_exercise,
)

LABELS = (CONSTRUCTIVE, NEEDS_WORK)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class Evaluation:
    total: int = 0
    confusion: Counter = field(default_factory=Counter)  # (label, verdict) -> count
    hits: Counter = field(default_factory=Counter)  # rule id -> texts it fired on
    right_hits: Counter = field(default_factory=Counter)  # ... on texts with the expected label
    mistakes: list[dict] = field(default_factory=list)

    def count(self, label: str | None = None, verdict: str | None = None) -> int:
        return sum(
            n
            for (lab, ver), n in self.confusion.items()
            if label in (None, lab) and verdict in (None, ver)
        )

    @property
    def correct(self) -> int:
        return sum(self.confusion[(label, label)] for label in LABELS)

    @property
    def accuracy(self) -> float:
        """Over all items; an uncertain verdict is not a correct one."""
        return _share(self.correct, self.total)

    @property
    def decided_accuracy(self) -> float:
        return _share(self.correct, self.total - self.count(verdict=UNCERTAIN))

    @property
    def blame_caught(self) -> float:
        return _share(self.confusion[(NEEDS_WORK, NEEDS_WORK)], self.count(label=NEEDS_WORK))

    @property
    def blame_kept_from_praise(self) -> float:
        """Blame caught, counting uncertain (sent to a coordinator) as caught."""
        not_praised = self.count(label=NEEDS_WORK) - self.confusion[(NEEDS_WORK, CONSTRUCTIVE)]
        return _share(not_praised, self.count(label=NEEDS_WORK))

    @property
    def constructive_recognised(self) -> float:
        return _share(self.confusion[(CONSTRUCTIVE, CONSTRUCTIVE)], self.count(label=CONSTRUCTIVE))

    @property
    def uncertain_rate(self) -> float:
        return _share(self.count(verdict=UNCERTAIN), self.total)

    def precision(self, rule_id: str) -> float | None:
        return self.right_hits[rule_id] / self.hits[rule_id] if self.hits[rule_id] else None


def read_examples(path: Path) -> list[dict]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS or not isinstance(row.get("text"), str):
            raise ValueError(
                f"{path}:{number}: needs 'text' and a 'label' of {' or '.join(LABELS)}"
            )
        examples.append(row)
    return examples


def evaluate(rules: Rules, examples: list[dict], exercises: dict | None = None) -> Evaluation:
    """A flag is right when it fires on a needs_work example; a strength is right
    when it fires on a constructive one. An example naming an `exercise` is read as
    the learner's page reads it (engine.assess_exercise); one with its own `people` or
    `prompt` is read with those, and the exercise's example answers, if it names one."""
    result = Evaluation()
    for row in examples:
        exercise = (exercises or {}).get(row.get("exercise"))
        if exercise is not None and not ({"people", "prompt"} & row.keys()):
            assessment = assess_exercise(rules, exercise, row["text"], exercises.values())
        else:
            answers = tuple(exercise.model_answers) if exercise else ()
            people = row.get("people") or (exercise.people if exercise else {})
            prompt = row.get("prompt") or (exercise.destructive if exercise else "")
            assessment = assess(rules, row["text"], prompt, answers, people)
        label, verdict = row["label"], assessment.verdict
        result.total += 1
        result.confusion[(label, verdict)] += 1
        for finding in assessment.flags:
            result.hits[finding.rule.id] += 1
            result.right_hits[finding.rule.id] += label == NEEDS_WORK
        for finding in assessment.strengths:
            result.hits[finding.rule.id] += 1
            result.right_hits[finding.rule.id] += label == CONSTRUCTIVE
        if label != verdict:
            result.mistakes.append(row | assessment.as_json())
    return result


def report(rules: Rules, result: Evaluation, title: str, show_mistakes: bool = False) -> str:
    decided = result.total - result.count(verdict=UNCERTAIN)
    lines = [
        f"== {title} ==",
        f"Examples: {result.total}",
        f"Accuracy (all items, uncertain counts as wrong): {result.accuracy:.1%} "
        f"({result.correct} of {result.total})",
        f"Accuracy (decided items only): {result.decided_accuracy:.1%} "
        f"({result.correct} of {decided})",
        f"Blame caught (needs_work judged needs_work): {result.blame_caught:.1%}"
        f"  [counting uncertain as caught: {result.blame_kept_from_praise:.1%}]",
        f"Constructive recognised: {result.constructive_recognised:.1%}",
        f"Uncertain: {result.uncertain_rate:.1%} ({result.count(verdict=UNCERTAIN)})",
        "",
        "Confusion matrix (rows: label, columns: verdict)",
        f"{'':>14} " + " ".join(f"{v:>13}" for v in VERDICTS),
    ]
    for label in LABELS:
        counts = [result.confusion[(label, verdict)] for verdict in VERDICTS]
        lines.append(f"{label:>14} " + " ".join(f"{c:>13}" for c in counts))
    lines += ["", f"{'rule':<28} {'kind':<9} {'hits':>5} {'precision':>10}"]
    for kind, group in (("flag", rules.flags), ("strength", rules.strengths)):
        for rule in group:
            precision = result.precision(rule.id)
            shown = "-" if precision is None else f"{precision:.0%}"
            lines.append(f"{rule.id:<28} {kind:<9} {result.hits[rule.id]:>5} {shown:>10}")
    if show_mistakes:
        lines += ["", "Mistakes:"]
        for row in result.mistakes:
            lines.append(
                f"- [{row['label']} -> {row['verdict']}] {row['text']!r} "
                f"flags={row['flags']} strengths={row['strengths']}"
            )
    return "\n".join(lines)
