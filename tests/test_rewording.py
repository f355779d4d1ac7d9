"""Rewording exercises: the feedback engine, its CLI, the learner flow and the review queue."""

from __future__ import annotations

import json
import random
import re
import shutil

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.catalogue.loader import load_course
from courseapp.config import PROJECT_ROOT
from courseapp.extensions import db
from courseapp.rewording.cli import LABELLED
from courseapp.rewording.copies import marks, shared
from courseapp.rewording.engine import assess, assess_exercise
from courseapp.rewording.evaluation import evaluate, read_examples
from courseapp.rewording.models import Response, SelfRating
from tests.conftest import build_app, login, sqlite_url

COURSE = load_course(PROJECT_ROOT / "content", PROJECT_ROOT / "quizzes")
RULES = COURSE.rewording.rules
HELD_OUT = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_2.jsonl"
# Written by other authors who had not seen the rules: a probe of the coach (47
# rewordings) and half of a set of 99 (50, chosen at random) became this second
# development set, used to tune the rules; the other half is HELD_OUT_3, never used to
# tune them.
LABELLED_2 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_2.jsonl"
# A third author's 110 rewordings, measured once as they came (65.5%) and then used to
# tune the rules.
LABELLED_3 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_3.jsonl"
HELD_OUT_3 = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_3.jsonl"
# Three more authors who had not seen the rules, each writing for every exercise: the
# fourth's 110 and the fifth's 120 were measured as they came (72.7% and 63.3%) and
# then used to tune the rules; the sixth's 110 (HELD_OUT_4) were written at the same
# time and never used to tune them.
LABELLED_4 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_4.jsonl"
LABELLED_5 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_5.jsonl"
HELD_OUT_4 = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_4.jsonl"
# Three more authors, each writing 6 rewordings for every exercise as practitioners of
# different kinds: the seventh's and eighth's 132 were measured as they came (78.8% and
# 73.5%) and then used to tune the rules; the ninth's 132 (HELD_OUT_5) were written
# after that tuning began and never used to tune them.
LABELLED_6 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_6.jsonl"
LABELLED_7 = PROJECT_ROOT / "tests" / "data" / "rewording_labelled_7.jsonl"
HELD_OUT_5 = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_5.jsonl"
# A tenth author's 110, written once that tuning was over, measured on the rules before
# and after it and never used to tune them.
HELD_OUT_6 = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_6.jsonl"
# Texts that game the coach (word salad, keyword lists, generic templates with the
# case's names, copies of a hint, the case or an example answer, another language) and
# genuine versions in the voices of different practitioners, for most exercises: the
# first set tuned the checks for them, the second was written at the same time and
# never used to tune them.
GAMING_LABELLED = PROJECT_ROOT / "tests" / "data" / "rewording_gaming_labelled.jsonl"
GAMING_HELD_OUT = PROJECT_ROOT / "tests" / "data" / "rewording_gaming_heldout.jsonl"
PROMPT = "Why did you let him in?"


def verdict(text, prompt=PROMPT):
    return assess(RULES, text, prompt)


# -- The engine -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        ("survivor-blame", "You let him into the house again, so this is partly your fault."),
        ("survivor-blame", "What made you decide to let him back in?"),
        ("survivor-blame", "How could you let this happen to the children?"),
        ("survivor-blame", "Mum failed to protect the children from the abuse."),
        ("why-question", "I understand it's hard. Why did you go back to him?"),
        ("why-question", "why haven't you left him yet, when you know what he's like"),
        ("ultimatum", "You need to keep him away from the house from now on."),
        ("ultimatum", "Next time he turns up, you must call the police straight away."),
        ("removal-threat", "If he comes back, the children could be taken into care."),
        ("perpetrator-invisible", "There is a volatile relationship between the parents."),
        ("perpetrator-invisible", "Mum was pushed into the door during the incident last night."),
        ("perpetrator-invisible", "Police attended a domestic incident at the family home."),
        ("parenting-judgement", "Your drinking is the main concern for the children here."),
        ("parenting-judgement", "Mum needs to set better boundaries for Tyler at home."),
        ("too-short", "ask better"),
        ("off-topic", "I would write this in a much better way tomorrow."),
        ("repeats-prompt", "why did you let him in"),
    ],
)
def test_each_flag(flag, text):
    result = verdict(text)
    assert flag in result.as_json()["flags"]
    assert result.verdict == "needs_work"


@pytest.mark.parametrize(
    ("strength", "text"),
    [
        ("open-question", "What happened when he came to the flat last night?"),
        ("open-question", "Tell me about the last time he came round."),
        ("names-perpetrator-behaviour", "Dean smashed the TV and threatened Sarah."),
        ("acknowledges-efforts", "You've kept the children safe and got them to school every day."),
        ("safety-focus", "I'm worried about you and the children. Are you safe at home tonight?"),
        ("working-together", "Let's work out together what would help you and the kids."),
        ("responsibility-with-him", "It's not your fault. His abuse is his responsibility."),
    ],
)  # fmt: skip
def test_each_strength(strength, text):
    result = verdict(text)
    assert strength in result.as_json()["strengths"]
    assert result.verdict == "constructive"


@pytest.mark.parametrize(
    "text",
    [
        "You are not to blame for what he did. How are you and the children now?",
        "It's not your fault he did that. What would help you feel safer tonight?",
        "I won't ask why you let him in; I'd ask what he said or did at the door.",
        "This isn't about anything you did wrong. Tell me what happened last night.",
    ],
)
def test_negation_is_not_blame(text):
    assert verdict(text).verdict == "constructive", verdict(text).as_json()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Instead of asking 'why did you let him in?', I'd ask what happened.", "constructive"),
        ("Rather than 'leave him or we'll act', I'd ask: 'what would help?'", "constructive"),
        ('I would say "What happened when he came round? How are the children?"', "constructive"),
        ('"Why did you let him in?" is what I would ask, but gently.', "needs_work"),
    ],
)  # fmt: skip
def test_quotation(text, expected):
    assert verdict(text).verdict == expected, verdict(text).as_json()


