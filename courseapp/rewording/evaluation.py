"""Measuring the feedback rules against labelled examples: the trainer's test bench."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from courseapp.rewording.engine import CONSTRUCTIVE, NEEDS_WORK, Rules, assess

LABELS = (CONSTRUCTIVE, NEEDS_WORK)


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    confusion: Counter = field(default_factory=Counter)  # (label, verdict) -> count
    hits: Counter = field(default_factory=Counter)  # rule id -> texts it fired on
    right_hits: Counter = field(default_factory=Counter)  # ... on texts with the expected label
    mistakes: list[dict] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

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


def evaluate(rules: Rules, examples: list[dict]) -> Evaluation:
    """A flag is right when it fires on a needs_work example; a strength is right
    when it fires on a constructive one."""
    result = Evaluation()
    for row in examples:
        assessment = assess(rules, row["text"], row.get("prompt", ""))
        label, verdict = row["label"], assessment.verdict
        result.total += 1
        result.correct += label == verdict
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


def report(rules: Rules, result: Evaluation, show_mistakes: bool = False) -> str:
    lines = [
        f"Examples: {result.total}",
        f"Accuracy: {result.accuracy:.1%} ({result.correct} of {result.total})",
        "",
        "Confusion matrix (rows: label, columns: verdict)",
        f"{'':>14} {CONSTRUCTIVE:>13} {NEEDS_WORK:>11}",
    ]
    for label in LABELS:
        counts = [result.confusion[(label, verdict)] for verdict in LABELS]
        lines.append(f"{label:>14} {counts[0]:>13} {counts[1]:>11}")
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
