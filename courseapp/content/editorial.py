"""Editorial checks that `flask content check` runs on top of loading the course:
own words (no copying of the source documents), one name one person, a content note
on every module that describes violence, and a heading or caption for every table.

They read the files directly, so that they can be run on content that does not load,
and they never run at start-up (the source documents are not deployed with the app).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from courseapp.catalogue.problems import Problem
from courseapp.content import copying
from courseapp.content.cast import check_cast, course_files
from courseapp.content.prose import Sentence, body_lines, sentences

# Words that say a text describes a violent act. A module using one needs a content
# note before its first section; an exercise using one shows a note above its case.
VIOLENCE = re.compile(
    r"\b(strangl\w*|chok(e|ed|ing)|assault\w*|punch\w*|kick\w*|pushed|shov\w*|slap\w*|"
    r"stab(s|bed|bing)?|rape\w*|sexual abuse|sexually abus\w*|beat(en|ing)?|"
    r"hit(s|ting)? (her|him)|grabbed|threw|throw\w*)\b",
    re.I,
)
CONTENT_NOTE = re.compile(r'^!!! warning "Content note"\s*$')
SUPPORT_LINK = "(page:support)"
TABLE_CAPTION = re.compile(r"^Table: \S")
ALLOW_LIST = "own-words-allowed.txt"


def describes_violence(text: str) -> bool:
    return VIOLENCE.search(text) is not None


@dataclass(frozen=True)
class Folders:
    project: Path
    content: Path
    quizzes: Path
    seeds: Path


def module_paths(folders: Folders) -> list[Path]:
    return sorted((folders.content / "modules").glob("*.md"))


def glossary_sentences(path: Path) -> list[Sentence]:
    """The glossary's terms and definitions, read as prose."""
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if text.startswith("#") or text.startswith("- id:"):
            continue
        text = re.sub(r"^(term|definition):\s*(>-)?", "", text).strip()
        lines.append((number, text))
    return sentences(lines)


def prose_of(path: Path) -> list[Sentence]:
    return glossary_sentences(path) if path.suffix == ".yaml" else sentences(body_lines(path))


def check_own_words(folders: Folders) -> list[Problem]:
    sources = copying.sources(folders.seeds)
    allowed = copying.load_allowed(folders.content / ALLOW_LIST)
    problems = []
    for path in [*module_paths(folders), folders.content / "glossary.yaml"]:
        for sentence in prose_of(path):
            match = sources.match(sentence, allowed)
            if match:
                message = (
                    f"too close to the source document {match.source}: the sentence "
                    f"{match.reason} '{match.source_sentence[:120]}'. Write it in our own words"
                    f" (or, for a phrase the course quotes and attributes, list it in {ALLOW_LIST})"
                )
                problems.append(Problem(path, sentence.line, message))
    return problems


def check_content_notes(folders: Folders) -> list[Problem]:
    problems = []
    for path in module_paths(folders):
        lines = body_lines(path)
        first_section = next((n for n, text in lines if text.startswith("## ")), None)
        intro = [(n, text) for n, text in lines if first_section is None or n < first_section]
        violent = next((n for n, text in lines if describes_violence(text)), None)
        if violent is None:
            continue
        note = next((i for i, (_, text) in enumerate(intro) if CONTENT_NOTE.match(text)), None)
        body = [text for _, text in intro[note + 1 :]] if note is not None else []
        body = body[: next((i for i, t in enumerate(body) if t and not t.startswith(" ")), None)]
        if note is None or not any(SUPPORT_LINK in text for text in body):
            message = (
                f"line {violent} describes violence: put a content note before the first "
                f'section (!!! warning "Content note") that links to [support](page:support)'
            )
            problems.append(Problem(path, 1, message))
    return problems


def check_tables(folders: Folders) -> list[Problem]:
    """Every table needs a heading (### or ####) or a 'Table: ...' caption line right
    above it, so that screen readers can name it."""
    problems = []
    for path in [*module_paths(folders), folders.content / "support.md"]:
        previous = ""
        in_table = False
        for number, text in body_lines(path):
            stripped = text.strip()
            if stripped.startswith("|"):
                if not in_table and not (
                    re.match(r"^#{2,4} ", previous) or TABLE_CAPTION.match(previous)
                ):
                    message = "a table needs a heading or a 'Table: ...' caption line above it"
                    problems.append(Problem(path, number, message))
                in_table = True
            else:
                in_table = False
            if stripped:
                previous = stripped
    return problems


def check(folders: Folders) -> tuple[list[Problem], list[str]]:
    """(problems, notices). Without the source documents the own-words check is
    skipped, with a notice."""
    notices = []
    problems = check_content_notes(folders) + check_tables(folders)
    files = course_files(folders.project, folders.content, folders.quizzes)
    problems += check_cast(folders.content / "cast.yaml", files, folders.content.parent)
    if folders.seeds.is_dir():
        problems += check_own_words(folders)
    else:
        notices.append(
            f"Own-words check skipped: no source documents at {folders.seeds} (set SEEDS_DIR)."
        )
    return problems, notices