def test_word_order_and_polite_blame():
    assert verdict("He needs to stop coming round and frightening you.").verdict == "constructive"
    polite = "I understand it's hard, but you need to think about what your choices do to the kids."
    assert verdict(polite).verdict == "needs_work"


def test_feedback_explains_itself_in_the_models_terms():
    result = verdict("You need to leave him, or we will have to take action.")
    for finding in result.flags:
        assert finding.rule.explains and finding.rule.practice
    assert any("partner" in f.rule.explains or "safety" in f.rule.explains for f in result.flags)


def test_labelled_set_accuracy_holds():
    """The figures reached when the rules were last tuned; do not lower them."""
    examples = read_examples(LABELLED)
    assert len(examples) >= 450
    result = evaluate(RULES, examples, COURSE.rewording.exercises)
    assert result.accuracy >= 0.99 and result.blame_caught >= 0.99
    assert result.uncertain_rate <= 0.10


def test_held_out_set_accuracy_holds():
    """The held-out set was written before the rules were changed and is never used
    to tune them. Its figures (accuracy 95.1%, blame caught 91.8%, uncertain 2.7%)
    must not fall."""
    examples = read_examples(HELD_OUT)
    assert len(examples) >= 150
    result = evaluate(RULES, examples, COURSE.rewording.exercises)
    assert result.accuracy >= 0.95
    assert result.blame_caught >= 0.91
    assert result.uncertain_rate <= 0.03


def test_second_labelled_set_accuracy_holds():
    """Reached when the rules were tuned on it (79.4% before): keyword lists, late
    disclosure, "until you sort your drinking out", excuses and doubt. No blame praised."""
    result = evaluate(RULES, read_examples(LABELLED_2), COURSE.rewording.exercises)
    assert result.total == 97
    assert result.accuracy >= 0.95 and result.blame_caught >= 0.96
    assert result.count(label="needs_work", verdict="constructive") == 0


def test_third_labelled_set_accuracy_holds():
    """Reached when the rules were tuned on it (65.5% as it came): veiled threats,
    euphemisms for his violence, playing down what he did (the minimises flag), her
    drinking as the problem. No blame praised."""
    result = evaluate(RULES, read_examples(LABELLED_3), COURSE.rewording.exercises)
    assert result.total == 110
    assert result.accuracy >= 0.95 and result.blame_caught >= 0.95
    assert result.count(label="needs_work", verdict="constructive") == 0


def test_third_held_out_set_accuracy_holds():
    """Never used to tune the rules. 69.4% as the rules were; 71.4% after tuning on the
    second labelled set (blame caught 61.3%, 2 of 31 blaming versions praised); 73.5%
    after tuning on the third (36 of 49; blame caught 64.5%, 8 blaming versions left to
    a coordinator as uncertain, and 3 praised: one more praised, and three more caught,
    than after the first tuning); 77.6% after tuning on the fourth and fifth sets (38 of
    49; blame caught 71.0%, 2 praised); 81.6% once texts had to be written out and copies
    were read in order (40 of 49; blame caught 77.4%, 1 praised). Its weakness is why only
    a version found constructive counts towards a pathway, and why a coordinator can
    overturn the coach."""
    result = evaluate(RULES, read_examples(HELD_OUT_3), COURSE.rewording.exercises)
    assert result.total == 49
    assert result.correct >= 40 and result.count("needs_work", "needs_work") >= 24
    assert result.count(label="needs_work", verdict="constructive") <= 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You said you dread every handover - what would make them feel safer for you?",
         "constructive"),
        ("We will be asking him to take responsibility for what he did. What has helped "
         "you keep the children safe so far?", "constructive"),
        ("He needs to stop, drunk or sober. How does he treat the two of you when he "
         "has not been drinking?", "constructive"),
        ("Mum is expected to keep the children away from him and accept support.",
         "needs_work"),
        ("Her account keeps changing, which may indicate disguised compliance.",
         "needs_work"),
        ("He has a bit of a temper, so maybe try not to wind him up at handovers.",
         "needs_work"),
        ("Once you have shown us you can keep him out of the house we can look at "
         "support.", "needs_work"),
        ("Could you ask him to bring the car back so the children get to school?",
         "needs_work"),
        ("There's been a lot of conflict over money in the marriage. What support would "
         "help you both with that?", "needs_work"),
        ("What support do you need to cut down your drinking? We'll need to see that "
         "before we can be confident the children are safe with you.", "needs_work"),
        ("Have you and he tried talking about how things are affecting the children?",
         "needs_work"),
        ("Maybe you could take the children round to your mum's until he has calmed "
         "down.", "needs_work"),
        ("I don't think we can close yet. He is still sending her dozens of messages a "
         "day and has turned up at the school twice.", "constructive"),
        ("She's hit a few children this week and she's been hiding under the table when "
         "it gets loud. How has she been at home?", "constructive"),
    ],
)  # fmt: skip
def test_new_rules_read_both_ways(text, expected):
    assert verdict(text).verdict == expected


@pytest.mark.parametrize(
    ("path", "total", "as_it_came"), [(LABELLED_4, 110, 0.727), (LABELLED_5, 120, 0.633)]
)
def test_fourth_and_fifth_labelled_sets_accuracy_holds(path, total, as_it_came):
    """Reached when the rules were tuned on them (72.7% and 63.3% as they came, with 13
    and 17 blaming versions praised): blame in jargon ("disguised compliance", "poor
    insight"), expectations of her alone, managing him or contact made her job, his
    violence as temper or jealousy, advice that is an order, her presentation judged
    without him. No blame praised."""
    result = evaluate(RULES, read_examples(path), COURSE.rewording.exercises)
    assert result.total == total
    assert result.accuracy >= 0.96 > as_it_came and result.blame_caught >= 0.96
    assert result.count(label="needs_work", verdict="constructive") == 0


