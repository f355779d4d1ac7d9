"""What a benchmark reports: named figures with their units and goals, printed as a
table and written to results.json with the machine and the versions used."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

PACKAGES = ("flask", "sqlalchemy", "jinja2", "werkzeug", "gunicorn", "psycopg", "argon2-cffi")


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | int | None
    unit: str
    goal: str | None = None  # in words, e.g. ">= 0.5"
    met: bool | None = None  # None: no goal, or could not be measured
    note: str = ""
    before: float | int | None = None  # the same figure for the older code (--before-ref)
    before_met: bool | None = None


def beside(figures: list[Figure], before: list[Figure]) -> list[Figure]:
    """Each figure with the older code's figure of the same name from the same run."""
    older = {figure.name: figure for figure in before}
    return [
        replace(figure, before=older[figure.name].value, before_met=older[figure.name].met)
        if figure.name in older
        else figure
        for figure in figures
    ]


def goal_at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def goal_at_most(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound


def _command_version(*command: str) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def machine(postgres_version: str | None = None) -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "load_average_at_end": [round(n, 2) for n in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
        "wrk": _command_version("wrk", "--version"),
        "packages": {name: version(name) for name in PACKAGES},
    }


def write(path: Path, figures: list[Figure], machine_info: dict, settings: dict) -> None:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info,
        "settings": settings,
        "figures": [asdict(figure) for figure in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def _shown(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}"


def table(figures: list[Figure], *, with_before: bool = False) -> str:
    header = ("figure", "value", "unit", "goal", "met")
    rows = [header + (("before", "met before") if with_before else ())]
    marks = {True: "yes", False: "NO", None: ""}
    for f in figures:
        row = (f.name, _shown(f.value), f.unit, f.goal or "", marks[f.met])
        if with_before:
            row += (_shown(f.before), marks[f.before_met])
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
