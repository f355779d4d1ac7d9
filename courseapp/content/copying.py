"""The own-words check: no course sentence may copy or closely paraphrase a sentence
of the source documents.

Both sides are normalised (lower case, punctuation dropped, curly apostrophes made
straight). A course sentence is a close match to a source sentence when either

- they share a run of RUN_LENGTH (8) or more consecutive words, or
- at least SIMILARITY (60%) of the course sentence's consecutive word pairs appear in
  that one source sentence, for a course sentence of MIN_WORDS (8) words or more.
  Changing one word in a copied sentence breaks two word pairs, so a sentence with a
  word or two swapped still matches; a sentence written afresh from the same facts
  shares a few pairs ("the perpetrator's", "domestic abuse") but far fewer.

Phrases the course deliberately quotes and attributes (the destructive and
constructive statements of the practice note, names of studies and tools) are listed
in an allow-list file, one phrase a line; they are removed from a sentence before it
is compared.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from courseapp.content.prose import Sentence, split_sentences, words

RUN_LENGTH = 8
SIMILARITY = 0.6
MIN_WORDS = 8
HTML_TAG = re.compile(r"<[^>]+>")
BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7]|\d+(?:\.\d+)*[.)]?)\s+")


@dataclass(frozen=True)
class Match:
    sentence: Sentence
    source: str  # the source file's name
    source_sentence: str
    reason: str


def seed_sentences(seeds_dir: Path) -> list[tuple[str, str]]:
    """(file name, sentence) for every sentence of every source document."""
    found = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = HTML_TAG.sub("\n", path.read_text(encoding="utf-8"))
        for line in text.splitlines():
            line = BULLET.sub("", line.replace("\t", " ")).strip()
            found.extend((path.name, s) for s in split_sentences(line) if len(words(s)) >= 3)
    return found


def load_allowed(path: Path) -> list[list[str]]:
    """The allow-listed phrases, as word lists, longest first."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    phrases = [words(line) for line in lines if line.strip() and not line.startswith("#")]
    return sorted((p for p in phrases if p), key=len, reverse=True)


def _remove(sentence_words: list[str], phrases: list[list[str]]) -> list[list[str]]:
    """The sentence split into the stretches left once allowed phrases are cut out."""
    pieces = [sentence_words]
    for phrase in phrases:
        size = len(phrase)
        out = []
        for piece in pieces:
            start = 0
            for i in range(len(piece) - size + 1):
                if i >= start and piece[i : i + size] == phrase:
                    out.append(piece[start:i])
                    start = i + size
            out.append(piece[start:])
        pieces = [p for p in out if p]
    return pieces


class Sources:
    """The source sentences, indexed by their word runs and word pairs."""

    def __init__(self, seeds_dir: Path):
        self.sentences = seed_sentences(seeds_dir)
        self.runs: dict[tuple[str, ...], int] = {}
        self.pairs: dict[tuple[str, str], set[int]] = {}
        for index, (_, text) in enumerate(self.sentences):
            w = words(text)
            for i in range(len(w) - RUN_LENGTH + 1):
                self.runs.setdefault(tuple(w[i : i + RUN_LENGTH]), index)
            for pair in pairwise(w):
                self.pairs.setdefault(pair, set()).add(index)

    def match(self, sentence: Sentence, allowed: list[list[str]]) -> Match | None:
        for piece in _remove(sentence.words, allowed):
            for i in range(len(piece) - RUN_LENGTH + 1):
                index = self.runs.get(tuple(piece[i : i + RUN_LENGTH]))
                if index is not None:
                    run = " ".join(piece[i : i + RUN_LENGTH])
                    return self._match(sentence, index, f"shares the words '{run}'")
            if len(piece) < MIN_WORDS:
                continue
            pairs = list(pairwise(piece))
            hits: Counter[int] = Counter()
            for pair in set(pairs):
                for index in self.pairs.get(pair, ()):
                    hits[index] += pairs.count(pair)
            if hits:
                index, shared = hits.most_common(1)[0]
                if shared / len(pairs) >= SIMILARITY:
                    share = f"{shared / len(pairs):.0%}"
                    return self._match(sentence, index, f"{share} of its word pairs are in")
        return None

    def _match(self, sentence: Sentence, index: int, reason: str) -> Match:
        name, text = self.sentences[index]
        return Match(sentence, name, text, reason)


@cache
def sources(seeds_dir: Path) -> Sources:
    return Sources(seeds_dir)