def test_fourth_held_out_set_accuracy_holds():
    """Never used to tune the rules. As the rules were: 67.3% (74 of 110), blame caught
    43.3%, 16 of 60 blaming versions praised; after tuning on the fourth set 73.6%
    (blame caught 55.0%, 13 praised); after tuning on the fifth 77.3% (85 of 110; blame
    caught 61.7%, 12 left to a coordinator, 11 praised; constructive recognised 96.0%
    throughout); 74.5% once a text must name something of its own case and must not
    copy the case or an example answer (82 of 110; 9 praised, 14 left to a coordinator;
    constructive recognised 90.0%: this set's authors read the example answers, and
    three of their versions are near copies of one). On text from an author who has not
    seen the rules, about one blaming version in seven is still praised: a coordinator's
    review is part of the design. 75.5% after tuning on the seventh and eighth sets (83
    of 110; blame caught 63.3%, 8 praised). 71.8% (79 of 110) once a copy is read in order
    (a light paraphrase of an example answer is a copy) and a case's names alone do not
    make a text about the case: three more of this set's versions are copies of an example
    and one more goes to a coordinator (constructive recognised 82.0%, 41 of 50); blame
    caught and praised unchanged."""
    result = evaluate(RULES, read_examples(HELD_OUT_4), COURSE.rewording.exercises)
    assert result.total == 110
    assert result.correct >= 79 and result.count("needs_work", "needs_work") >= 38
    assert result.count(label="needs_work", verdict="constructive") <= 8
    assert result.count(label="constructive", verdict="constructive") >= 41


@pytest.mark.parametrize(
    ("path", "as_it_came", "correct"), [(LABELLED_6, 0.788, 130), (LABELLED_7, 0.735, 129)]
)
def test_seventh_and_eighth_labelled_sets_accuracy_holds(path, as_it_came, correct):
    """Reached when the rules were tuned on them (78.8% and 73.5% as they came, with 11
    blaming versions praised in each): abuse as "conflict", "arguing" or "stress in the
    relationship", "we need to see you" and other tests she must pass, her drinking as
    the thing to fix, asking her to talk him round or to sort things out with him,
    contact as his right, hindsight about when she told. No blame praised. 130 of 132 in
    each; the eighth 129 once a case's names alone no longer made a text about the case
    (one version, generic but for a name, goes to a coordinator)."""
    result = evaluate(RULES, read_examples(path), COURSE.rewording.exercises)
    assert result.total == 132
    assert result.correct >= correct and result.accuracy > as_it_came
    assert result.blame_caught >= 0.98
    assert result.count(label="needs_work", verdict="constructive") == 0


# Never used to tune the rules: (set, examples, right, blame caught, blaming versions
# praised at most, constructive recognised).
# The fifth: as the rules were, 78.0% (103 of 132), blame caught 68.2% (45 of 66), 9
# blaming versions praised, constructive recognised 87.9%; after tuning on the seventh
# and eighth sets 84.1% (111 of 132), blame caught 75.8% (50), still 9 praised,
# constructive recognised 92.4% (61 of 66).
# The sixth: on the rules before the seventh and eighth sets tuned them, 77.3% (85 of
# 110), blame caught 65.5% (36 of 55), 8 blaming versions praised; after, 80.0% (88 of
# 110), blame caught 69.1% (38), still 8 praised, constructive recognised 90.9% (50 of
# 55).
@pytest.mark.parametrize(
    ("path", "total", "correct", "caught", "praised", "recognised"),
    [(HELD_OUT_5, 132, 111, 50, 9, 61), (HELD_OUT_6, 110, 88, 38, 8, 50)],
    ids=["fifth", "sixth"],
)
def test_later_held_out_sets_accuracy_holds(path, total, correct, caught, praised, recognised):
    result = evaluate(RULES, read_examples(path), COURSE.rewording.exercises)
    assert result.total == total
    assert result.correct >= correct and result.count("needs_work", "needs_work") >= caught
    assert result.count(label="needs_work", verdict="constructive") <= praised
    assert result.count(label="constructive", verdict="constructive") >= recognised


@pytest.mark.parametrize(
    ("path", "praised", "recognised"),
    [(GAMING_LABELLED, 2, 34), (GAMING_HELD_OUT, 5, 35)],
    ids=["labelled", "held-out"],
)
def test_texts_that_game_the_coach_are_rarely_praised(path, praised, recognised):
    """36 texts that game the coach and 36 genuine versions in each set. As the rules
    were, 19 and 24 of the gaming texts were found constructive (genuine versions
    recognised: 34 and 35); once texts had to be written out, names alone stopped
    making a text about the case and copies were read in order, 2 and 5 (34 and 35)."""
    result = evaluate(RULES, read_examples(path), COURSE.rewording.exercises)
    assert result.total == 72
    assert result.count(label="needs_work", verdict="constructive") <= praised
    assert result.count(label="constructive", verdict="constructive") >= recognised


def test_every_exercise_model_answer_is_constructive_and_every_statement_is_not():
    """Each read as a learner's own text, beside the other example answers (beside
    itself it would be a copy)."""
    for exercise in COURSE.rewording.exercises.values():
        assert assess(RULES, exercise.destructive).verdict == "needs_work", exercise.id
        for answer in exercise.model_answers:
            others = tuple(a for a in exercise.model_answers if a != answer)
            result = assess(
                RULES, answer, exercise.destructive, others, exercise.people, exercise.case
            )
            assert result.verdict == "constructive", (exercise.id, answer, result.as_json())


