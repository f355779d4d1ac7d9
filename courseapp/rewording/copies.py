"""Texts that are not the learner's own version: a copy of the case, a hint or an
example answer (of this exercise or another), their own version of another exercise
with a few words changed, or another learner's version of this one."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from courseapp.rewording.reading import expand_contractions
from courseapp.rewording.text import normalise, overlap, sentences_of, stem, words

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
PRONOUNS = frozenset(
    ["i", "me", "my", "we", "us", "our", "you", "your", "yours", "she", "her", "hers",
     "he", "him", "his", "they", "them", "their"]
)  # fmt: skip


def _copy_words(text: str, names: frozenset[str]) -> list[str]:
    """The text's words as a copy is compared: stems, with every person one word."""
    return ["@" if base in names or base in PRONOUNS else stem for base, stem in _bases(text)]


@lru_cache(maxsize=8192)
def _bases(text: str) -> tuple[tuple[str, str], ...]:
    """Each of the text's words (contractions expanded) as (the word less any "'s" or
    "'d", its stem). One text is compared as a copy with each exercise's sources and
    each other learner's: kept, as a pure function of the text."""
    return tuple((word.split("'")[0], stem(word)) for word in words(expand_contractions(text)))


def _names(people: Iterable[str]) -> frozenset[str]:
    """A case's names as _copy_words is given them."""
    return frozenset(name.lower() for name in people)


@lru_cache(maxsize=4096)
def _copy_units(case: str, answers: tuple[str, ...], hints: tuple[str, ...],
                names: frozenset[str]) -> tuple[tuple[str, ...], ...]:  # fmt: skip
    """What copies compares a text with, as _copy_words reads them: the case, the
    answers and the hints, and their sentences. Worked out once for each exercise (and
    each other exercise's answers with its people): they are the course's own texts."""
    sources = [source for source in (case, *answers) if source]
    hint_sentences = [sentence for hint in hints for sentence in sentences_of(hint)]
    other_sentences = [sentence for source in sources for sentence in sentences_of(source)]

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


def reuses_own(raw: str, own: tuple[tuple[str, dict[str, str], str], ...],
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
        sentences = [_copy_words(sentence, names) for sentence in sentences_of(written)]
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


def copies(raw: str, case: str, answers: tuple[str, ...], hints: tuple[str, ...],
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
    parts = [_copy_words(sentence, names) for sentence in sentences_of(raw)]
    copied = sum(len(part) for part in parts if any(_close(part, unit) for unit in units))
    return len(parts) > 1 and copied >= COPY_SHARE * len(text)
