"""Realistic texts for each rewording exercise: learners' texts written for the same
destructive statement (the labelled examples in tests/data), the exercise's model
answers, and near-misses built from the destructive statement. Each text is sorted
by the verdict the feedback engine gives it, so the demo's verdicts are the app's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from courseapp.catalogue import course
from courseapp.catalogue.exercises import Exercise
from courseapp.config import PROJECT_ROOT
from courseapp.rewording.copies import marks, shared
from courseapp.rewording.engine import CONSTRUCTIVE
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


# What a demonstration or test learner says around a text, so that no two send the same
# or nearly the same words (the coach would find the later one another learner's, or
# send it to a coordinator), and no learner says a sentence of theirs again in another
# exercise (it would find the later text their own reused). Speaker (n, m) says opening
# n, middle m and closing n + m (each mod 23): two speakers differ in two of the three.
# Learner n is speaker (n + p, n // 23 + 2p) for the exercise at place p: any of their
# 22 exercises' sentences differ from any other's.
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
    "Would a cup of tea help before we start?",
    "There is plenty of time, so go at your own pace.",
    "I will check as we go that everything makes sense.",
    "I have read the notes, and I want to hear it properly.",
    "Sitting down together like this really helps me understand.",
    "Good to see you again, and thank you for coming.",
    "Sorry the room is so cramped; it was all we had.",
    "Anything shared here stays focused on keeping people safe.",
    "It is a lot to carry, and you are doing well.",
    "I'd like to start by listening more than talking.",
    "You know your family far better than any report does.",
    "Shall we begin with whatever feels most pressing?",
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
    "Nobody expects perfect answers or exact dates.",
    "Strengths matter just as much as worries in this work.",
    "Some of this may feel hard to say out loud.",
    "The aim is support, not judgement.",
    "Practical help with money or housing might be possible.",
    "Keeping routines going is a real achievement.",
    "Local groups offer free and confidential advice.",
    "Decisions will be explained clearly, step by step.",
    "A trusted friend could come along next time.",
    "Feeling tired or unsure is completely understandable.",
    "Support can continue for as long as it is useful.",
    "Plans can change if circumstances do.",
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
    "I'll leave a leaflet with helpline numbers, if that feels safe.",
    "Monday morning suits me for a follow-up, if it suits you.",
    "I can arrange an interpreter for our next conversation if useful.",
    "Let's agree a code word for when calling is not safe.",
    "I'll look into nursery funding and report back on Friday.",
    "Could we find a quiet place to meet that feels comfortable?",
    "A colleague from the advice service could join us next month.",
    "I'll ask the health visitor to drop by later this week.",
    "We could write a short plan together before I leave today.",
    "Please keep my card somewhere private and call any time.",
    "I'll confirm the next date by text, worded discreetly.",
    "Is there someone nearby who could stay with you tonight?",
)

# Said after an example answer, it makes the text the writer's own rather than a copy
# (the coach does not count a copy): for demonstration learners, and tests.
OWN_SENTENCE = " I will keep a note of this and come back to it with you."


def own_versions(exercise: Exercise, learner: int = 0) -> tuple[str, ...]:
    """Constructive rewordings of the exercise that are not copies of its examples; for
    each `learner` (a number, 0 for none) in other words, as no two people's are the
    same or nearly (the coach would find the later one another learner's), nor one
    person's for two exercises (it would find the later one their own reused)."""
    texts = tuple(answer + OWN_SENTENCE for answer in exercise.model_answers)
    if not learner:
        return texts
    return tuple(personal(text, speaker(learner, exercise)) for text in texts)


def speaker(learner: int, exercise: Exercise) -> tuple[int, int]:
    """The speaker a learner is for an exercise (see OPENINGS)."""
    place = list(course().rewording.exercises).index(exercise.id)
    return learner + place, learner // len(OPENINGS) + 2 * place


def personal(text: str, said_as: tuple[int, int]) -> str:
    """The text with the sentences of a speaker around it."""
    opening, middle, closing = said_by(said_as)
    return f"{opening} {text} {middle} {closing}"


def said_by(said_as: tuple[int, int]) -> tuple[str, str, str]:
    """A speaker's opening, middle and closing sentence."""
    first, second = said_as
    size = len(OPENINGS)
    return OPENINGS[first % size], MIDDLES[second % size], CLOSINGS[(first + second) % size]


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

    def own(self, exercise: Exercise, text: str, learner: int) -> str:
        """The text as the learner says it for this exercise (own_versions), or, if that
        is or nearly is a text sent so far, with another middle sentence (if every one
        is, the last tried)."""
        first, second = speaker(learner, exercise)
        for shift in range(len(MIDDLES)):
            candidate = personal(text, (first, second + shift))
            found = marks(candidate, exercise.people)
            near = {t for mark in found for t in self.by_mark.get((exercise.id, mark), ())}
            if not near or shared(candidate, tuple(near), exercise.people) is None:
                break
        for mark in found:
            self.by_mark.setdefault((exercise.id, mark), []).append(candidate)
        return candidate