GENERIC = (
    "What happened, and what would help you and the children now?",
    "Thank you for telling me. How can we work together to keep you and the children safe?",
    "His behaviour is his responsibility, not yours. What would help you feel safer?",
)


@pytest.mark.parametrize("text", GENERIC)
def test_a_text_that_fits_any_case_is_never_found_constructive(text):
    """Pasted into every exercise, it would do them all: it goes to a coordinator."""
    for exercise in COURSE.rewording.exercises.values():
        result = assess_exercise(RULES, exercise, text)
        assert result.verdict == "uncertain", exercise.id
        assert [f.rule.id for f in result.flags] == ["not-this-case"]


def test_the_same_words_about_the_case_itself_can_be_constructive():
    exercise = COURSE.rewording.exercises["let-him-in"]
    text = "What happened when Liam came to the flat last night, and what would help now?"
    assert assess_exercise(RULES, exercise, text).verdict == "constructive"


def test_the_case_its_hints_or_an_example_answer_pasted_back_is_a_copy():
    for exercise in COURSE.rewording.exercises.values():
        for copied in (exercise.case, *exercise.model_answers, " ".join(exercise.hints)):
            result = assess_exercise(RULES, exercise, copied)
            assert [f.rule.id for f in result.flags] == ["copies"], exercise.id


def _people(exercise):
    """The case's people, survivor first and the perpetrator next where there is one."""
    order = {"survivor": 0, "perpetrator": 1, "child": 2, "other": 3}
    return sorted(exercise.people, key=lambda name: order[exercise.people[name]])


def _on_every_exercise(template: str):
    """The template with each exercise's people put in, and how it is judged there."""
    for exercise in COURSE.rewording.exercises.values():
        text = template.format(*_people(exercise))
        yield exercise, text, assess_exercise(RULES, exercise, text)


# Word salad and keyword stuffing with the case's names: each found constructive on
# every exercise before texts had to be written out.
NONSENSE = (
    "{0}, {1}, banana what how tell me purple elephant keeps safe.",
    "{0}. {1}. Tell me. What. How. Safe. Strengths. Together. Responsible. Support.",
)
# A generic template with the names put in: names are not something of the case.
TEMPLATES = (
    "{0}, what happened with {1}, and what would help you and the children now?",
    "Thank you for telling me, {0}. How can we work together to keep you and the "
    "children safe from {1}?",
    "{1}'s behaviour is {1}'s responsibility, not yours, {0}. What would help you feel safer?",
)


@pytest.mark.parametrize("template", NONSENSE)
def test_word_salad_or_keywords_with_the_names_need_work_on_every_exercise(template):
    for exercise, text, result in _on_every_exercise(template):
        assert result.verdict == "needs_work", (exercise.id, text, result.as_json())
        assert [f.rule.id for f in result.flags] == ["not-written-out"], exercise.id


# Nonsense written out as a good question: found constructive on every exercise until
# words the course never uses, a third of them, sent a text to a coordinator.
ODD_QUESTIONS = (
    "{0}, how do the purple elephants keep the children safe when {1} plays the trumpet?",
    "{0}, how do the purple elephants keep the children safe?",
)


@pytest.mark.parametrize("template", ODD_QUESTIONS)
def test_nonsense_in_a_good_question_goes_to_a_coordinator_on_every_exercise(template):
    for exercise, text, result in _on_every_exercise(template):
        assert result.verdict != "constructive", (exercise.id, text, result.as_json())


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_generic_template_with_the_names_put_in_is_never_found_constructive(template):
    """Names alone are not something of the case: it goes to a coordinator."""
    for exercise, text, result in _on_every_exercise(template):
        assert result.verdict == "uncertain", (exercise.id, text, result.as_json())
        assert [f.rule.id for f in result.flags] == ["not-this-case"], exercise.id


@pytest.mark.parametrize(
    "text",
    [
        "asdf qwerty zxcv Liam Sara tell me what happened",
        "Sara, ¿qué pasó cuando Liam vino al piso anoche? ¿Cómo están los niños?",
        "Sara, Liam: flat, door, last night, kids, safe, help, talk.",
        "Sara, Liam: what how when who safe plan together help.",
    ],
)
def test_nonsense_other_languages_and_keyword_runs_are_not_written_out(text):
    result = assess_exercise(RULES, COURSE.rewording.exercises["let-him-in"], text)
    assert result.verdict == "needs_work", result.as_json()
    assert [f.rule.id for f in result.flags] == ["not-written-out"]


@pytest.mark.parametrize(
    "text",
    [
        "What happened once Liam arrived last night?",
        "Liam: pushed Sara, broke her phone, blocked the door; pattern of coercive control.",
        "Marc smashed phone, pushed Gemma into wall. Ava, Theo awake upstairs. Gemma took "
        "children to sister's.",
        "Thanks. Really. What did Liam do when he came in, and how are the kids today?",
    ],
)
def test_short_questions_and_terse_notes_are_written_out(text):
    exercise = "domestic-incident-report" if "Gemma" in text else "let-him-in"
    result = assess_exercise(RULES, COURSE.rewording.exercises[exercise], text)
    assert "not-written-out" not in result.as_json()["flags"], result.as_json()


def test_a_hint_or_one_of_its_sentences_copied_is_a_copy():
    """With a word or a name added, or one sentence of it alone: the hints speak to the
    learner, so nobody would say one to her."""
    for exercise in COURSE.rewording.exercises.values():
        name = _people(exercise)[0]
        for hint in exercise.hints:
            copies = [hint.rstrip(".?") + f", {name}.", hint + " Please."]
            copies += [s.strip() for s in hint.split(". ") if len(s.split()) >= 5]
            for copied in copies:
                result = assess_exercise(RULES, exercise, copied)
                assert [f.rule.id for f in result.flags] == ["copies"], (exercise.id, copied)


