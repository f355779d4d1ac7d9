"""The rewording feedback rules, compiled from quizzes/rewording/feedback-rules.yaml:
each rule's patterns with the lexicons expanded, the words the reader needs, and the
version a stored verdict records. What the rules say is data; how a text is read and
judged with them is the rewording feature's engine."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from courseapp.catalogue.exercises import RuleDef, RulesFile

# Raise when the reading code changes in a way that can change a verdict.
ENGINE_VERSION = "11"
ROLES = ("survivor", "perpetrator", "child", "both", "worker", "other")


class ReadClause(Protocol):
    """A clause as the reader sees it (see courseapp.rewording.reading.Clause)."""

    act: str
    actor: str | None
    target: str | None


@dataclass(frozen=True)
class Lexicon:
    """The words the reader needs, from the rules file's lexicons."""

    openers: tuple[str, ...]
    open_starts: tuple[str, ...]
    instruction_starts: tuple[str, ...]
    roles: dict[str, tuple[str, ...]]

    @classmethod
    def from_lexicons(cls, lexicons: dict[str, list[str]]) -> Lexicon:
        roles = {
            role: tuple(sorted(lexicons.get(f"role_{role}", []), key=len, reverse=True))
            for role in ROLES
        }
        return cls(
            tuple(sorted(lexicons.get("openers", []), key=len, reverse=True)),
            tuple(sorted(lexicons.get("open_starts", []), key=len, reverse=True)),
            tuple(sorted(lexicons.get("instruction_starts", []), key=len, reverse=True)),
            roles,
        )


@dataclass(frozen=True)
class Rule:
    definition: RuleDef
    patterns: tuple[re.Pattern, ...]
    unless: tuple[re.Pattern, ...] = ()

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def strong(self) -> bool:
        return self.definition.weight == "strong"

    def applies_to(self, clause: ReadClause) -> bool:
        rule = self.definition
        return (
            (not rule.acts or clause.act in rule.acts)
            and clause.act not in rule.not_acts
            and (not rule.actors or clause.actor in rule.actors)
            and (not rule.targets or clause.target in rule.targets)
        )


@dataclass(frozen=True)
class Rules:
    flags: tuple[Rule, ...]
    strengths: tuple[Rule, ...]
    negation: re.Pattern
    topic_words: frozenset[str]
    lexicon: Lexicon | None = None
    function_words: frozenset[str] = frozenset()
    model_terms: frozenset[str] = frozenset()
    generic_words: frozenset[str] = frozenset()
    # Every word the course uses (its modules, glossary and exercises, and this file's
    # word lists), lower case: a text whose words are mostly not among them is not
    # about the course's subject at all (set by the catalogue once the modules load).
    vocabulary: frozenset[str] = frozenset()
    # What a stored verdict was judged with: the engine version and a hash of the
    # rules file and the exercises' people (set by the catalogue).
    version: str = ENGINE_VERSION

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


VOCABULARY_WORD = re.compile(r"[a-z]+")


def vocabulary(texts) -> frozenset[str]:
    """The lower-case words of the texts (letters only)."""
    return frozenset(word for text in texts for word in VOCABULARY_WORD.findall(text.lower()))


def rules_version(source: bytes) -> str:
    return f"{ENGINE_VERSION}-{hashlib.sha256(source).hexdigest()[:12]}"


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
    negation = re.compile(r"(?:" + "|".join(re.escape(w) for w in negation_words) + r")")
    word_lists = (
        *definition.lexicons.values(),
        definition.topic_words,
        definition.function_words,
        definition.model_terms,
        definition.generic_words,
    )
    return Rules(
        tuple(compiled(r) for r in definition.flags),
        tuple(compiled(r) for r in definition.strengths),
        negation,
        frozenset(definition.topic_words),
        Lexicon.from_lexicons(definition.lexicons),
        frozenset(definition.function_words),
        frozenset(definition.model_terms),
        frozenset(definition.generic_words),
        vocabulary(word for group in word_lists for word in group),
    )
