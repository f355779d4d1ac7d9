"""The rewording feedback engine: transparent, deterministic rules read from
quizzes/rewording/feedback-rules.yaml. No network, no downloaded models.

A text is read sentence by sentence and clause by clause (lower case, quotation
marks straightened, contractions expanded, the case's names replaced by the role
words she, he and the child; see reading.py). Each clause gets a speech act and an
actor, and a rule may ask for them (`acts`, `not_acts`, `actors`). A negation
cancels a negatable match only when it governs the matched words: it comes in the
few words just before them (or before the pattern's `core` group).

Verdict: any strong flag makes it needs_work, and no strength is praised then; so
does a text that is not written out as anyone would say it (word salad, keywords,
one-word sentences, another language); a weak flag alone, a text with no strong
strength but something to go on, or a text the reader finds nothing in at all, is
`uncertain` and goes to a coordinator; otherwise a strong strength makes it
constructive, if the text names something of its own case beyond its people's names
(else it could be pasted into any exercise: `uncertain` too). A copy of the case, a
hint or an example answer needs work however it reads.

Words and sentences are read by text.py, clauses by reading.py; whether a text is a
version of the learner's own at all is versions.py's, and whether it copies another
text copies.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from courseapp.catalogue.exercises import Exercise, RuleDef
from courseapp.catalogue.rules import Rule, Rules
from courseapp.rewording.copies import copies, reuses_own, shared
from courseapp.rewording.reading import (
    Clause,
    expand_contractions,
    read_sentence,
    replace_names,
)
from courseapp.rewording.text import MIN_WORDS, SENTENCE, normalise, overlap, words
from courseapp.rewording.versions import about_this_case, list_of_terms, not_written_out, odd_words

CONSTRUCTIVE, NEEDS_WORK, UNCERTAIN = "constructive", "needs_work", "uncertain"
VERDICTS = (CONSTRUCTIVE, NEEDS_WORK, UNCERTAIN)
# Flags that say a text is not a version of the learner's own, judged on what it says:
# too short, the statement again, a list of words, a copy, about no case in particular,
# or about something else.
NOT_OWN_VERSION = frozenset(
    [
        "too-short",
        "repeats-prompt",
        "list-of-terms",
        "not-written-out",
        "copies",
        "not-this-case",
        "off-topic",
        "reuses-own",
        "shared-text",
        "close-to-shared",
    ]
)
# Words that may stand between a negation and the words it governs ("not really
# your fault").
ADVERBS = frozenset(
    ["really", "always", "all", "just", "only", "entirely", "completely", "ever", "at"]
)
# "not here to take", "not going to ask": the negation governs the intention.
INTENT = frozenset(["here", "going", "trying", "about", "looking", "planning", "wanting"])
# "double quotes", or 'single quotes' around two or more words (an apostrophe
# inside a word, as in we'll, does not end the quotation).
QUOTE = re.compile(
    r'"([^"]+)"'
    r"|(?:(?<=[\s(:])|^)'((?:[^']|(?<=[a-z])'(?=[a-z]))+?\s(?:[^']|(?<=[a-z])'(?=[a-z]))+?)'"
    r"(?=[\s.,;:?!)-]|$)"
)
REJECTING = re.compile(
    r"(?:instead of|rather than|not|never|avoid|don't|do not|won't|wouldn't|would not|"
    r"dont|wont|wouldnt|shouldnt|"
    r"shouldn't|stop|no more|drop|replace|change|cut|remove|not write)\b[^.?!,;:]{0,40}$"
)
# Words after a quotation of the destructive statement that say it is wrong.
REJECTED_AFTER = re.compile(
    r"^\W*(?:is (?:blaming|judg|not|a why|a closed|a leading|wrong|unhelpful)|sounds|"
    r"comes across|feels|can feel|could feel|implies|suggests|puts|"
    r"blames|would sound|might sound|judges|places|makes|was|can sound|could sound)\b"
)
CLAUSE = re.compile(r"[^,;]+?(?=,|;|\bbut\b|$)|\bbut\b[^,;]*?(?=,|;|$)")
# A dash between words ("you said you dread it - what would help?") ends a clause too.
DASH = re.compile(r"\s[-\u2013\u2014]+\s")


@dataclass(frozen=True)
class Finding:
    rule: RuleDef
    evidence: str


@dataclass(frozen=True)
class Assessment:
    verdict: str
    flags: tuple[Finding, ...] = field(default=())
    strengths: tuple[Finding, ...] = field(default=())
    reading: tuple[Clause, ...] = field(default=())

    def as_json(self) -> dict:
        return {
            "verdict": self.verdict,
            "flags": [f.rule.id for f in self.flags],
            "strengths": [s.rule.id for s in self.strengths],
        }


def set_aside_quotes(text: str, prompt: str) -> str:
    """Drop quoted words that the learner rejects (before or after the quotation);
    keep other quoted words (often the rewording itself, or the destructive words
    offered as what they would say) without their quotation marks."""

    def replace(match: re.Match) -> str:
        quoted = match.group(1) or match.group(2) or ""
        before, after = text[: match.start()], text[match.end() :]
        repeats = bool(prompt) and overlap(quoted, prompt) >= 0.6
        if REJECTING.search(before) or (repeats and REJECTED_AFTER.search(after)):
            return " "
        return quoted

    return QUOTE.sub(replace, text)


def _negated(text: str, start: int, negation: re.Pattern) -> bool:
    """A negation governs the words just after it: the matched words (or the
    pattern's `core`) are negated only when a negation comes right before them,
    allowing for an adverb between ("not your fault", "not really to blame") but
    not for another verb ("do you not think the children deserve ..." is not a
    negated "the children deserve")."""
    lead = text[:start].split()
    while lead and lead[-1] in ADVERBS:
        lead.pop()
    if len(lead) >= 3 and lead[-1] == "to" and lead[-2] in INTENT:
        lead = lead[:-2]
    last_two = " ".join(lead[-2:])
    return bool(lead) and bool(negation.fullmatch(lead[-1]) or negation.fullmatch(last_two))


def _core_start(match: re.Match) -> int:
    return match.start("core") if "core" in match.re.groupindex else match.start()


def _find(rule: Rule, sentences: list[tuple[str, list[Clause]]], negation) -> str | None:
    definition = rule.definition
    conditional = bool(
        definition.acts or definition.not_acts or definition.actors or definition.targets
    )
    for sentence, clauses in sentences:
        for clause in clauses:
            if not rule.applies_to(clause):
                continue
            if any(unless.search(clause.text) for unless in rule.unless):
                continue
            for pattern in rule.patterns:
                for match in pattern.finditer(clause.text):
                    if rule.definition.negatable and _negated(
                        clause.text, _core_start(match), negation
                    ):
                        continue
                    return match.group(0).strip()
        # Patterns that span clauses (a question mark at the end of the sentence).
        if (
            conditional
            or rule.definition.negatable
            or any(unless.search(sentence) for unless in rule.unless)
        ):
            continue
        for pattern in rule.patterns:
            match = pattern.search(sentence)
            if match:
                return match.group(0).strip()
    return None


def _as_written(text: str, evidence: str, people: dict[str, str]) -> str:
    """The evidence as the learner wrote it. The evidence comes from the prepared text
    ("it is up to you", "she let he in"), so each word the learner wrote is prepared
    on its own and the evidence is found among the results: the learner's own words
    from the first to the last are quoted ("It's up to you", "Sara let Liam in")."""
    straight = text.replace("\u2019", "'")
    tokens = list(re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", straight))
    prepared: list[tuple[str, int]] = []
    for index, token in enumerate(tokens):
        word = token.group(0).lower()
        if word == "come" and prepared and prepared[-1][0] == "how":
            prepared[-1] = ("why", prepared[-1][1])
            continue
        for part in replace_names(expand_contractions(word), people).split():
            prepared.append((part, index))
    wanted = words(evidence)
    found = [w for w, _ in prepared]
    for start in range(len(found) - len(wanted) + 1):
        if wanted and found[start : start + len(wanted)] == wanted:
            first = tokens[prepared[start][1]]
            last = tokens[prepared[start + len(wanted) - 1][1]]
            return straight[first.start() : last.end()]
    pattern = r"\s+".join(re.escape(part) for part in evidence.split())
    match = re.search(pattern, straight, flags=re.IGNORECASE)
    return match.group(0) if match else evidence


def read(rules: Rules, text: str, people: dict[str, str]) -> list[tuple[str, list[Clause]]]:
    """Sentences of the prepared text, each with its clauses read."""
    text = replace_names(expand_contractions(text), people)
    sentences = [s.strip() for s in SENTENCE.findall(text) if s.strip()]
    read_sentences = []
    for sentence in sentences:
        clauses = [c.strip() for c in CLAUSE.findall(DASH.sub("; ", sentence)) if c.strip()]
        clauses = clauses or [sentence]
        read_sentences.append((sentence, read_sentence(sentence, clauses, rules.lexicon)))
    return read_sentences


def assess_exercise(
    rules: Rules,
    exercise: Exercise,
    text: str,
    others: Iterable[Exercise] = (),
    own: Iterable[tuple[Exercise, str]] = (),
    shared_with: Iterable[str] = (),
) -> Assessment:
    """A rewording of this exercise, judged as the learner's page judges it: its hints,
    shown beside the box, are examples too (a copy of them is not a rewording); nor is
    one of the `others` exercises' model answers with this case's names put in, nor
    one of the learner's `own` versions of another exercise (that exercise, its text),
    nor another learner's earlier version of this one (`shared_with`: those that might
    be)."""
    elsewhere = tuple(
        (tuple(other.model_answers), other.people) for other in others if other.id != exercise.id
    )
    own_elsewhere = tuple(
        (written, other.people, other.case) for other, written in own if other.id != exercise.id
    )
    return assess(
        rules,
        text,
        exercise.destructive,
        tuple(exercise.model_answers),
        exercise.people,
        exercise.case,
        tuple(exercise.hints),
        elsewhere,
        own_elsewhere,
        tuple(shared_with),
    )


def assess(
    rules: Rules,
    text: str,
    prompt: str = "",
    model_answers: tuple[str, ...] = (),
    people: dict[str, str] | None = None,
    case: str = "",
    hints: tuple[str, ...] = (),
    elsewhere: tuple[tuple[tuple[str, ...], dict[str, str]], ...] = (),
    own_elsewhere: tuple[tuple[str, dict[str, str], str], ...] = (),
    shared_with: tuple[str, ...] = (),
) -> Assessment:
    """With a `case`, a text must also name something of it (or of the example answers
    or `hints`) to be found constructive, and must not copy it, an example answer or a
    hint, nor another exercise's example answers (`elsewhere`: each with its people,
    whose names count as this case's). Nor may it be, with a few words changed or its
    sentences in another order, the learner's own versions of other exercises
    (`own_elsewhere`, each with its people and case): a text that fits any case with
    the names changed was not written for this one. Nor may it be another learner's
    earlier version (`shared_with`: those that might be, see copies.SHARED_MIN_WORDS)."""
    raw = normalise(text)
    prompt = normalise(prompt)
    people = people or {}
    builtin = {r.id: r for r in rules.flags if r.definition.builtin}
    if len(words(raw)) < MIN_WORDS:
        return Assessment(NEEDS_WORK, (Finding(builtin["too-short"].definition, raw),))
    if prompt and (raw.strip(" .?!") == prompt.strip(" .?!") or (
        overlap(raw, prompt) >= 0.8 and overlap(prompt, raw) >= 0.8
    )):  # fmt: skip
        return Assessment(NEEDS_WORK, (Finding(builtin["repeats-prompt"].definition, raw),))
    if list_of_terms(rules, raw):
        return Assessment(NEEDS_WORK, (Finding(builtin["list-of-terms"].definition, raw),))
    if copies(raw, case, model_answers, hints, people) or any(
        copies(raw, "", answers, (), people | theirs) for answers, theirs in elsewhere
    ):
        return Assessment(NEEDS_WORK, (Finding(builtin["copies"].definition, raw),))
    if own_elsewhere and reuses_own(raw, own_elsewhere, people, case):
        return Assessment(NEEDS_WORK, (Finding(builtin["reuses-own"].definition, raw),))
    another = shared(raw, shared_with, people) if shared_with else None
    if another == "shared-text":
        return Assessment(NEEDS_WORK, (Finding(builtin[another].definition, raw),))
    sentences = read(rules, set_aside_quotes(raw, prompt), people)
    reading = tuple(clause for _, clauses in sentences for clause in clauses)
    flags = []
    for rule in rules.flags:
        if not rule.definition.builtin:
            evidence = _find(rule, sentences, rules.negation)
            if evidence is not None:
                flags.append(Finding(rule.definition, _as_written(text, evidence, people)))
    strengths = []
    for rule in rules.strengths:
        evidence = _find(rule, sentences, rules.negation)
        if evidence is not None:
            strengths.append(Finding(rule.definition, _as_written(text, evidence, people)))
    if any(f.rule.weight == "strong" for f in flags):
        # A text with any blame or pressure gets no praise for the same words.
        return Assessment(NEEDS_WORK, tuple(flags), (), reading)
    if not_written_out(rules, text, raw, people):
        # Word salad or keywords: the strengths found are words, not something said.
        return Assessment(NEEDS_WORK, (Finding(builtin["not-written-out"].definition, raw),))
    if flags:
        return Assessment(UNCERTAIN, tuple(flags), (), reading)
    if any(s.rule.weight == "strong" for s in strengths):
        if odd_words(rules, text, raw, people):
            # A good question's words around words no practitioner would use here
            # ("how do the purple elephants keep the children safe"): a person decides.
            return Assessment(UNCERTAIN, (Finding(builtin["not-written-out"].definition, raw),))
        examples = (*model_answers, *hints)
        if case and not about_this_case(rules, text, case, prompt, examples, people):
            not_this_case = Finding(builtin["not-this-case"].definition, raw)
            return Assessment(UNCERTAIN, (not_this_case,), (), reading)
        if another:
            return Assessment(UNCERTAIN, (Finding(builtin[another].definition, raw),))
        return Assessment(CONSTRUCTIVE, (), tuple(strengths), reading)
    reference = " ".join((prompt, *map(normalise, (*model_answers, *hints))))
    if not strengths and not set(words(raw)) & rules.topic_words and overlap(raw, reference) < 0.2:
        return Assessment(NEEDS_WORK, (Finding(builtin["off-topic"].definition, raw),))
    return Assessment(UNCERTAIN, (), tuple(strengths), reading)
