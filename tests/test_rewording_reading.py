"""The rewording coach's reading: actors and targets (names from the exercise, both
and the couple, passive voice), speech acts, negation scope, earned strengths,
honest uncertainty, and the examples quoted when the coach was rebuilt."""

from __future__ import annotations

import dataclasses

import pytest

from courseapp.catalogue.loader import load_course
from courseapp.config import PROJECT_ROOT
from courseapp.rewording.engine import assess, read
from courseapp.rewording.reading import (
    CLOSED,
    INSTRUCTION,
    OPEN,
    STATEMENT,
    WHY,
    expand_contractions,
    replace_names,
)

COURSE = load_course(PROJECT_ROOT / "content", PROJECT_ROOT / "quizzes")
RULES = COURSE.rewording.rules
EXERCISES = COURSE.rewording.exercises


def judge(exercise_id: str, text: str):
    exercise = EXERCISES[exercise_id]
    return assess(RULES, text, exercise.destructive, tuple(exercise.model_answers), exercise.people)


def clauses(text: str, people=None):
    return [c for _, found in read(RULES, text.lower(), people or {}) for c in found]


# -- Every example quoted in the issue ------------------------------------------------


@pytest.mark.parametrize(
    ("exercise", "text", "expected"),
    [
        ("why-not-ended-relationship",
         "What stops you from leaving him? Surely the children come first.", "needs_work"),
        ("let-him-in", "What happened that led you to allow him back into the home, "
         "knowing the risk he poses?", "needs_work"),
        ("let-him-in", "It's really important you don't let Liam in again…", "needs_work"),
        ("your-responsibility-to-keep-them-safe",
         "It's up to you to keep the kids safe from him.", "needs_work"),
        ("not-protecting-your-children", "You're not protecting the kids properly, so what "
         "will you do to keep them safe?", "needs_work"),
        ("why-not-ended-relationship",
         "Have you thought about whether it would be safer to leave him?", "needs_work"),
        ("phone-the-police-next-time", "How come you didn't phone the police?", "needs_work"),
        ("case-conference-plan",
         "Mother failed to protect the children by allowing father into the home.",
         "needs_work"),
        ("her-drinking", "Your drinking is the problem here. You must stop drinking or the "
         "children could be removed", "needs_work"),
        ("struggling-to-meet-basic-needs", "Mum was unable to keep the children safe.",
         "needs_work"),
        ("let-him-in", "Sara continues to allow Liam into the home.", "needs_work"),
        ("why-not-ended-relationship",
         "What has Jon said about taking the children abroad if you leave?", "constructive"),
        ("her-drinking", "What does Kevin do when you try to cut down your drinking?",
         "constructive"),
        ("your-responsibility-to-keep-them-safe",
         "I know you have a lot to juggle. What has helped keep the children safe?",
         "constructive"),
        ("separated-so-close-the-case",
         "Since the couple separated, Scott has sent Leanne dozens of messages a day",
         "constructive"),
    ],
)  # fmt: skip
def test_the_issues_examples_are_judged_correctly(exercise, text, expected):
    result = judge(exercise, text)
    assert result.verdict == expected, result.as_json()
    if expected == "needs_work":
        assert result.strengths == ()  # no praise for blame


# -- Preparing the text ---------------------------------------------------------------


def test_contractions_are_expanded_and_how_come_asks_why():
    assert expand_contractions("it's up to you, don't let him in") == (
        "it is up to you, do not let him in"
    )
    assert expand_contractions("how come you didn't call?") == "why you did not call?"
    assert expand_contractions("he's been drinking, you won't") == (
        "he has been drinking, you will not"
    )


def test_names_from_the_exercise_become_role_words():
    people = EXERCISES["let-him-in"].people
    assert people == {"Sara": "survivor", "Liam": "perpetrator"}
    assert replace_names("sara let liam in. liam's temper", people) == "she let he in. his temper"
    assert all(e.people for e in EXERCISES.values())  # every exercise names its people


# -- Actors and speech acts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "act", "actor", "target"),
    [
        ("What did Liam do when he arrived?", OPEN, "perpetrator", None),
        ("Why did Sara open the door to Liam?", WHY, "survivor", "perpetrator"),
        ("How come you didn't call the police?", WHY, "survivor", None),
        ("Did you let him in?", CLOSED, "survivor", "perpetrator"),
        ("Make sure you ring 999.", INSTRUCTION, "survivor", None),
        ("Sara to keep Liam out of the flat.", INSTRUCTION, "survivor", "perpetrator"),
        ("Liam to attend a behaviour change programme.", INSTRUCTION, "perpetrator", None),
        ("Liam hit Sara in front of the children.", STATEMENT, "perpetrator", "survivor"),
        ("The couple argued all night.", STATEMENT, "both", None),
        ("Both parents had been drinking.", STATEMENT, "both", None),
    ],
)
def test_each_clause_has_a_speech_act_an_actor_and_a_target(text, act, actor, target):
    first = clauses(text, EXERCISES["let-him-in"].people)[0]
    assert (first.act, first.actor, first.target) == (act, actor, target)