def test_the_cases_own_sentence_turned_into_a_question_is_a_copy():
    for exercise in COURSE.rewording.exercises.values():
        name = _people(exercise)[0]
        sentences = [s.strip(" .") for s in exercise.case.split(". ")[1:]]
        for sentence in (s for s in sentences if len(s.split()) >= 6):
            lowered = sentence[0].lower() + sentence[1:]
            for question in (f"{sentence}?", f"{name}, {lowered}?"):
                result = assess_exercise(RULES, exercise, question)
                assert [f.rule.id for f in result.flags] == ["copies"], (exercise.id, question)


@pytest.mark.parametrize(
    ("exercise", "text"),
    [
        ("his-drinking", "Tell me about a recent day when Paul was sober. How did he treat "
         "you and the children on that day?"),
        ("her-drinking", "What does Kevin say or do when you try to cut down or get help? I "
         "would like us to work on this together."),
        ("too-many-police-reports", "You have asked for help each time Ryan has threatened "
         "you, and that has kept the kids safer. What would make it easier to carry on doing "
         "that?"),
        ("separated-so-close-the-case", "The boys can be hurt by Scott's behaviour without "
         "seeing it. What do we know about how it's affecting them now, and what has Leanne "
         "done to protect them?"),
        ("collection-at-the-gate", "What would make drop-off and pick-up feel safer for you "
         "and Lily? We will look at our procedures and any court orders with our "
         "safeguarding lead and tell you what we can do."),
        ("why-not-ended-relationship", "What do you think Jon would do if you and the kids "
         "moved out? What has he said or done when it came up before?"),
        ("contact-after-separation", "Separating does not always stop abuse. What has Dean "
         "been doing since you split, and how is it affecting you and Josh?"),
    ],
)  # fmt: skip
def test_a_light_paraphrase_of_an_example_answer_is_a_copy(exercise, text):
    """A few words swapped, the same run of words: at most about one in seven changed."""
    result = assess_exercise(RULES, COURSE.rewording.exercises[exercise], text)
    assert [f.rule.id for f in result.flags] == ["copies"], result.as_json()


@pytest.mark.parametrize(
    ("exercise", "text"),
    [
        ("let-him-in", "What happened when Liam came round last night? How are you and the "
         "children feeling today?"),
        ("threat-of-removal", "We want to help keep the children safe with you, Aisha. What "
         "has Tariq said about coming back, and what do you think he will do?"),
        ("your-responsibility-to-keep-them-safe", "Darren chose to punch the door while Jack "
         "slept next door. What have you been doing to keep Jack feeling safe since?"),
        ("domestic-incident-report", "Marc smashed Gemma's phone and pushed her into a wall "
         "while Ava and Theo were upstairs. Gemma took the children to her sister's that "
         "night."),
    ],
)  # fmt: skip
def test_a_version_sharing_phrases_with_an_example_answer_is_not_a_copy(exercise, text):
    result = assess_exercise(RULES, COURSE.rewording.exercises[exercise], text)
    assert result.verdict == "constructive", result.as_json()


@pytest.mark.parametrize(
    "text",
    [
        "y did u let him in? what happend and wat would help u and the kids now?",
        "y d1d u l3t h1m 1n?? ur f4ult. What would help you and the children now?",
        "What happened when Liam came round? The children are at risk because of your choices.",
        "What would help you stop provoking Liam when he comes to the flat?",
        "What made you stay with Liam after the night he came to the flat?",
    ],
)
def test_blame_in_text_speak_or_beside_a_good_question_is_caught(text):
    result = assess_exercise(RULES, COURSE.rewording.exercises["let-him-in"], text)
    assert result.verdict == "needs_work", result.as_json()


def test_exercises_cover_both_pathways():
    exercises = COURSE.rewording.exercises.values()
    assert len(exercises) >= 15
    assert sum("briefing" in e.pathways for e in exercises) >= 3
    assert all(len(e.model_answers) >= 2 and e.hints for e in exercises)


# -- Command line ---------------------------------------------------------------------


def test_cli_assess_reads_json_lines_and_never_stops(runner):
    lines = [
        json.dumps({"prompt": PROMPT, "text": "What happened when he came round last night?"}),
        "this is not json",
        json.dumps(["a", "list"]),
        json.dumps({"prompt": PROMPT}),
        json.dumps({"exercise": "let-him-in", "text": "Why did you let him in?"}),
        json.dumps({"exercise": "no-such-exercise", "text": "hello there"}),
        json.dumps({"text": "You need to keep him away or the kids will be removed."}),
        "",
    ]
    result = runner.invoke(args=["rewording", "assess"], input="\n".join(lines))
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 7
    assert out[0] == {
        "verdict": "constructive",
        "flags": [],
        "strengths": ["open-question", "names-perpetrator-behaviour"],
    }
    assert "error" in out[1] and "error" in out[2] and "'text'" in out[3]["error"]
    assert out[4]["verdict"] == "needs_work" and "repeats-prompt" in out[4]["flags"]
    assert "unknown exercise" in out[5]["error"]
    assert {"ultimatum", "removal-threat"} <= set(out[6]["flags"])


def test_cli_evaluate_reports_accuracy_matrix_and_rules(runner):
    result = runner.invoke(args=["rewording", "evaluate"])
    assert result.exit_code == 0
    assert "Labelled set" in result.output and "Held-out set" in result.output
    for figure in (
        "Accuracy (all items",
        "Accuracy (decided items",
        "Blame caught",
        "Constructive recognised",
        "Uncertain",
    ):
        assert result.output.count(figure) == 2, figure
    assert "Confusion matrix" in result.output
    assert "survivor-blame" in result.output and "precision" in result.output


