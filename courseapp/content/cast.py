"""The fictional cast: every name in the course is one person.

`content/cast.yaml` lists each person once: their name, their one role and where the
name may appear (`everywhere` for the running families, or the files of the one
exercise or example they belong to); a person who no longer appears anywhere is
reported, so that the list stays the course's cast. It also lists the capitalised words that are not
fictional people (places, organisations, the authors of cited studies).

How a name is found: a capitalised word that somewhere in the course text stands in
the middle of a sentence (after a lower-case word or a comma), and whose lower-case
form never appears anywhere in the course text, is taken to be a name: ordinary words
also appear in lower case, and words that only ever open a sentence ("According")
are not names. "Leah", "Edinburgh" and "Mandel" are caught. Every such word must be
a listed person or a listed non-person, and a person's name may only
appear in the files their entry allows. So a name reused for someone else in another
module or exercise is reported, and has to be renamed or listed (once) with its role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from courseapp.catalogue.problems import Problem
from courseapp.catalogue.yamlfile import load_yaml

CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?=\b)(?!['\u2019][a-rt-z])")
MID_SENTENCE = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+\b")
LOWER = re.compile(r"\b[a-z]+\b")
EVERYWHERE = "everywhere"


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Z][a-z]+$")
    role: str = Field(min_length=3)
    where: str | list[str]


class CastFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    people: list[Person] = Field(min_length=1)
    not_people: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Use:
    path: Path
    line: int
    name: str


def course_files(project: Path, content_dir: Path, quizzes_dir: Path) -> list[Path]:
    """Every file a learner reads text from."""
    return sorted(
        [
            *(content_dir / "modules").glob("*.md"),
            content_dir / "glossary.yaml",
            *quizzes_dir.rglob("*.yaml"),
        ]
    )


def _relative(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def check_cast(cast_path: Path, files: list[Path], project: Path) -> list[Problem]:
    if not cast_path.exists():
        return [Problem(cast_path, None, "file is missing: it should list the fictional cast")]
    doc, problem = load_yaml(cast_path)
    if problem:
        return [problem]
    cast, problems = doc.validate(CastFile)
    if cast is None:
        return problems
    people: dict[str, Person] = {}
    for index, person in enumerate(cast.people):
        if person.name in people:
            line = doc.line_of(("people", index, "name"))
            message = f"{person.name!r} is listed twice: a name must be one person"
            problems.append(Problem(cast_path, line, message))
        people[person.name] = person
    not_people = set(cast.not_people)

    texts = {path: path.read_text(encoding="utf-8") for path in files if path.exists()}
    lower = {word for text in texts.values() for word in LOWER.findall(text)}
    mid = {word for text in texts.values() for word in MID_SENTENCE.findall(text)}
    used: set[str] = set()
    for path, text in texts.items():
        where = _relative(path, project)
        reported: set[str] = set()
        for number, line in enumerate(text.splitlines(), start=1):
            for name in CAPITALISED.findall(line):
                if name in reported:
                    continue
                person = people.get(name)
                if person is not None:
                    used.add(name)
                if person is None:
                    if name.lower() in lower or name not in mid or name in not_people:
                        continue
                    message = (
                        f"{name!r} looks like a name but is not in cast.yaml: list the person "
                        "with their one role (or, if it is not a person, under not_people)"
                    )
                elif not _allowed(person, where):
                    message = (
                        f"{name!r} is already one person in cast.yaml ({person.role}; "
                        f"{_places(person)}): using the name here makes a second person, "
                        "so choose another name"
                    )
                else:
                    continue
                reported.add(name)
                problems.append(Problem(path, number, message))
    for index, person in enumerate(cast.people):
        if person.name not in used:
            line = doc.line_of(("people", index, "name"))
            message = f"{person.name!r} appears nowhere in the course: remove the entry"
            problems.append(Problem(cast_path, line, message))
    return problems


def _allowed(person: Person, where: str) -> bool:
    if person.where == EVERYWHERE:
        return True
    patterns = [person.where] if isinstance(person.where, str) else person.where
    return any(fnmatch(where, pattern) for pattern in patterns)


def _places(person: Person) -> str:
    if isinstance(person.where, str):
        return person.where
    return ", ".join(person.where)
