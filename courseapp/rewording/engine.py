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
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The text lower-cased, with straight quotes, single spaces and the numbers and text
    speak of a word read as the word. Kept, as a pure function of the text: the course's
    own texts are normalised for every text judged."""
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
# A text is also a copy when, read in order, it is one of the examples, the case or
# one of their sentences with at most about one word in seven changed, left out or
# added (COPY_SHARE both ways): a hint with a name added, the case's sentence turned
# into a question, an example answer with a few words swapped. Who is named does not
# count (the case's people and the pronouns are one word to this comparison: "you" is
# "Sara", "he" is "Liam"), nor does the form of a word ("punch", "punched").
# Genuine versions share phrases with the examples ("what happened when he came
# round"); they do not keep one's whole run of words.
# A sentence of a source counts only if it is longer than a common phrase ("Thank you
# for telling me.").
COPY_SHARE, MIN_COPY_WORDS, MIN_COPY_SENTENCE = 0.85, 4, 6
# A learner's own version of another exercise (`reuses-own`): looser than a copy, as a
# template is reused with some words changed. Of the constructive versions in the tuning
# sets, each compared with every constructive version of another exercise in its set (as
# one learner's), the closest pair holds 0.55 of each other's words, and none has even
# half its words in sentences as near as 0.7 to the others'.
REUSE_SHARE = 0.7
# Words of a case pasted into a version (`reuses-own`): runs of at least CASE_RUN words
# that stand in the same order somewhere in its case. They are not the learner's own
# words, so they neither count for nor hide a reused template (an outside check put
# forty words of each case around one template, and three exercises in ten praised it).
CASE_RUN = 4
CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]*")
PRONOUNS = frozenset(
    ["i", "me", "my", "we", "us", "our", "you", "your", "yours", "she", "her", "hers",
     "he", "him", "his", "they", "them", "their"]
)  # fmt: skip


def _stem(word: str) -> str:
    """A word's first five letters, less a plural or possessive: "drinking" and "drink",
    "doors" and "door" are one."""
    word = word.split("'")[0]
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word[:5]


def case_words(rules: Rules, case: str, prompt: str, answers: tuple[str, ...],
               people: dict[str, str]) -> frozenset[str]:  # fmt: skip
    """What this case speaks of that a rewording of it could name (as stems): the words
    of the case, the statement and the example answers, less the words a rewording of
    any case may use (function words, the model's terms, generic_words) and less the
    people's names: a name can be put into any text."""
    common = _common(rules)
    names = {_stem(name.lower()) for name in people}
    found = {_stem(w) for w in words(normalise(" ".join((case, prompt, *answers))))}
    return frozenset(found - common - names)


def _common(rules: Rules) -> frozenset[str]:
    return _stems(rules.function_words | rules.model_terms | rules.generic_words)


@lru_cache(maxsize=8)
def _stems(found: frozenset[str]) -> frozenset[str]:
    return frozenset(map(_stem, found))


def about_this_case(rules: Rules, text: str, case: str, prompt: str,
                    answers: tuple[str, ...], people: dict[str, str]) -> bool:  # fmt: skip
    """The text names something of its own case (what happened, where, what she has
    done), or it names the case's people and says something of its own about them.
    Names with nothing but generic words ("Sara, what happened with Liam, and what would
    help now?") could be pasted into any exercise with its names put in."""
    found = {_stem(w) for w in words(normalise(text))}
    if found & case_words(rules, case, prompt, answers, people):
        return True
    names = {_stem(name.lower()) for name in people}
    # Its own words: not the names, and not another name (written with a capital).
    capitalised = {_stem(word.lower()) for word in CAPITALISED.findall(text)}
    return bool(found & names) and bool(found - names - capitalised - _common(rules))


def _copy_words(text: str, names: frozenset[str]) -> list[str]:
    """The text's words as a copy is compared: stems, with every person one word."""
    return ["@" if base in names or base in PRONOUNS else stem for base, stem in _bases(text)]


@lru_cache(maxsize=8192)
def _bases(text: str) -> tuple[tuple[str, str], ...]:
    """Each of the text's words (contractions expanded) as (the word less any "'s" or
    "'d", its stem). One text is compared as a copy with each exercise's sources and
    each other learner's: kept, as a pure function of the text."""
    return tuple((word.split("'")[0], _stem(word)) for word in words(expand_contractions(text)))


def _names(people: Iterable[str]) -> frozenset[str]:
    """A case's names as _copy_words is given them."""
    return frozenset(name.lower() for name in people)


@lru_cache(maxsize=4096)
def _copy_units(case: str, answers: tuple[str, ...], hints: tuple[str, ...],
                names: frozenset[str]) -> tuple[tuple[str, ...], ...]:  # fmt: skip
    """What _copies compares a text with, as _copy_words reads them: the case, the
    answers and the hints, and their sentences. Worked out once for each exercise (and
    each other exercise's answers with its people): they are the course's own texts."""
    sources = [source for source in (case, *answers) if source]
    hint_sentences = [sentence for hint in hints for sentence in _sentences(hint)]
    other_sentences = [sentence for source in sources for sentence in _sentences(source)]

    def compared(texts: list[str], at_least: int) -> list[tuple[str, ...]]:
        units = (tuple(_copy_words(t, names)) for t in texts)
        return [unit for unit in units if len(unit) >= at_least]

    return (
        *compared([*sources, *hint_sentences], MIN_COPY_WORDS),
        *compared(other_sentences, MIN_COPY_SENTENCE),
    )


def _close(text: Sequence[str], source: Sequence[str], share: float = COPY_SHARE) -> bool:
    """Read in order, the text is the source with at most about one word in seven
    changed: each holds `share` of the other's words. (The words they share, in any
    order, are as many as the words they share in order at most: most pairs are told
    apart by counting.)"""
    needed = share * max(len(text), len(source))
    if min(len(text), len(source)) < needed:
        return False
    if sum((Counter(text) & Counter(source)).values()) < needed:
        return False
    matcher = SequenceMatcher(None, text, source, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) >= needed


def _reuses_own(raw: str, own: tuple[tuple[str, dict[str, str], str], ...],
                people: dict[str, str], case: str = "") -> bool:  # fmt: skip
    """The text is, read in order, one of the learner's `own` earlier texts (each with
    its people and its case) with at most about three words in ten changed
    (REUSE_SHARE; every person one word); or most of it (REUSE_SHARE of its words) is
    sentences of their earlier texts, each so changed, in any order (a template's
    sentences shuffled, or two templates mixed). Words pasted from a text's own case are
    left out of it first (CASE_RUN). A sentence counts only if it is longer than a
    common phrase: a learner may well say "thank you for telling me" in every
    exercise."""
    everyone = {**people, **{name: role for _, theirs, _ in own for name, role in theirs.items()}}
    names = _names(everyone)

    def own_words(written: str, its_case: str) -> list[list[str]]:
        """The text's sentences as compared, less the runs of words of its case."""
        sentences = [_copy_words(sentence, names) for sentence in _sentences(written)]
        return _without_case(sentences, _copy_words(its_case, names))

    parts = own_words(raw, normalise(case))
    text = [word for part in parts for word in part]
    earlier = [own_words(normalise(written), normalise(its_case)) for written, _, its_case in own]
    if text and any(
        _close(text, [word for part in other for word in part], REUSE_SHARE) for other in earlier
    ):
        return True
    pool = [unit for other in earlier for unit in other if len(unit) >= MIN_COPY_SENTENCE]
    reused = sum(
        len(part)
        for part in parts
        if len(part) >= MIN_COPY_SENTENCE and any(_close(part, unit, REUSE_SHARE) for unit in pool)
    )
    return bool(pool) and bool(text) and reused >= REUSE_SHARE * len(text)


# Another learner's words. A version of at least SHARED_MIN_WORDS words that is, word
# for word (the forms of words, names, pronouns, case and punctuation aside), a version
# another learner sent for the same exercise before needs work (`shared-text`): two
# people writing on their own do not write the same twenty words; a shared crib sheet
# does. One that is such a version with a few words changed (COPY_SHARE both ways) goes
# to a coordinator (`close-to-shared`): a crib sheet with a word or two changed reads
# so, and so, now and then, do two records of one case's facts written on their own
# (the labelled sets hold such pairs by different authors).
SHARED_MIN_WORDS = 20
# The versions that might be close to a new one are found by an index of their marks:
# for each of SHARED_MARKS salts, the least hash of the text's runs of SHINGLE words
# (min-hashing). Texts of which a share s of the runs are alike have one mark in common
# with chance 1 - (1 - s) ** SHARED_MARKS: for a forty-word text with two words changed
# (s about 0.75), all but certain.
SHARED_MARKS, SHINGLE = 8, 3


def marks(text: str, people: dict[str, str]) -> list[int]:
    """The text's marks as an index keeps them (non-negative 63-bit numbers), or none
    for a text too short to tell (SHARED_MIN_WORDS)."""
    found = _copy_words(normalise(text), _names(people))
    if len(found) < SHARED_MIN_WORDS:
        return []
    runs = {" ".join(found[at : at + SHINGLE]).encode() for at in range(len(found) - SHINGLE + 1)}
    return sorted({_least_hash(runs, salt) for salt in range(SHARED_MARKS)})


def _least_hash(runs: set[bytes], salt: int) -> int:
    """The least of the runs' 63-bit hashes with this salt."""
    salted = bytes([salt])
    return min(
        int.from_bytes(hashlib.blake2b(run, digest_size=8, salt=salted).digest()) >> 1
        for run in runs
    )


def shared(text: str, others: tuple[str, ...], people: dict[str, str]) -> str | None:
    """`shared-text`, `close-to-shared` or None: the text against other learners'
    earlier versions of its exercise."""
    names = _names(people)
    mine = _copy_words(normalise(text), names)
    if len(mine) < SHARED_MIN_WORDS:
        return None
    theirs = [_copy_words(normalise(other), names) for other in others]
    if mine in theirs:
        return "shared-text"
    return "close-to-shared" if any(_close(mine, other) for other in theirs) else None


def _without_case(sentences: list[list[str]], case: list[str]) -> list[list[str]]:
    """Each sentence less its words in runs of CASE_RUN or more that stand, in that
    order, anywhere in the case (runs may cross from one sentence to the next)."""
    runs = {tuple(case[at : at + CASE_RUN]) for at in range(len(case) - CASE_RUN + 1)}
    flat = [word for sentence in sentences for word in sentence]
    pasted = set()
    for at in range(len(flat) - CASE_RUN + 1):
        if tuple(flat[at : at + CASE_RUN]) in runs:
            pasted.update(range(at, at + CASE_RUN))
    kept, at = [], 0
    for sentence in sentences:
        kept.append([word for place, word in enumerate(sentence, at) if place not in pasted])
        at += len(sentence)
    return kept


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.findall(text) if words(s)]


