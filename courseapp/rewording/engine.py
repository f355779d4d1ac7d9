"""The rewording feedback engine: transparent, deterministic rules read from
quizzes/rewording/feedback-rules.yaml. No network, no downloaded models.

A text is read sentence by sentence and clause by clause (lower case, quotation
marks straightened, contractions expanded, the case's names replaced by the role
words she, he and the child; see reading.py). Each clause gets a speech act and an
actor, and a rule may ask for them (`acts`, `not_acts`, `actors`). A negation
cancels a negatable match only when it governs the matched words: it comes in the
few words just before them (or before the pattern's `core` group).

Verdict: any strong flag makes it needs_work, and no strength is praised then; a
weak flag alone, a text with no strong strength but something to go on, or a
text the reader finds nothing in at all, is `uncertain` and goes to a coordinator;
otherwise a strong strength makes it constructive, if the text names something of
its own case (else it could be pasted into any exercise: `uncertain` too). A copy of
the case or of an example answer needs work however it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from courseapp.catalogue.exercises import Exercise, RuleDef
from courseapp.catalogue.rules import Rule, Rules
from courseapp.rewording.reading import (
    Clause,
    expand_contractions,
    read_sentence,
    replace_names,
)

CONSTRUCTIVE, NEEDS_WORK, UNCERTAIN = "constructive", "needs_work", "uncertain"
VERDICTS = (CONSTRUCTIVE, NEEDS_WORK, UNCERTAIN)
MIN_WORDS = 5
# Words that may stand between a negation and the words it governs ("not really
# your fault").
ADVERBS = frozenset(
    ["really", "always", "all", "just", "only", "entirely", "completely", "ever", "at"]
)
# "not here to take", "not going to ask": the negation governs the intention.
INTENT = frozenset(["here", "going", "trying", "about", "looking", "planning", "wanting"])
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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
SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")
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


# Text-message spellings, read as the words they stand for ("y did u let him in").
TEXT_SPEAK = {
    "u": "you", "ur": "your", "r": "are", "coz": "because", "cos": "because",
    "cuz": "because", "wat": "what", "wot": "what", "happend": "happened",
    "falt": "fault", "pls": "please", "plz": "please",
}  # fmt: skip
WHY_SPEAK = re.compile(r"\by(?= (?:did|do|does|would|are|is|was|have|has|had|not|dont)\b)")
# Digits for letters inside a word ("h1m", "l3t"): a word that starts with a letter.
LEET = re.compile(r"\b[a-z]+[0-9][a-z0-9]*\b")
LEET_LETTERS = str.maketrans("01345", "oieas")


def normalise(text: str) -> str:
    text = text.lower()
    for curly, straight in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(curly, straight)
    text = LEET.sub(lambda m: m.group(0).translate(LEET_LETTERS), text)
    text = WHY_SPEAK.sub("why", text)
    text = re.sub(r"[a-z]+", lambda m: TEXT_SPEAK.get(m.group(0), m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return WORD.findall(text)


def overlap(a: str, b: str) -> float:
    """Share of a's words that are also in b."""
    a_words, b_words = set(words(a)), set(words(b))
    return len(a_words & b_words) / len(a_words) if a_words else 0.0


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


# A list of terms: fewer than this share of its words bind a sentence together, and at
# least this share (and MIN_MODEL_TERMS) are the model's terms. A terse case note
# ("pushed her, broke her phone; pattern of coercive control") names what he did, and
# has too few of the model's terms to be taken for one.
FUNCTION_SHARE, MODEL_TERM_SHARE, MIN_MODEL_TERMS = 0.2, 0.5, 3


def list_of_terms(rules: Rules, raw: str) -> bool:
    """The model's terms strung together (keywords, not something anyone would say to
    her or record): such a text reads as a rewording to rules that look for words."""
    found = [word.split("'")[0] for word in words(raw)]
    terms = sum(word in rules.model_terms for word in found)
    return (
        sum(word in rules.function_words for word in found) < FUNCTION_SHARE * len(found)
        and terms >= MIN_MODEL_TERMS
        and terms >= MODEL_TERM_SHARE * len(found)
    )


# A text that holds most of the case's words is the case pasted back (a record of it
# repeats some of them, not most); one that is an example answer with hardly a word
# changed is a copy of it.
CASE_SHARE, ANSWER_SHARE = 0.85, 0.9


