"""The prose of a Markdown file, as the sentences a reader meets.

Used by the editorial checks (own words, readability, names): front matter, headings,
code, box titles, include lines and HTML comments are left out; link targets are
dropped and their text kept; each list item and each table cell is read as a unit of
its own, because a reader takes it in as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"[*_`]+")
COMMENT = re.compile(r"<!--.*?-->", re.S)
TAG = re.compile(r"<[^>]+>")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# A sentence ends at . ! or ? (with any closing quote or bracket) before a space
# and a capital, a quote or a digit.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s+(?=[\"'\u2018\u201c(]?[A-Z0-9])")
WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "p.m.", "a.m.", "vs.", "Dr.", "Mr.", "Mrs.", "Ms.")


@dataclass(frozen=True)
class Sentence:
    line: int
    text: str

    @property
    def words(self) -> list[str]:
        return words(self.text)


def words(text: str) -> list[str]:
    """The words of a text in lower case, with punctuation gone (curly apostrophes
    count as straight ones)."""
    return [w.lower().replace("\u2019", "'") for w in WORD.findall(text)]


def plain(text: str) -> str:
    """Inline Markdown to the text a reader sees."""
    return EMPHASIS.sub("", LINK.sub(r"\1", TAG.sub("", text))).strip()


def split_sentences(text: str) -> list[str]:
    protected = text
    for abbreviation in ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\0"))
    parts = SENTENCE_END.split(protected)
    return [part.replace("\0", ".").strip() for part in parts if part.strip()]


def _units(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Paragraphs, list items and table cells, each with the line it starts on."""
    units: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    fenced = False

    def flush() -> None:
        nonlocal current
        if current:
            units.append((start, " ".join(current)))
        current = []

    for number, raw in lines:
        text = raw.strip()
        if text.startswith("```"):
            fenced = not fenced
            flush()
            continue
        if fenced or not text or text.startswith(("#", "::include", "<!--")):
            flush()
            continue
        if text.startswith("!!!"):
            flush()  # a box title, not prose; its indented body follows
            continue
        if text.startswith("|"):
            flush()
            if not TABLE_RULE.match(text):
                cells = [cell.strip() for cell in text.strip("|").split("|")]
                units.extend((number, cell) for cell in cells if cell)
            continue
        if LIST_ITEM.match(raw.strip()):
            flush()
            start, current = number, [LIST_ITEM.sub("", text)]
            continue
        if not current:
            start = number
        current.append(text)
    flush()
    return units


def sentences(lines: list[tuple[int, str]]) -> list[Sentence]:
    """Every prose sentence of some Markdown lines (number, text), front matter removed."""
    found = []
    for number, unit in _units(lines):
        for sentence in split_sentences(plain(COMMENT.sub("", unit))):
            if words(sentence):
                found.append(Sentence(number, sentence))
    return found


def body_lines(path: Path) -> list[tuple[int, str]]:
    """A Markdown file's lines after its front matter, numbered from 1."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    return [(i + 1, line) for i, line in enumerate(lines) if i >= start]
