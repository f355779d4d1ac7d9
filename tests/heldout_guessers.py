"""Held-out guessing learners, kept apart from the project's own test-wise learner.

They were written before the item bank was rewritten and are never used to tune
items: they only measure. Each reads the exported records (the JSON Lines of
`flask assessment export`) and answers by surface features alone, with ideas and
hand-set weights that differ from courseapp.assessment.guessing:

- `BagOfCues`: a logistic-style scorer. Each option gets a weighted sum of
  surface features (length rank, commas, quotation, a named person, words such
  as "both", "record", "ask", negations); single-answer items take the highest,
  multiple-response items take every option whose probability passes one half.
- `OddOneOut`: picks the option least like the others (lowest mean word overlap),
  the "the right answer looks different" folk rule; for multiple-response items
  the two least alike.
- `ByPosition` (added later, before the items were revised for key position and
  statement order): answers by where things sit in the exported record.
- `MiddleLength` (added after an outside tester found that the keys of one-key
  items were nearly always of middle length on the briefing forms): the option of
  middle length, "never the longest, never the shortest". It comes in two variants,
  the second longest and the second shortest option; both are measured, so a form
  is held to the bound for whichever of the two scores higher on it.

True/false and classification items get their own rules in each learner,
described where they are made.
"""

from __future__ import annotations

import math
import re

