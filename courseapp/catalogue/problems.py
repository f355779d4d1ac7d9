"""Problems found in content files, each with the file, line and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from courseapp.config import PROJECT_ROOT


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        try:
            name = self.path.relative_to(PROJECT_ROOT)
        except ValueError:
            name = self.path
        where = f"{name}:{self.line}" if self.line else str(name)
        return f"{where}: {self.message}"


class ContentError(Exception):
    """The content cannot be used. str() lists every problem, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
