"""Learners that answer scored items by surface cues alone, without course knowledge.

They read exported records (see courseapp.assessment.export) and never look at the
keys. Their answers are marked with the item kinds' own scoring rules, so partial
credit on multiple-response and classification items counts as it does for learners.

`LongestOption` is the classic strategy: the longest option; "False" on true/false
items (the longer of the two labels); the longest category name for every statement.

`TestWise` combines many cues with fixed weights (the WEIGHTS table, set by hand and
never fitted to the keys). For each option of a choice item it adds up:

- length relative to the item's mean option length (longer looks more careful),
- specificity: figures, quotations and names inside the option,
- overlap with the words of the stem and case (options that repeat the question),
- convergence: the mean word overlap with the other options (the key is often the
  option the distractors are variations of),
- "sounds like the course": words such as pattern, partner, strengths, behaviour,
  child's experience, record, safety, together,
- blame, separation and euphemism words count against an option,
- absolutes (always, never, only, must...) count against, hedges (may, can,
  often...) for,
- a small bonus for middle length (neither the shortest nor the longest),
- grammatical agreement with a stem ending in "a" or "an".

A single-answer item takes the highest total; a multiple-response item takes every
option above the item's mean (at least one, never all). A true/false statement is
called true when hedges and course words outweigh absolutes and blame words. A
classification item: continuum statements are ranked by tone and given the levels
in order; component statements go to the category whose name (with a few everyday
synonyms of its words) they share most words with.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from courseapp.assessment.export import record
from courseapp.catalogue.bank import Test
from courseapp.catalogue.kinds import kind_of

WORD = re.compile(r"[a-z0-9']+")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP = _set(
    "a an the and or of to in on at for with by as is are was were be been it its this that "
    "these those he she his her him they them their you your i we our what which who how "
    "do does did has have had not so if than then from about into"
)
ABSOLUTES = _set(
    "always never only must all every none no nothing cannot can't whatever entirely "
    "completely certainly any"
)
HEDGES = _set("can may might often usually some sometimes tend tends likely could most")
COURSE = _set(
    "pattern patterns partner partnership strengths strength behaviour behaviours "
    "perpetrator perpetrator's child's experience record records recording name names "
    "naming describe specific safety safe safer together protective efforts accountable "
    "accountability expectations change support recognise wellbeing stability coercive "
    "control open plain words both needs impact"
)
BLAME = _set(
    "why fault failed failing fail failure leave leaving left separate separated separation "
    "end ending move moved must volatile conflict argue arguing arguments argument incident "
    "refer referral referred remove removal removed promise target disorganised chaotic "
    "blame mum's choice choose chose"
)
WEIGHTS = {
    "length": 1.2,
    "specific": 0.4,
    "stem": 1.0,
    "convergence": 1.5,
    "course": 0.8,
    "blame": -1.0,
    "absolute": -0.4,
    "hedge": 0.2,
    "middle": 0.15,
    "grammar": 0.5,
}
# Everyday synonyms of words in the component names, for sorting statements.
SYNONYMS = {
    "component-1": "pattern coercive control controls controlled checks checked phone "
    "messages threatens threatened previous partner partners rules",
    "component-2": "actions harm child tells told son daughter hit shouted using used "
    "asks questions",
    "component-3": "protective efforts protect keeps kept routine routines makes sure "
    "gets takes still",
    "component-4": "impact family functioning moved moves school schools lost friends "
    "job income home",
    "component-5": "substance misuse mental health culture socio economic drink drinks "
    "drinking drunk drugs alcohol money low mood anxious debt rent",
}
TONE_BAD = BLAME | {"job", "whatever", "only", "split", "anyway"}


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _share(tokens: list[str], vocabulary: set[str]) -> float:
    return sum(t in vocabulary for t in tokens) / math.sqrt(max(1, len(tokens)))


def option_scores(stem: str, texts: list[str]) -> list[float]:
    """The TestWise total for each option, in the order given."""
    lengths = [len(t) for t in texts]
    mean = sum(lengths) / len(lengths)
    context = content_words(stem)
    sets = [content_words(t) for t in texts]
    article = stem.rstrip(" .:?").split()[-1].lower() if stem.split() else ""
    totals = []
    for i, text in enumerate(texts):
        tokens = words(text)
        others = [_jaccard(sets[i], s) for j, s in enumerate(sets) if j != i]
        specific = len(re.findall(r"\d", text)) + text.count('"') // 2
        specific += len(re.findall(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+", text))
        grammar = 0.0
        if article in ("a", "an") and tokens:
            vowel = tokens[0][0] in "aeiou"
            grammar = 1.0 if vowel == (article == "an") else -1.0
        features = {
            "length": (lengths[i] - mean) / mean,
            "specific": min(specific, 3) / 3,
            "stem": len(sets[i] & context) / max(1, len(sets[i])),
            "convergence": sum(others) / max(1, len(others)),
            "course": _share(tokens, COURSE),
            "blame": _share(tokens, BLAME),
            "absolute": sum(t in ABSOLUTES for t in tokens),
            "hedge": sum(t in HEDGES for t in tokens),
            "middle": float(min(lengths) < lengths[i] < max(lengths)),
            "grammar": grammar,
        }
        totals.append(sum(WEIGHTS[name] * value for name, value in features.items()))
    return totals


def _tone(text: str) -> float:
    tokens = words(text)
    return _share(tokens, COURSE) - 1.5 * _share(tokens, TONE_BAD)


class TestWise:
    name = "test-wise learner"

    def answer(self, rec: dict):
        kind = rec["kind"]
        if kind == "true-false":
            tokens = words(rec["stem"])
            x = 0.9 * sum(t in HEDGES for t in tokens) - 0.9 * sum(t in ABSOLUTES for t in tokens)
            x += 0.5 * _share(tokens, COURSE) - 0.6 * _share(tokens, BLAME)
            return x >= 0
        if kind == "classification":
            return self._classify(rec)
        stem = " ".join(filter(None, (rec.get("case"), rec["stem"])))
        ids = [o["id"] for o in rec["options"]]
        scores = option_scores(stem, [o["text"] for o in rec["options"]])
        if kind == "multiple":
            mean = sum(scores) / len(scores)
            ranked = sorted(range(len(ids)), key=lambda i: -scores[i])
            chosen = [i for i in ranked if scores[i] > mean][: len(ids) - 1] or ranked[:1]
            return sorted(ids[i] for i in chosen)
        return ids[max(range(len(ids)), key=scores.__getitem__)]

    def _classify(self, rec: dict) -> dict[str, str]:
        categories = [c["id"] for c in rec["categories"]]
        statements = rec["statements"]
        if categories[0] == "destructive":
            ranked = sorted(statements, key=lambda s: _tone(s["text"]))
            step = len(categories) / len(ranked)
            return {
                s["id"]: categories[min(len(categories) - 1, int(i * step))]
                for i, s in enumerate(ranked)
            }
        names = {c["id"]: content_words(c["text"] + " " + SYNONYMS.get(c["id"], "")) for c in
                 rec["categories"]}  # fmt: skip
        return {
            s["id"]: max(categories, key=lambda c: len(content_words(s["text"]) & names[c]))
            for s in statements
        }


class LongestOption:
    name = "longest option"

    def answer(self, rec: dict):
        kind = rec["kind"]
        if kind == "true-false":
            return False
        if kind == "classification":
            longest = max(rec["categories"], key=lambda c: len(c["text"]))["id"]
            return {s["id"]: longest for s in rec["statements"]}
        best = max(rec["options"], key=lambda o: len(o["text"]))["id"]
        return [best] if kind == "multiple" else best


Learner = Callable[[dict], object]


def item_scores(answer: Learner, pathway: str, test: Test) -> dict[str, float]:
    """Each item's mark (0..1) when `answer` takes the form."""
    return {
        item.id: kind_of(item).score(item, answer(record(pathway, test.id, item)))
        for item in test.items
    }


def form_score(answer: Learner, pathway: str, test: Test) -> float:
    scores = item_scores(answer, pathway, test)
    return sum(scores.values()) / max(1, len(scores))