WORD = re.compile(r"[a-z']+")
NEGATIONS = {"not", "no", "never", "nothing", "without", "isn't", "doesn't", "can't", "cannot"}
CUE_WORDS = {
    "both": 0.6, "record": 0.5, "ask": 0.4, "what": 0.3, "how": 0.3, "help": 0.3,
    "together": 0.4, "specific": 0.5, "pattern": 0.5, "safe": 0.3, "safer": 0.3,
    "child": 0.2, "children": 0.2, "his": 0.3, "he": 0.2, "behaviour": 0.4,
    "why": -0.8, "must": -0.5, "only": -0.4, "leave": -0.5, "fault": -0.6,
    "refer": -0.3, "referral": -0.3, "police": -0.2, "failed": -0.6, "volatile": -0.6,
}  # fmt: skip
NAME = re.compile(r"\b[A-Z][a-z]+\b")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _option_features(texts: list[str]) -> list[float]:
    lengths = [len(t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    rank = {index: position / max(1, len(texts) - 1) for position, index in enumerate(order)}
    logits = []
    for index, text in enumerate(texts):
        tokens = words(text)
        x = -0.4 + 1.1 * rank[index]
        x += 0.25 * text.count(",")
        x += 0.3 if '"' in text or "\u201c" in text else 0.0
        x += 0.2 if NAME.search(text[1:]) else 0.0
        x += sum(CUE_WORDS.get(token, 0.0) for token in tokens) / max(1, math.sqrt(len(tokens)))
        x -= 0.4 * sum(token in NEGATIONS for token in tokens)
        logits.append(x)
    return logits


class BagOfCues:
    name = "bag-of-cues"

    def answer(self, record: dict):
        kind = record["kind"]
        if kind == "true-false":
            # Long, qualified statements read as true; negations and "only" as false.
            tokens = words(record["stem"])
            x = 0.03 * (len(tokens) - 22) + 0.5 * record["stem"].count(",")
            x -= 0.6 * sum(t in NEGATIONS or t == "only" for t in tokens)
            x += 0.4 * sum(t in {"can", "may", "might", "often", "some"} for t in tokens)
            return x > 0
        if kind == "classification":
            return _classify_by_tone(record, _tone_a)
        texts = [option["text"] for option in record["options"]]
        logits = _option_features(texts)
        ids = [option["id"] for option in record["options"]]
        if kind == "multiple":
            chosen = [i for i, x in zip(ids, logits, strict=True) if _sigmoid(x) > 0.5]
            return chosen or [ids[max(range(len(ids)), key=logits.__getitem__)]]
        return ids[max(range(len(ids)), key=logits.__getitem__)]


class OddOneOut:
    name = "odd-one-out"

    def answer(self, record: dict):
        kind = record["kind"]
        if kind == "true-false":
            # A statement that shares few words with the course's stock phrases of
            # blame reads as true: here, no negation at all means true.
            return not any(t in NEGATIONS for t in words(record["stem"]))
        if kind == "classification":
            return _classify_by_tone(record, _tone_b)
        sets = [set(words(option["text"])) for option in record["options"]]
        ids = [option["id"] for option in record["options"]]
        mean = [
            sum(_overlap(s, other) for j, other in enumerate(sets) if j != i) / (len(sets) - 1)
            for i, s in enumerate(sets)
        ]
        order = sorted(range(len(ids)), key=lambda i: mean[i])
        if kind == "multiple":
            return sorted(ids[i] for i in order[:2])
        return ids[order[0]]


def _tone_a(text: str) -> float:
    return sum(CUE_WORDS.get(t, 0.0) for t in words(text))


def _tone_b(text: str) -> float:
    tokens = words(text)
    return len(tokens) / 10 - sum(t in NEGATIONS or t in {"her", "she", "mum"} for t in tokens)


def _classify_by_tone(record: dict, tone) -> dict[str, str]:
    """Continuum: rank statements from worst to best tone and hand out the levels in
    order. Components: match words of the statement to words of the category label,
    else spread statements over the categories in the order listed."""
    statements = record["statements"]
    categories = record["categories"]
    ids = [c["id"] for c in categories]
    if ids and ids[0] == "destructive":
        order = sorted(statements, key=lambda s: tone(s["text"]))
        step = len(ids) / max(1, len(order))
        return {s["id"]: ids[min(len(ids) - 1, int(i * step))] for i, s in enumerate(order)}
    answer = {}
    for position, statement in enumerate(statements):
        tokens = set(words(statement["text"]))
        stop = {"the", "and", "of", "to"}
        scores = [len(tokens & set(words(c["text"])) - stop) for c in categories]
        best = max(range(len(ids)), key=scores.__getitem__)
        answer[statement["id"]] = ids[best] if scores[best] else ids[position % len(ids)]
    return answer


class ByPosition:
    """Where the key sits, not what it says: the third option on single-answer items
    (writers' favourite), the middle two on multiple-response items, True on
    true/false, and statements given the categories in the order both are listed."""

    name = "by-position"

    def answer(self, record: dict):
        kind = record["kind"]
        if kind == "true-false":
            return True
        if kind == "classification":
            ids = [c["id"] for c in record["categories"]]
            return {s["id"]: ids[i % len(ids)] for i, s in enumerate(record["statements"])}
        ids = [option["id"] for option in record["options"]]
        if kind == "multiple":
            return ids[1:3] if len(ids) > 3 else ids[1:2]
        return ids[min(2, len(ids) - 1)]


class MiddleLength:
    """Neither the longest nor the shortest: on one-key items the second longest option
    (`from_end="longest"`) or the second shortest (`from_end="shortest"`); on
    multiple-response items every option but the longest and the shortest; "true"
    on true/false unless the statement has an absolute word (always, never, only,
    must...); on classification items the category in the middle of the list for
    every statement. Options of equal length keep the order they are listed in."""

    ABSOLUTE = {"always", "never", "only", "must", "all", "every", "none", "nothing", "entirely"}

    def __init__(self, from_end: str = "longest"):
        if from_end not in ("longest", "shortest"):
            raise ValueError(from_end)
        self.from_end = from_end
        self.name = f"middle-length (second {from_end})"

    def answer(self, record: dict):
        kind = record["kind"]
        if kind == "true-false":
            return not any(t in self.ABSOLUTE for t in words(record["stem"]))
        if kind == "classification":
            ids = [c["id"] for c in record["categories"]]
            return {s["id"]: ids[(len(ids) - 1) // 2] for s in record["statements"]}
        options = record["options"]
        by_length = sorted(range(len(options)), key=lambda i: len(options[i]["text"]))
        if kind == "multiple":
            middle = by_length[1:-1] or by_length[:1]
            return sorted(options[i]["id"] for i in middle)
        if len(options) < 3:
            return options[by_length[0]]["id"]
        pick = by_length[-2] if self.from_end == "longest" else by_length[1]
        return options[pick]["id"]


HELD_OUT = (
    BagOfCues(),
    OddOneOut(),
    ByPosition(),
    MiddleLength("longest"),
    MiddleLength("shortest"),
)