def _copies(raw: str, case: str, answers: tuple[str, ...], hints: tuple[str, ...],
            people: dict[str, str]) -> bool:  # fmt: skip
    """The case pasted back, or an example answer or the hints with hardly a word
    changed; or the text is, in order, one of them or one of their sentences with hardly
    a word changed, or is made of such sentences. Any sentence of a hint counts (the
    hints speak to the learner: nobody would say one to her); a sentence of the case or
    of an answer counts if it is longer than a common phrase."""
    hints = tuple(map(normalise, hints))
    answers = (*map(normalise, answers), *hints, " ".join(hints))
    case = normalise(case)
    if (case and overlap(case, raw) >= CASE_SHARE) or any(
        overlap(raw, answer) >= ANSWER_SHARE and overlap(answer, raw) >= ANSWER_SHARE
        for answer in answers
    ):
        return True
    names = _names(people)
    units = _copy_units(case, answers, hints, names)
    text = _copy_words(raw, names)
    if any(_close(text, unit) for unit in units):
        return True
    parts = [_copy_words(sentence, names) for sentence in _sentences(raw)]
    copied = sum(len(part) for part in parts if any(_close(part, unit) for unit in units))
    return len(parts) > 1 and copied >= COPY_SHARE * len(text)


# Written out: a text is not something anyone would say to her or record when most of
# it is one- or two-word "sentences" (at least FRAGMENTS of them); when fewer than
# BINDING_SHARE of its words (names aside) bind words into sentences (the function
# words, less the question words a list is made of, and verbs in the past); or when at
# least UNKNOWN_SHARE of its content words (and MIN_UNKNOWN of them) are words the course
# never uses (another language, nonsense). Keywords, names and question words strung
# together ("Sara, Liam, what how tell me safe") have hardly a word that binds them.
FRAGMENTS, BINDING_SHARE, UNKNOWN_SHARE, MIN_UNKNOWN = 3, 0.1, 0.5, 3
ODD_UNKNOWN = 2  # odd_words
QUESTION_WORDS = frozenset(["what", "how", "why", "when", "where", "who", "which"])
LIST_WORDS = frozenset(["what", "how", "why", "tell", "me"])


