"""Reading a learner's text before the rules are applied: who acts, about whom, and
what kind of thing each clause is (a question of which kind, an instruction, a
condition, a statement). Words come from the rules file's lexicons; the case's
names come from the exercise (`people:`), so "Sara let Liam in" reads as "she let
he in" and the rules that speak of "she" and "he" apply to named people too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from courseapp.catalogue.rules import Lexicon

# Speech acts.
WHY, OPEN, CLOSED = "why-question", "open-question", "closed-question"
INSTRUCTION, CONDITION, STATEMENT = "instruction", "condition", "statement"
ACTS = (WHY, OPEN, CLOSED, INSTRUCTION, CONDITION, STATEMENT)
# Roles a clause's actor can take.

# Contractions are expanded so that "it's up to you" reads as "it is up to you" and a
# negation is always its own word. Order matters: the irregular ones first.
# Past participles after which "'s" is "has" ("she's hit a child", "Isla's had a tricky
# week"), not "is" or a possessive.
HAS_DONE = (
    r"(?:been|got|had|hit|done|gone|told|said|seen|made|taken|come|started|stopped|tried|"
    r"shown|kept|left|asked|spoken|called|rung|pushed|thrown|broken|smashed|shouted|"
    r"threatened|hurt|hidden|missed|sent|turned|moved|managed)"
)
CONTRACTIONS = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "cannot"),
    (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "is not"),
    (r"\b([a-z]+)n't\b", r"\1 not"),
    # ... and the same typed without the apostrophe ("isnt", "dont").
    (r"\b(is|was|are|were|do|does|did|has|have|had|could|would|should)nt\b", r"\1 not"),
    (r"\bdont\b", "do not"),
    (r"\b(mum|mother)s\b", r"\1's"),
    (r"\blet's\b", "let us"),
    (r"\bi'm\b", "i am"),
    (r"\b([a-z]+)'re\b", r"\1 are"),
    (r"\b([a-z]+)'ve\b", r"\1 have"),
    (r"\b([a-z]+)'ll\b", r"\1 will"),
    (r"\b(i|you|he|she|we|they|it|that|there|who)'d\b", r"\1 would"),
    (rf"\b(he|she|it|that|there|what|who|where|how)'s ({HAS_DONE})\b", r"\1 has \2"),
    (r"\b(he|she|it|that|there|what|who|where|how|here)'s\b", r"\1 is"),
))  # fmt: skip
# "how come" asks why.
HOW_COME = re.compile(r"\bhow come\b")
# What a named person becomes, as subject or object and as possessive.
ROLE_WORDS = {
    "survivor": ("she", "her"),
    "perpetrator": ("he", "his"),
    "child": ("the child", "the child's"),
}
AUXILIARIES = frozenset(
    [
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "are",
        "is",
        "was",
        "were",
        "would",
        "could",
        "can",
        "will",
        "should",
        "shall",
        "may",
        "might",
        "am",
        "must",
    ]
)
CONDITION_WORDS = re.compile(r"^(?:if|unless|otherwise|or else|or)\b")


BRACKETED = re.compile(r"\s*\([^()]*\)")  # "dad (Dean)", "Mia (4)"


def expand_contractions(text: str) -> str:
    text = BRACKETED.sub("", text)
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return HOW_COME.sub("why", text)


def replace_names(text: str, people: dict[str, str]) -> str:
    """Put each named person's role word in place of their name (lower-case text)."""
    for name in sorted(people, key=len, reverse=True):
        words = ROLE_WORDS.get(people[name])
        if not words:
            continue
        subject, possessive = words
        low = re.escape(name.lower())
        text = re.sub(rf"\b{low}'s (?={HAS_DONE}\b)", f"{subject} has ", text)
        text = re.sub(rf"\b{low}'s\b", possessive, text)
        text = re.sub(rf"\b{low}\b", subject, text)
    return text


@dataclass(frozen=True)
class Clause:
    text: str
    act: str
    actor: str | None  # who the clause says acts (or is told to act)
    target: str | None = None  # who else it speaks of: the one acted on or asked about


def _starts_with(text: str, phrases: tuple[str, ...]) -> str | None:
    return next((p for p in phrases if re.match(rf"{re.escape(p)}\b", text)), None)


def strip_openers(text: str, lexicon: Lexicon) -> str:
    """Drop words that start a clause without changing what it does ("so", "but",
    "and", "ok", "sara,")."""
    text = text.strip(" ,;:-")
    while True:
        opener = _starts_with(text, lexicon.openers)
        if not opener:
            return text
        text = text[len(opener) :].strip(" ,;:-")


def mentions(text: str, lexicon: Lexicon) -> list[str]:
    """The roles the clause speaks of, in the order it first names them."""
    found: dict[str, int] = {}
    for role, words in lexicon.roles.items():
        for word in words:
            at = re.search(rf"\b{re.escape(word)}\b", text)
            if at and at.start() < found.get(role, len(text) + 1):
                found[role] = at.start()
    return sorted(found, key=found.get)


def plan_action(clause: str, lexicon: Lexicon) -> bool:
    """A case-plan action: "Stacey to end the relationship", "Mum to attend ..."."""
    words = [w for group in lexicon.roles.values() for w in group]
    # "Stacey to be offered support" is an action for someone else.
    return any(
        re.match(rf"{re.escape(w)} to (?!be\b|receive\b|have\b|get\b)[a-z]+", clause) for w in words
    )


# "Can I ask why you ...", "I'd like to understand why you ...": a why-question too.
EMBEDDED_WHY = re.compile(r"\b(?:ask|wonder|know|understand|tell me) why (?:you|she)\b")


def speech_act(clause: str, sentence_is_question: bool, lexicon: Lexicon) -> str:
    first = clause.split(" ", 1)[0] if clause else ""
    if CONDITION_WORDS.match(clause):
        return CONDITION
    if EMBEDDED_WHY.search(clause):
        return WHY
    if sentence_is_question:
        if first == "why":
            return WHY
        if _starts_with(clause, lexicon.open_starts):
            return OPEN
        if first in AUXILIARIES:
            return CLOSED
        return ""  # decided by the sentence: see read()
    words = clause.split()
    if first == "why" and len(words) > 1 and words[1] in AUXILIARIES:
        return WHY  # a question typed without its question mark
    if _starts_with(clause, lexicon.instruction_starts) or plan_action(clause, lexicon):
        return INSTRUCTION
    if _starts_with(clause, lexicon.open_starts) and first in ("tell", "talk", "help"):
        return OPEN
    return STATEMENT


def read_sentence(sentence: str, clauses: list[str], lexicon: Lexicon) -> list[Clause]:
    """Each clause with its speech act and actor. In a question, clauses that are not
    themselves a question are statements ("You're not protecting them, so what
    ...?"); when no clause starts as a question, the last one is a closed question
    ("..., didn't it?", "Maybe try being firmer?")."""
    is_question = sentence.rstrip().endswith("?")
    stripped = [strip_openers(c, lexicon) for c in clauses]
    acts = [speech_act(c, is_question, lexicon) for c in stripped]
    if is_question:
        if not any(a in (WHY, OPEN, CLOSED) for a in acts):
            acts[-1] = CLOSED
        acts = [a or STATEMENT for a in acts]
    read = []
    for text, act in zip(stripped, acts, strict=True):
        roles = mentions(text, lexicon)
        who = roles[0] if roles else None
        if act == INSTRUCTION and who in (None, "worker"):
            who = "survivor"  # an order with no subject is addressed to her
        others = [role for role in roles if role not in (who, "worker")]
        read.append(Clause(text, act, who, others[0] if others else None))
    return read