def _stem(word: str) -> str:
    """A word's first five letters, less a plural or possessive: "drinking" and "drink",
    "doors" and "door" are one."""
    word = word.split("'")[0]
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word[:5]


def case_words(rules: Rules, case: str, prompt: str, answers: tuple[str, ...],
               people: dict[str, str]) -> frozenset[str]:  # fmt: skip
    """What this case speaks of that a rewording of it could name (as stems): its people
    and the words of the case, the statement and the example answers, less the words a
    rewording of any case may use (function words, the model's terms, generic_words)."""
    common = {_stem(w) for w in rules.function_words | rules.model_terms | rules.generic_words}
    found = {_stem(w) for w in words(normalise(" ".join((case, prompt, *answers))))}
    return frozenset((found | {_stem(name.lower()) for name in people}) - common)


def _copies(raw: str, case: str, answers: tuple[str, ...]) -> bool:
    """The case pasted back, or an example answer with hardly a word changed."""
    return (bool(case) and overlap(normalise(case), raw) >= CASE_SHARE) or any(
        overlap(raw, answer) >= ANSWER_SHARE and overlap(answer, raw) >= ANSWER_SHARE
        for answer in map(normalise, answers)
    )


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


def assess_exercise(rules: Rules, exercise: Exercise, text: str) -> Assessment:
    """A rewording of this exercise, judged as the learner's page judges it: its hints,
    shown beside the box, count as example answers (a copy of them is not a rewording)."""
    hints = tuple(exercise.hints)
    examples = (*exercise.model_answers, *hints, " ".join(hints))
    return assess(rules, text, exercise.destructive, examples, exercise.people, exercise.case)


def assess(
    rules: Rules,
    text: str,
    prompt: str = "",
    model_answers: tuple[str, ...] = (),
    people: dict[str, str] | None = None,
    case: str = "",
) -> Assessment:
    """With a `case`, a text must also name something of it to be found constructive,
    and must not copy it or an example answer."""
    raw = normalise(text)
    prompt = normalise(prompt)
    builtin = {r.id: r for r in rules.flags if r.definition.builtin}
    if len(words(raw)) < MIN_WORDS:
        return Assessment(NEEDS_WORK, (Finding(builtin["too-short"].definition, raw),))
    if prompt and (raw.strip(" .?!") == prompt.strip(" .?!") or (
        overlap(raw, prompt) >= 0.8 and overlap(prompt, raw) >= 0.8
    )):  # fmt: skip
        return Assessment(NEEDS_WORK, (Finding(builtin["repeats-prompt"].definition, raw),))
    if list_of_terms(rules, raw):
        return Assessment(NEEDS_WORK, (Finding(builtin["list-of-terms"].definition, raw),))
    if _copies(raw, case, model_answers):
        return Assessment(NEEDS_WORK, (Finding(builtin["copies"].definition, raw),))
    sentences = read(rules, set_aside_quotes(raw, prompt), people or {})
    reading = tuple(clause for _, clauses in sentences for clause in clauses)
    flags = []
    for rule in rules.flags:
        if not rule.definition.builtin:
            evidence = _find(rule, sentences, rules.negation)
            if evidence is not None:
                flags.append(Finding(rule.definition, _as_written(text, evidence, people or {})))
    strengths = []
    for rule in rules.strengths:
        evidence = _find(rule, sentences, rules.negation)
        if evidence is not None:
            strengths.append(Finding(rule.definition, _as_written(text, evidence, people or {})))
    if any(f.rule.weight == "strong" for f in flags):
        # A text with any blame or pressure gets no praise for the same words.
        return Assessment(NEEDS_WORK, tuple(flags), (), reading)
    if flags:
        return Assessment(UNCERTAIN, tuple(flags), (), reading)
    if any(s.rule.weight == "strong" for s in strengths):
        if case and not {_stem(w) for w in words(raw)} & case_words(
            rules, case, prompt, model_answers, people or {}
        ):
            not_this_case = Finding(builtin["not-this-case"].definition, raw)
            return Assessment(UNCERTAIN, (not_this_case,), (), reading)
        return Assessment(CONSTRUCTIVE, (), tuple(strengths), reading)
    reference = " ".join((prompt, *map(normalise, model_answers)))
    if not strengths and not set(words(raw)) & rules.topic_words and overlap(raw, reference) < 0.2:
        return Assessment(NEEDS_WORK, (Finding(builtin["off-topic"].definition, raw),))
    return Assessment(UNCERTAIN, (), tuple(strengths), reading)