def _unknown_share(rules: Rules, text: str, found: list[str]) -> tuple[int, int]:
    """How many of the content words the course never uses, of how many. A word the
    learner writes with a capital (a name, a place, a programme) and a number are not
    counted."""
    known = _stems(rules.vocabulary)
    words_known = rules.function_words | rules.vocabulary
    capitalised = {word.lower() for word in CAPITALISED.findall(text)}
    content = [
        word
        for word in found
        if word not in rules.function_words
        and word not in capitalised
        and not any(c.isdigit() for c in word)
    ]
    unknown = [
        word
        for word in content
        if _stem(word) not in known
        # "hes", "thats": a contraction typed without its apostrophe
        and not (word.endswith("s") and word[:-1] in words_known)
    ]
    return len(unknown), len(content)


def _binds(rules: Rules, word: str) -> bool:
    """A word that makes a sentence of the words around it: a function word (not one a
    list of question words is made of), or a verb in the past ("happened", "pushed")."""
    return (word in rules.function_words and word not in LIST_WORDS) or (
        len(word) > 4 and word.endswith("ed") and word not in rules.model_terms
    )


def _expanded(raw: str) -> str:
    # (Words in brackets count: expand_contractions drops them, for "Mia (4)".)
    return expand_contractions(re.sub(r"[()]", " ", raw))