def test_cli_evaluate_refuses_a_bad_examples_file(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "label": "great"}\n')
    result = runner.invoke(args=["rewording", "evaluate", "--examples", str(bad)])
    assert result.exit_code != 0 and "bad.jsonl:1" in result.output


# -- Content check --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("exercises/core.yaml", "case: >-\n    Fictional case.", "case: >-\n    A case."),
         'exercises/core.yaml:'),
        (("feedback-rules.yaml", '"\\\\bremoval\\\\b"', '"\\\\bremoval(\\\\b"'),
         "feedback-rules.yaml:"),
        (("exercises/core.yaml", "people: {Sara: survivor", "people: {Sarah: survivor"),
         "'Sarah' is not named in the case"),
        (("feedback-rules.yaml", "acts: [why-question]", "acts: [why-questions]"),
         "feedback-rules.yaml:"),
    ],
)  # fmt: skip
def test_content_check_covers_exercises_and_rules(tmp_path, edit, message):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "quizzes", tmp_path / "quizzes")
    name, old, new = edit
    path = tmp_path / "quizzes" / "rewording" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    app = build_app(sqlite_url(tmp_path), tmp_path, CONTENT_DIR=tmp_path / "content",
                    QUIZZES_DIR=tmp_path / "quizzes")  # fmt: skip
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code != 0 and message in result.output


# -- Learner flow ---------------------------------------------------------------------


def responses(user):
    return list(
        db.session.scalars(
            sa.select(Response).where(Response.user_id == user.id).order_by(Response.version)
        )
    )


def test_write_get_feedback_revise_and_rate(client, make_learner):
    user = make_learner()
    login(client, user)
    page = client.get("/practice/let-him-in").get_data(as_text=True)
    assert "Why did you let him in?" in page and "Show hints" in page
    client.post("/practice/let-him-in", data={"text": "Why did you let him in again?"})
    first = client.get("/practice/let-him-in").get_data(as_text=True)
    assert "Needs work" in first and "Model answers" in first
    client.post("/practice/let-him-in", data={"text": "What happened when he came to the flat?"})
    client.post("/practice/let-him-in", data={"text": "What happened when he came to the flat?"})
    kept = responses(user)
    assert [r.version for r in kept] == [1, 2]  # the repeat was not kept twice
    assert [r.verdict for r in kept] == ["needs_work", "constructive"]
    client.post("/practice/let-him-in/rating", data={"rating": "as-good"})
    db.session.refresh(kept[-1])
    assert kept[-1].self_rating is SelfRating.AS_GOOD
    practice = client.get("/practice").get_data(as_text=True)
    assert "Constructive" in practice


LET_HIM_IN_ANSWER = (
    "What was going on last night that made having Liam inside feel like the safer option?"
)
ANSWERS_LATER = "The model answers appear here once you have written a version in your own words"


@pytest.mark.parametrize(
    "text",
    [
        "asdf qwerty zxcv",
        "Sara, Liam, banana what how tell me purple elephant keeps safe.",
        "Sara. Liam. Tell me. What. How. Safe. Strengths. Together. Responsible. Support.",
        "Sara, what happened with Liam, and what would help you and the children now?",
        "Tell me what happened when Liam came to the door. How were you and the children "
        "afterwards?",
        "Why did you let him in?",
    ],
)
def test_model_answers_wait_for_a_version_of_the_learners_own(client, make_learner, text):
    """Junk, keywords, a template, a copy or the statement again: the answers stay
    hidden (they could be read and paraphrased), and the page says when they appear.
    Nor can a version be rated against answers not yet shown."""
    user = make_learner()
    login(client, user)
    client.post("/practice/let-him-in", data={"text": text})
    page = client.get("/practice/let-him-in").get_data(as_text=True)
    assert LET_HIM_IN_ANSWER not in page and ANSWERS_LATER in page
    assert "How does your latest version compare" not in page
    client.post("/practice/let-him-in/rating", data={"rating": "as-good"})
    assert responses(user)[-1].self_rating is None


def test_model_answers_appear_for_a_learner_struggling_with_honest_versions(client, make_learner):
    """Two honest versions that need work: the answers are there to learn from."""
    user = make_learner()
    login(client, user)
    client.post("/practice/let-him-in", data={"text": "asdf qwerty zxcv"})
    for text in (
        "Why did you let Liam in when you know what he is like?",
        "You need to keep Liam away from the flat for the children's sake.",
    ):
        client.post("/practice/let-him-in", data={"text": text})
    assert [r.verdict for r in responses(user)] == ["needs_work"] * 3
    page = client.get("/practice/let-him-in").get_data(as_text=True)
    assert LET_HIM_IN_ANSWER in page and ANSWERS_LATER not in page


def test_model_answers_appear_after_a_constructive_version(client, make_learner):
    login(client, make_learner())
    text = "What happened when Liam came round last night? How are you and the kids today?"
    client.post("/practice/let-him-in", data={"text": text})
    assert LET_HIM_IN_ANSWER in client.get("/practice/let-him-in").get_data(as_text=True)


def test_model_answers_appear_once_a_coordinator_has_judged_a_version(client, make_learner):
    """One the coach could not judge counts once a coordinator has."""
    user = make_learner()
    login(client, user)
    text = "Sara, what happened with Liam, and what would help you and the children now?"
    client.post("/practice/let-him-in", data={"text": text})
    waiting = responses(user)[-1]
    assert waiting.verdict == "uncertain"
    assert LET_HIM_IN_ANSWER not in client.get("/practice/let-him-in").get_data(as_text=True)
    waiting.coordinator_verdict = "needs_work"
    db.session.commit()
    assert LET_HIM_IN_ANSWER in client.get("/practice/let-him-in").get_data(as_text=True)


