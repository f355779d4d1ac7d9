"""Plain-language measures for course text: Flesch reading ease and sentence length.

Flesch reading ease = 206.835 - 1.015 x (words per sentence) - 84.6 x (syllables per
word). Syllables are counted from the British English hyphenation dictionary that
pyphen ships (hyphenation points + 1, at least one per word), as the textstat package
does. 60 or more is plain English; the course aims for that in every module, with no
sentence over 30 words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from courseapp.content.prose import Sentence

MIN_READING_EASE = 60.0
MAX_SENTENCE_WORDS = 30


VOWEL_GROUP = re.compile(r"[aeiouy]+")
SOUNDED_APART = re.compile(r"(?<![ct])ia|eo|iu|ua|(?<![ts])io")


@cache
def syllables(word: str) -> int:
    word = word.lower().removesuffix("'s").strip("'")
    if not word or word.isdigit():
        return max(1, len(word) // 2)
    count = len(VOWEL_GROUP.findall(word)) + len(SOUNDED_APART.findall(word))
    silent = (
        (word.endswith("e") and not word.endswith(("le", "ee", "ye")))
        or (word.endswith("ed") and not word.endswith(("ted", "ded")))
        or (word.endswith("es") and word[-3:-2] not in set("scgzxh"))
    )
    return max(1, count - silent)


@dataclass(frozen=True)
class Readability:
    sentences: int
    words: int
    syllables: int
    long_sentences: tuple[Sentence, ...]

    @property
    def reading_ease(self) -> float:
        if not self.sentences or not self.words:
            return 0.0
        return (
            206.835 - 1.015 * (self.words / self.sentences) - 84.6 * (self.syllables / self.words)
        )

    @property
    def within_bounds(self) -> bool:
        return self.reading_ease >= MIN_READING_EASE and not self.long_sentences


def measure(found: list[Sentence]) -> Readability:
    word_lists = [sentence.words for sentence in found]
    return Readability(
        sentences=len(found),
        words=sum(len(w) for w in word_lists),
        syllables=sum(syllables(word) for w in word_lists for word in w),
        long_sentences=tuple(
            sentence
            for sentence, w in zip(found, word_lists, strict=True)
            if len(w) > MAX_SENTENCE_WORDS
        ),
    )