def _found(expanded: str) -> list[str]:
    return [word.split("'")[0] for word in words(expanded)]


def not_written_out(rules: Rules, text: str, raw: str, people: dict[str, str]) -> bool:
    """Word salad and lists of keywords: not a question or statement written out as
    anyone would say it or record it, however many of the right words it holds."""
    expanded = _expanded(raw)
    found = _found(expanded)
    names = {name.lower() for name in people}
    sentences = [words(sentence) for sentence in _sentences(expanded)]
    fragments = [sentence for sentence in sentences if len(sentence) <= 2]
    if len(fragments) >= FRAGMENTS and 2 * sum(map(len, fragments)) >= len(found):
        return True
    # Question words strung together ("what how when") bind nothing either.
    run = {
        i
        for i, word in enumerate(found)
        if word in QUESTION_WORDS
        and QUESTION_WORDS & set(found[max(i - 1, 0) : i] + found[i + 1 : i + 2])
    }
    own = [word for word in found if word not in names]
    binding = [
        word
        for i, word in enumerate(found)
        if word not in names and i not in run and _binds(rules, word)
    ]
    if len(own) >= MIN_WORDS and len(binding) < BINDING_SHARE * len(own):
        return True
    if not rules.vocabulary:
        return False
    unknown, content = _unknown_share(rules, text, own)
    return unknown >= MIN_UNKNOWN and unknown >= UNKNOWN_SHARE * content


def odd_words(rules: Rules, text: str, raw: str, people: dict[str, str]) -> bool:
    """Fewer words the course never uses than not_written_out asks for, but still a
    third of the content words and at least ODD_UNKNOWN of them."""
    if not rules.vocabulary:
        return False
    names = {name.lower() for name in people}
    own = [word for word in _found(_expanded(raw)) if word not in names]
    unknown, content = _unknown_share(rules, text, own)
    return unknown >= ODD_UNKNOWN and 3 * unknown >= content


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
    earlier version (`shared_with`: those that might be, see SHARED_MIN_WORDS)."""
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
    if _copies(raw, case, model_answers, hints, people) or any(
        _copies(raw, "", answers, (), people | theirs) for answers, theirs in elsewhere
    ):
        return Assessment(NEEDS_WORK, (Finding(builtin["copies"].definition, raw),))
    if own_elsewhere and _reuses_own(raw, own_elsewhere, people, case):
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