def test_real_looking_personal_details_are_not_saved_until_confirmed(client, make_learner):
    user = make_learner()
    login(client, user)
    text = "What happened when he came round? Call me on 07700 900123 if you need to talk."
    page = client.post("/practice/let-him-in", data={"text": text}).get_data(as_text=True)
    assert "a phone number" in page and "made-up details" in page
    assert responses(user) == []
    client.post("/practice/let-him-in", data={"text": text, "fictional": "y"})
    assert len(responses(user)) == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Amira Hussain told me he hit her.", "a full name"),
        ("She lives at 14 Elm Grove, G12 8QQ.", "a postcode"),
        ("The baby was born on 3 March 2024.", "a date of birth"),
    ],
)
def test_privacy_prompt_recognises_personal_details(client, make_learner, text, found):
    login(client, make_learner())
    page = client.post("/practice/let-him-in", data={"text": text}).get_data(as_text=True)
    assert found in page


def test_exercises_appear_in_the_modules_that_teach_them(client, make_learner):
    login(client, make_learner())
    page = client.get("/modules/language-and-documentation").get_data(as_text=True)
    assert 'href="/practice/let-him-in"' in page


# -- Review queue ---------------------------------------------------------------------


@pytest.fixture
def two_orgs(make_org, make_user, make_learner):
    x = make_org(name="Organisation X", teams=("Team X1", "Team X2"))
    y = make_org(name="Organisation Y")
    learner_x = make_learner(organisation=x, team=x.teams[0], name="Lee <b>X</b>")
    learner_y = make_learner(organisation=y, name="Lou Y")
    texts = {
        learner_x: "<script>alert(1)</script> What happened last night?",
        learner_y: "What did he do when he came round?",
    }
    for learner, text in texts.items():
        db.session.add(
            Response(user_id=learner.id, exercise_id="let-him-in", version=1, text=text,
                     verdict="constructive", flags=[], strengths=["open-question"])
        )  # fmt: skip
    db.session.commit()
    return {
        "x": x,
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "learner_x": learner_x,
        "learner_y": learner_y,
    }


def test_queue_shows_only_the_coordinators_organisations_and_escapes_text(client, two_orgs):
    login(client, two_orgs["coordinator_x"])
    page = client.get("/review").get_data(as_text=True)
    assert "Lee &lt;b&gt;X&lt;/b&gt;" in page and "Lou Y" not in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    other = db.session.scalar(
        sa.select(Response).where(Response.user_id == two_orgs["learner_y"].id)
    )
    assert client.get(f"/review/{other.id}").status_code == 404
    assert client.post(f"/review/{other.id}", data={"mark": "exemplary"}).status_code == 404


def test_queue_filters(client, two_orgs):
    login(client, two_orgs["coordinator_x"])
    team_2 = two_orgs["x"].teams[1].id
    assert "Lee" not in client.get(f"/review?team={team_2}").get_data(as_text=True)
    assert "Lee" in client.get("/review?exercise=let-him-in").get_data(as_text=True)
    assert "Lee" not in client.get("/review?exercise=her-drinking").get_data(as_text=True)
    future = "since=1&since=1&since=2999"
    assert "No responses match" in client.get(f"/review?{future}").get_data(as_text=True)


def test_coordinator_marks_and_comments_and_the_learner_sees_it(client, app, two_orgs):
    login(client, two_orgs["coordinator_x"])
    response = db.session.scalar(
        sa.select(Response).where(Response.user_id == two_orgs["learner_x"].id)
    )
    client.post(
        f"/review/{response.id}",
        data={"mark": "exemplary", "comment": "Great <i>open</i> question"},
    )
    queue = client.get("/review").get_data(as_text=True)
    assert "Exemplary" in queue
    learner = app.test_client()
    login(learner, two_orgs["learner_x"])
    page = learner.get("/practice/let-him-in").get_data(as_text=True)
    assert "Great &lt;i&gt;open&lt;/i&gt; question" in page


def test_learners_cannot_open_the_review_queue(client, two_orgs):
    login(client, two_orgs["learner_x"])
    assert client.get("/review").status_code == 403


def test_saving_a_rating_without_choosing_shows_the_error(client, make_learner):
    login(client, make_learner())
    client.post("/practice/let-him-in", data={"text": "What happened when he came round?"})
    page = client.post("/practice/let-him-in/rating", data={}).get_data(as_text=True)
    assert "Choose how your version compares" in page


def test_an_invalid_filter_is_reported_and_the_others_still_apply(client, two_orgs):
    login(client, two_orgs["coordinator_x"])
    team_2 = two_orgs["x"].teams[1].id
    page = client.get(f"/review?team={team_2}&since=31&since=2&since=2026").get_data(as_text=True)
    assert "Lee" not in page  # the team filter still applies


def test_evidence_is_quoted_as_the_learner_wrote_it():
    result = verdict("Honestly, Why Did You go back to Him after everything?")
    assert any(f.evidence.startswith("Why Did You") for f in result.flags), result.flags


def test_drafts_are_cleared_when_signing_out(client, make_learner):
    login(client, make_learner())
    assert client.post("/logout").headers["Clear-Site-Data"] == '"storage"'
    assert "storage" in client.get("/exit").headers["Clear-Site-Data"]


@pytest.mark.parametrize(
    "text",
    [
        "Pattern, coercive control, protective efforts, strengths, partnership, safety.",
        "Perpetrator accountability pattern behaviour child-centred partnership strengths",
    ],
)
def test_a_list_of_the_models_terms_is_not_a_rewording(text):
    result = assess(RULES, text, PROMPT)
    assert result.verdict == "needs_work"
    assert [f.rule.id for f in result.flags] == ["list-of-terms"]


