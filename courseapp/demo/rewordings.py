"""Realistic texts for each rewording exercise: learners' texts written for the same
destructive statement (the labelled examples in tests/data), the exercise's model
answers, and near-misses built from the destructive statement. Each text is sorted
by the verdict the feedback engine gives it, so the demo's verdicts are the app's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from courseapp.catalogue.exercises import Exercise
from courseapp.config import PROJECT_ROOT
from courseapp.rewording.engine import CONSTRUCTIVE, marks, shared
from courseapp.rewording.services import feedback

LABELLED = PROJECT_ROOT / "tests" / "data" / "rewording_labelled.jsonl"
NEAR_MISSES = (
    "{statement}",
    "I know this is really hard for you, but {lowered}",
    "I would say it gently and kindly: {statement}",
    "{statement} I would make sure I said it in a calm voice.",
)
CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


@dataclass(frozen=True)
class Pool:
    constructive: tuple[str, ...]
    needs_work: tuple[str, ...]


def _key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


def _labelled(path: Path) -> list[dict]:
    """The labelled examples, or none where the tests folder is not installed."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _names(rows: list[dict]) -> set[str]:
    """Words only ever written with a capital: the people in the examples' own cases."""
    text = " ".join(row["text"] for row in rows)
    lowered = set(re.findall(r"\b[a-z]+\b", text))
    return {word for word in CAPITALISED.findall(text) if word.lower() not in lowered} - {"I"}


# What a demonstration or test learner says around a text another learner has sent, so
# that no two send the same or nearly the same words (the coach would find the later one
# another learner's, or send it to a coordinator). Learner n says opening a, middle b
# and closing (a + b) mod 11, where n is a + 11b: any two of the first 121 differ in
# at least two of the three.
OPENINGS = (
    "I am glad you felt able to talk to me today.",
    "Take all the time needed; there is no rush at all.",
    "Before anything else: nobody should face this alone.",
    "This whole hour is kept free so we can talk properly.",
    "Thanks for making the journey in this morning.",
    "It took courage to come here and say all of this.",
    "We can stop for a break whenever it suits.",
    "My job here is to work alongside the whole family.",
    "Nothing said today will be rushed or brushed aside.",
    "Let's sit somewhere quieter where nobody can overhear us.",
    "I hope the drive over was easy enough in this weather.",
)
MIDDLES = (
    "What is shared here really matters.",
    "There is a lot here, and it can wait a moment.",
    "Small details often help most, so nothing is too minor.",
    "Each family's situation is different, and plans should fit.",
    "Staying safe comes first in whatever gets decided.",
    "Those efforts so far deserve to be recognised properly.",
    "Other services may be able to help too.",
    "Writing things down clearly helps everyone involved later.",
    "Honesty about what happens next is important here.",
    "Change takes time, and setbacks are normal.",
    "Questions are welcome at any point along the way.",
)
CLOSINGS = (
    "I will ring on Tuesday afternoon to see how things are.",
    "Can we meet again next week to go through this together?",
    "I'll write up today's notes and read them over with you first.",
    "Shall we plan the next visit for a time that works around school?",
    "I'll check with the housing officer and come back tomorrow.",
    "Next time we could bring in someone from the local support service.",
    "Let me know which days are easiest and I will fit around them.",
    "I'll send a short letter confirming everything agreed this morning.",
    "Would a call or a text be safer for keeping in touch?",
    "Our team meeting on Thursday will look at what more we can offer.",
    "Before I go, is there anything else on your mind just now?",
)

# Said after an example answer, it makes the text the writer's own rather than a copy
# (the coach does not count a copy): for demonstration learners, and tests.
OWN_SENTENCE = " I will keep a note of this and come back to it with you."


def own_versions(exercise: Exercise, learner: int = 0) -> tuple[str, ...]:
    """Constructive rewordings of the exercise that are not copies of its examples; for
    each `learner` (a number, 0 for none) in other words, as no two people's are the
    same or nearly (the coach would find the later one another learner's)."""
    return tuple(personal(answer + OWN_SENTENCE, learner) for answer in exercise.model_answers)


def personal(text: str, learner: int) -> str:
    """The text as learner number `learner` says it (0: as it is)."""
    if not learner:
        return text
    opening, middle, closing = said_by(learner)
    return f"{opening} {text} {middle} {closing}"


def said_by(learner: int) -> tuple[str, str, str]:
    """The opening, middle and closing sentence of learner number `learner`."""
    first, middle = learner % len(OPENINGS), learner // len(OPENINGS) % len(MIDDLES)
    return OPENINGS[first], MIDDLES[middle], CLOSINGS[(first + middle) % len(CLOSINGS)]


def own_version(exercise: Exercise, learner: int = 0) -> str:
    return own_versions(exercise, learner)[0]


def pools(exercises: list[Exercise], path: Path = LABELLED) -> dict[str, Pool]:
    rows = _labelled(path)
    names = _names(rows)
    result = {}
    for exercise in exercises:
        known = set(CAPITALISED.findall(exercise.case + " " + exercise.destructive))
        written = [
            row["text"]
            for row in rows
            if _key(row["prompt"]) == _key(exercise.destructive)
            and not (set(CAPITALISED.findall(row["text"])) & names) - known
        ]
        statement = exercise.destructive.strip()
        lowered = statement[0].lower() + statement[1:]
        near = [t.format(statement=statement, lowered=lowered) for t in NEAR_MISSES]
        own = own_versions(exercise)
        texts = dict.fromkeys([*written, *own, *near])
        verdicts = {text: feedback(exercise, text).verdict for text in texts}
        good = tuple(t for t, v in verdicts.items() if v == CONSTRUCTIVE)
        result[exercise.id] = Pool(
            good or tuple(own),
            tuple(t for t, v in verdicts.items() if v != CONSTRUCTIVE),
        )
    return result


class Sent:
    """The texts demonstration learners have sent for each exercise, as the coach tells
    one learner's from another's."""

    def __init__(self) -> None:
        self.by_mark: dict[tuple[str, int], list[str]] = {}

    def own(self, exercise: Exercise, text: str, first: int) -> str:
        """The text said as the first learner number from `first` on says it whose words
        are neither nor nearly any text sent so far (or, if none is, the last tried)."""
        for at in range(first, first + len(OPENINGS) * len(MIDDLES)):
            candidate = personal(text, at + 1)
            found = marks(candidate, exercise.people)
            near = {t for mark in found for t in self.by_mark.get((exercise.id, mark), ())}
            if not near or shared(candidate, tuple(near), exercise.people) is None:
                break
        for mark in found:
            self.by_mark.setdefault((exercise.id, mark), []).append(candidate)
        return candidate