def test_a_rule_can_ask_for_the_target(monkeypatch):
    """A rule limited to clauses about the children fires only on those."""
    flag = RULES.rule("survivor-blame")
    limited = dataclasses.replace(
        flag, definition=flag.definition.model_copy(update={"targets": ["child"]})
    )
    builtin = tuple(r for r in RULES.flags if r.definition.builtin)
    rules = dataclasses.replace(RULES, flags=(limited, *builtin))
    about_children = assess(rules, "It is your job to keep the children away from him.")
    about_him = assess(rules, "It is your job to keep him away from the house.")
    assert "survivor-blame" in about_children.as_json()["flags"]
    assert "survivor-blame" not in about_him.as_json()["flags"]


def test_a_named_survivor_is_read_like_she():
    assert (
        "survivor-blame"
        in judge("let-him-in", "Sara allowed Liam into the flat.").as_json()["flags"]
    )
    named = judge("volatile-relationship-note", "Mark grabbed Shona by the throat twice.")
    assert named.verdict == "constructive"
    assert "names-perpetrator-behaviour" in named.as_json()["strengths"]


def test_both_and_the_couple_share_the_abuse_between_the_adults():
    for text in ("The couple argued and things got out of hand.",
                 "Both were drinking and it escalated at the weekend.",
                 "Shona and Mark argue a lot and things get physical."):  # fmt: skip
        result = judge("volatile-relationship-note", text)
        assert "perpetrator-invisible" in result.as_json()["flags"], text
    # "the couple" as a plain fact about the separation is not mutualising.
    assert (
        judge(
            "separated-so-close-the-case",
            "Since the couple separated, Scott has messaged her daily.",
        ).verdict
        == "constructive"
    )


def test_passive_voice_hides_the_perpetrator_unless_the_agent_is_named():
    hidden = judge("domestic-incident-report", "Gemma was pushed into a wall.")
    assert "perpetrator-invisible" in hidden.as_json()["flags"]
    throat = judge("volatile-relationship-note", "Shona was grabbed by the throat twice.")
    assert "perpetrator-invisible" in throat.as_json()["flags"]  # "by the throat" is no agent
    named = judge("domestic-incident-report", "Gemma was pushed into a wall by Marc.")
    assert named.verdict == "constructive"


# -- Negation scope -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It's not your fault that he came round. What happened?", "constructive"),
        ("It isn't your job to keep him away. What would help?", "constructive"),
        ("It's really important you don't let him in again.", "needs_work"),
        ("Mum is not able to keep the children safe.", "needs_work"),
        ("Don't you think the kids deserve a safe home without him?", "needs_work"),
        ("I'm not here to take your children away. What would help you at home?",
         "constructive"),
        ("Your drinking isn't what caused him to hit you. How is he when he's sober?",
         "constructive"),
    ],
)  # fmt: skip
def test_a_negation_applies_to_the_words_it_governs(text, expected):
    assert assess(RULES, text, "Why did you let him in?").verdict == expected


# -- Earned strengths and honest uncertainty ------------------------------------------


def test_strengths_are_earned_and_never_given_alongside_blame():
    blame = judge("her-drinking", "Your drinking is the problem. You must stop or the "
                  "children could be removed by social services.")  # fmt: skip
    assert blame.verdict == "needs_work" and blame.strengths == ()
    # The word "safe" alone earns nothing; asking about safety does.
    assert (
        "safety-focus"
        not in judge("let-him-in", "Liam came round and the children were safe in bed.").as_json()[
            "strengths"
        ]
    )
    assert (
        "safety-focus"
        in judge("let-him-in", "Are you and the children safe at home tonight?").as_json()[
            "strengths"
        ]
    )


def test_a_weak_reading_is_uncertain_not_praised():
    # Nothing the coach recognises, but on topic: a coordinator looks at it.
    result = judge("let-him-in", "Sara and the children were at home on Tuesday evening.")
    assert result.verdict == "uncertain" and result.flags == ()
    # A closed question about what she did, with nothing else to go on.
    leading = judge("let-him-in", "Did you think about calling someone first?")
    assert leading.verdict == "uncertain"


def test_evidence_is_quoted_in_the_learners_own_words():
    """The rules read the prepared text ("it is", "she let he"); the learner is shown
    what they wrote."""
    result = judge("let-him-in", "It\u2019s up to you. Sara continues to allow Liam in.")
    evidence = {f.rule.id: f.evidence for f in result.flags}
    assert evidence["survivor-blame"] in ("It\u2019s up to you", "It's up to you")
    how_come = judge("phone-the-police-next-time", "How come you didn't phone the police?")
    assert how_come.flags[0].evidence == "How come you didn't phone the police"
