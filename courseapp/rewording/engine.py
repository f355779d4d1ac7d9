"""The rewording feedback engine: transparent, deterministic rules read from
quizzes/rewording/feedback-rules.yaml. No network, no downloaded models.

A text is read sentence by sentence (lower case, quotation marks straightened).
Quoted words that repeat the destructive statement, or that the learner
introduces as what not to say, are set aside. Each flag's patterns are searched
clause by clause; a negatable flag is not raised when a negation comes shortly
before the match or inside it. The verdict is constructive only when no flag is
raised and at least one strength is found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from courseapp.rewording.schema import RuleDef, RulesFile

CONSTRUCTIVE, NEEDS_WORK = "constructive", "needs_work"
MIN_WORDS = 5
NEGATION_WINDOW_WORDS = 5
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
    r"shouldn't|stop|no more|drop|replace|change|cut|remove|not write)\b[^.?!,;:]{0,40}$"
)
SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")
CLAUSE = re.compile(r"[^,;]+?(?=,|;|\bbut\b|$)|\bbut\b[^,;]*?(?=,|;|$)")


@dataclass(frozen=True)
class Rule:
    definition: RuleDef
    patterns: tuple[re.Pattern, ...]
    unless: tuple[re.Pattern, ...] = ()

    @property
    def id(self) -> str:
        return self.definition.id


@dataclass(frozen=True)
class Rules:
    flags: tuple[Rule, ...]
    strengths: tuple[Rule, ...]
    negation: re.Pattern
    topic_words: frozenset[str]

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in (*self.flags, *self.strengths) if r.id == rule_id)


def expand(pattern: str, lexicons: dict[str, list[str]]) -> str:
    """Replace each {name} with an alternation of that lexicon's words."""

    def words(match: re.Match) -> str:
        name = match.group(1)
        if name not in lexicons:
            raise ValueError(f"unknown lexicon {{{name}}}")
        return (
            "(?:"
            + "|".join(re.escape(w) for w in sorted(lexicons[name], key=len, reverse=True))
            + ")"
        )

    return re.sub(r"\{([a-z_]+)\}", words, pattern)


def compile_rules(definition: RulesFile) -> Rules:
    """Compile every pattern; raises ValueError (with the rule id) on a bad one."""

    def compile_all(rule: RuleDef, patterns: list[str]) -> tuple[re.Pattern, ...]:
        try:
            return tuple(re.compile(expand(p, definition.lexicons)) for p in patterns)
        except (re.error, ValueError) as error:
            raise ValueError(f"rule {rule.id!r}: {error}") from None

    def compiled(rule: RuleDef) -> Rule:
        return Rule(rule, compile_all(rule, rule.patterns), compile_all(rule, rule.unless))

    negation_words = definition.lexicons.get("negation", [])
    negation = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in negation_words) + r")(?:\b|$)")
    return Rules(
        tuple(compiled(r) for r in definition.flags),
        tuple(compiled(r) for r in definition.strengths),
        negation,
        frozenset(definition.topic_words),
    )


@dataclass(frozen=True)
class Finding:
    rule: RuleDef
    evidence: str


@dataclass(frozen=True)
class Assessment:
    verdict: str
    flags: tuple[Finding, ...] = field(default=())
    strengths: tuple[Finding, ...] = field(default=())

    def as_json(self) -> dict:
        return {
            "verdict": self.verdict,
            "flags": [f.rule.id for f in self.flags],
            "strengths": [s.rule.id for s in self.strengths],
        }


def normalise(text: str) -> str:
    text = text.lower()
    for curly, straight in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return WORD.findall(text)


def overlap(a: str, b: str) -> float:
    """Share of a's words that are also in b."""
    a_words, b_words = set(words(a)), set(words(b))
    return len(a_words & b_words) / len(a_words) if a_words else 0.0


def set_aside_quotes(text: str, prompt: str) -> str:
    """Drop quoted words that repeat the prompt or that the learner rejects; keep
    other quoted words (often the rewording itself) without their quotation marks."""

    def replace(match: re.Match) -> str:
        quoted = match.group(1) or match.group(2) or ""
        before = text[: match.start()]
        if (prompt and overlap(quoted, prompt) >= 0.6) or REJECTING.search(before):
            return " "
        return quoted

    return QUOTE.sub(replace, text)


def _negated(clause: str, start: int, matched: str, negation: re.Pattern) -> bool:
    lead = " ".join(clause[:start].split()[-NEGATION_WINDOW_WORDS:])
    return bool(negation.search(lead) or negation.search(matched))


def _find(rule: Rule, sentences: list[str], negation: re.Pattern) -> str | None:
    for sentence in sentences:
        for clause in [c.strip() for c in CLAUSE.findall(sentence) if c.strip()] or [sentence]:
            if any(unless.search(clause) for unless in rule.unless):
                continue
            for pattern in rule.patterns:
                for match in pattern.finditer(clause):
                    if rule.definition.negatable and _negated(
                        clause, match.start(), match.group(0), negation
                    ):
                        continue
                    return match.group(0).strip()
        # Patterns that span clauses (a question mark at the end of the sentence).
        if rule.definition.negatable or any(unless.search(sentence) for unless in rule.unless):
            continue
        for pattern in rule.patterns:
            match = pattern.search(sentence)
            if match:
                return match.group(0).strip()
    return None


def _as_written(text: str, evidence: str) -> str:
    """The evidence in the learner's own capitals, where it can be found as written."""
    pattern = r"\s+".join(re.escape(part) for part in evidence.split())
    found = re.search(pattern, text.replace("\u2019", "'"), flags=re.IGNORECASE)
    return found.group(0) if found else evidence


def assess(
    rules: Rules, text: str, prompt: str = "", model_answers: tuple[str, ...] = ()
) -> Assessment:
    raw = normalise(text)
    prompt = normalise(prompt)
    builtin = {r.id: r for r in rules.flags if r.definition.builtin}
    flags: list[Finding] = []
    if len(words(raw)) < MIN_WORDS:
        flags.append(Finding(builtin["too-short"].definition, raw))
        return Assessment(NEEDS_WORK, tuple(flags))
    if prompt and (raw.strip(" .?!") == prompt.strip(" .?!") or (
        overlap(raw, prompt) >= 0.8 and overlap(prompt, raw) >= 0.8
    )):  # fmt: skip
        flags.append(Finding(builtin["repeats-prompt"].definition, raw))
        return Assessment(NEEDS_WORK, tuple(flags))
    kept = set_aside_quotes(raw, prompt)
    sentences = [s.strip() for s in SENTENCE.findall(kept) if s.strip()]
    for rule in rules.flags:
        if rule.definition.builtin:
            continue
        evidence = _find(rule, sentences, rules.negation)
        if evidence is not None:
            flags.append(Finding(rule.definition, _as_written(text, evidence)))
    strengths = []
    for rule in rules.strengths:
        evidence = _find(rule, sentences, rules.negation)
        if evidence is not None:
            strengths.append(Finding(rule.definition, evidence))
    reference = " ".join((prompt, *map(normalise, model_answers)))
    if (
        not flags
        and not strengths
        and not set(words(raw)) & rules.topic_words
        and overlap(raw, reference) < 0.2
    ):
        flags.append(Finding(builtin["off-topic"].definition, raw))
    verdict = CONSTRUCTIVE if strengths and not flags else NEEDS_WORK
    return Assessment(verdict, tuple(flags), tuple(strengths))
