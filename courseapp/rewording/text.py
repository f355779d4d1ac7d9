"""A learner's text as the rewording coach reads its words: normalised (lower case,
straight quotes, text speak and digits in words read as the words), split into words
and sentences, and words cut to their stems."""

from __future__ import annotations

import re
from functools import lru_cache

# Fewer words than this are too short to be a version of anything.
MIN_WORDS = 5
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


WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")


def sentences_of(text: str) -> list[str]:
    return [s for s in SENTENCE.findall(text) if words(s)]


def stem(word: str) -> str:
    """A word's first five letters, less a plural or possessive: "drinking" and "drink",
    "doors" and "door" are one."""
    word = word.split("'")[0]
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word[:5]