def test_a_terse_case_note_of_what_he_did_is_not_a_list_of_terms():
    note = "Liam: pushed Sara, broke her phone, blocked the door; pattern of coercive control."
    assert "list-of-terms" not in assess(RULES, note, PROMPT).as_json()["flags"]


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Please ensure the child attends every day.", "ultimatum"),
        ("Can you explain why he has not been having contact with the children?", "survivor-blame"),
        ("Was what happened when you were pregnant a one-off?", "minimises"),
        ("I'm sure he didn't mean anything by it.", "excuses-him"),
        (
            "The relationship between them remains stormy, with some altercations.",
            "perpetrator-invisible",
        ),
    ],
)
def test_orders_demands_and_playing_it_down_are_flagged(text, flag):
    assert flag in assess(RULES, text, PROMPT).as_json()["flags"]


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to explain why I'm worried about what he has been doing.",
        "Ensure his bail conditions are checked at every handover.",
        "Rob hitting you and reading your phone is not okay, and none of it is your fault.",
        "I don't think we can say the risk is over: he has messaged her every day since.",
        "He said he did not mean to hurt her, which he has said after each time he hit her.",
        "He says he just wants to see the children, but he sent her forty messages this week.",
    ],
)
def test_a_worker_explaining_or_planning_with_him_in_view_is_not_flagged(text):
    assert assess(RULES, text, PROMPT).as_json()["flags"] == []


def test_another_exercises_model_answer_with_this_cases_names_is_a_copy():
    """Its names swapped for this case's, role for role: found constructive on most
    exercises until every exercise's model answers were compared, as the learner's page
    and the evaluation compare them."""
    exercises = COURSE.rewording.exercises
    praised = []
    for exercise in exercises.values():
        for other in exercises.values():
            if other.id == exercise.id or not other.model_answers:
                continue
            text = other.model_answers[0]
            for theirs, ours in zip(_people(other), _people(exercise), strict=False):
                text = re.sub(rf"\b{theirs}\b", ours, text)
            result = assess_exercise(RULES, exercise, text, exercises.values())
            if result.verdict == "constructive":
                praised.append((exercise.id, other.id))
    assert praised == []


@pytest.mark.slow
def test_no_genuine_version_reads_as_a_reuse_of_the_same_authors_version_elsewhere():
    """Each labelled and held-out set taken as one learner's versions: none of the
    constructive versions (768 in 14 sets, each set by authors writing for every
    exercise in a style of their own) is, with the names changed, one of the same set's
    constructive versions of another exercise, as a template pasted from exercise to
    exercise is."""
    exercises = COURSE.rewording.exercises
    flagged, compared = [], 0
    for path in sorted((PROJECT_ROOT / "tests" / "data").glob("rewording_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        done = [
            (exercises[row["exercise"]], row["text"])
            for row in rows
            if row.get("exercise") in exercises and row["label"] == "constructive"
        ]
        for exercise, text in done:
            result = assess_exercise(RULES, exercise, text, own=done)
            if "reuses-own" in [f.rule.id for f in result.flags]:
                flagged.append((path.name, exercise.id, text))
        compared += len(done)
    assert compared == 768 and flagged == []


def test_crib_sheets_with_words_changed_are_found_and_genuine_versions_seldom_are():
    """Another learner's version with one, two or three words changed at random (a word
    swapped, added or left out) is found by a mark in common and judged close, for the
    held-out sets' constructive versions of 20 words or more; and every set's
    constructive versions, taken as different learners' in five random orders (each
    compared, as the app does, with those before it that share a mark), are seldom
    flagged. The sets' authors wrote some texts from one another's drafts, so that
    figure is an upper bound. Run with -s for the figures."""
    exercises = COURSE.rewording.exercises
    by_exercise: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((PROJECT_ROOT / "tests" / "data").glob("rewording_*.jsonl")):
        for row in map(json.loads, filter(str.strip, path.read_text().splitlines())):
            if row.get("exercise") in exercises and row["label"] == "constructive":
                by_exercise.setdefault(row["exercise"], []).append((path.name, row["text"]))
    rng = random.Random(7)
    flagged, versions = 0, 0
    for _ in range(5):
        for exercise_id, rows in by_exercise.items():
            people = exercises[exercise_id].people
            sent: list[tuple[str, set[int]]] = []
            for _, text in rng.sample(rows, len(rows)):
                found = set(marks(text, people))
                before = tuple(other for other, theirs in sent if found & theirs)
                flagged += bool(before) and shared(text, before, people) is not None
                versions += 1
                sent.append((text, found))
    fillers = ["really", "just", "also", "today", "now", "please", "maybe", "quite"]
    caught, tried = {1: 0, 2: 0, 3: 0}, 0
    for exercise_id, rows in by_exercise.items():
        people = exercises[exercise_id].people
        for name, text in rows:
            if "heldout" not in name or not marks(text, people):
                continue
            tried += 1
            for changes in caught:
                copy = text.split()
                for _ in range(changes):
                    at, way = rng.randrange(len(copy)), rng.random()
                    if way < 0.4:
                        copy[at] = rng.choice(fillers)
                    elif way < 0.7:
                        copy.insert(at, rng.choice(fillers))
                    else:
                        del copy[at]
                copy_text = " ".join(copy)
                caught[changes] += (
                    bool(set(marks(copy_text, people)) & set(marks(text, people)))
                    and shared(copy_text, (text,), people) is not None
                )
    print(f"genuine versions flagged: {flagged} of {versions}; copies caught with 1, 2, 3 "
          f"words changed: {caught[1]}, {caught[2]}, {caught[3]} of {tried}")  # fmt: skip
    assert versions == 3840 and flagged <= 0.025 * versions
    assert tried == 256 and all(n >= 0.95 * tried for n in caught.values())
