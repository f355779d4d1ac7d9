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
from courseapp.rewording.engine import CONSTRUCTIVE, fingerprint
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


# What a demonstration or test learner adds to a text another has already sent, so that no
# two send the same words (the coach would find the later one another learner's).
CLOSINGS = tuple(
    closing.format(day=day, time=time)
    for closing in (
        " I will ring you on {day} at {time} to see how things are.",
        " Can we meet again on {day} at {time} to go through this together?",
        " I will write down what you have told me and check it with you on {day} at {time}.",
    )
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    for time in ("9am", "10am", "11am", "noon", "1pm", "2pm", "3pm", "4pm")
)

# Said after an example answer, it makes the text the writer's own rather than a copy
# (the coach does not count a copy): for demonstration learners, and tests.
OWN_SENTENCE = " I will keep a note of this and come back to it with you."


def own_versions(exercise: Exercise, learner: int = 0) -> tuple[str, ...]:
    """Constructive rewordings of the exercise that are not copies of its examples; for
    each `learner` (a number, 0 for none) in other words, as no two people's are word
    for word the same (the coach would find the later one another learner's)."""
    closing = CLOSINGS[(learner - 1) % len(CLOSINGS)] if learner else ""
    return tuple(answer + OWN_SENTENCE + closing for answer in exercise.model_answers)


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
        self.marks: dict[str, set[str]] = {}

    def own(self, exercise: Exercise, text: str, first: int) -> str:
        """The text, or the text with the first closing from `first` on that nobody has
        sent with it (once every closing has been sent with it, the text may repeat)."""
        taken = self.marks.setdefault(exercise.id, set())
        for at in range(len(CLOSINGS) + 1):
            candidate = text if at == 0 else text + CLOSINGS[(first + at) % len(CLOSINGS)]
            mark = fingerprint(candidate, exercise.people)
            if mark is None or mark not in taken:
                break
        if mark is not None:
            taken.add(mark)
        return candidate
