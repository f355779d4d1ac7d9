"""Reading an enrolment CSV file: its rows as dicts of the known columns, each with its
row number as a spreadsheet shows it, or an ImportFileError whose message is for the
upload form when the file as a whole cannot be used (not a CSV file, not UTF-8, too
large, no learners, unknown or missing column names). Checking the rows against the
cohort and its organisation is imports.py's."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import IO, Any

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
COLUMNS = ("name", "email", "team", "job_role")
REQUIRED_COLUMNS = ("name", "email")

NOT_CSV = (
    "The selected file must be a CSV file. In a spreadsheet, choose Save as and "
    "'CSV UTF-8 (Comma delimited)'"
)
NOT_UTF8 = (
    "The selected file is not saved as UTF-8, so some letters in it cannot be read. In "
    "Excel, choose Save as and 'CSV UTF-8 (Comma delimited)', then upload the new file"
)
TOO_LARGE = "The selected file must be smaller than 1 MB"
COLUMNS_HINT = "The first row must be the column names: name, email, team, job_role"


class ImportFileError(Exception):
    """The file as a whole cannot be used, or (imports.py) the import cannot go ahead; the
    message is for the upload form."""


def _column(heading: str) -> str:
    return heading.strip().lower().replace(" ", "_").replace("-", "_")


def read_csv(filename: str, stream: IO[bytes]) -> list[dict[str, Any]]:
    """The file's rows as dicts of the four columns (blank where a column is missing),
    each with its row number as a spreadsheet shows it. Blank lines are skipped."""
    if not filename.lower().endswith(".csv"):
        raise ImportFileError(NOT_CSV)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(TOO_LARGE)
    if b"\x00" in data:  # a spreadsheet, a UTF-16 text file or another binary file
        raise ImportFileError(NOT_CSV)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(NOT_UTF8) from error
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        records = [
            (number, [cell.strip() for cell in cells])
            for number, cells in enumerate(reader, start=1)
        ]
    except csv.Error as error:
        raise ImportFileError(
            f"The selected file could not be read as a CSV file: {error}"
        ) from None
    records = [(number, cells) for number, cells in records if any(cells)]
    if not records:
        raise ImportFileError("The selected file is empty")
    header = [_column(cell) for cell in records[0][1]]
    _check_header(header)
    rows = [_row(number, header, cells) for number, cells in records[1:]]
    if not rows:
        raise ImportFileError("The selected file has no learners in it, only the column names")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The selected file must have no more than {MAX_ROWS:,} learners")
    return rows


def _separator(text: str) -> str:
    """A comma, or a semicolon if the column names are plainly separated by semicolons,
    as Excel saves a CSV file where the comma is the decimal mark."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    names = {_column(cell) for cell in first.split(";")}
    return ";" if "," not in first and set(REQUIRED_COLUMNS) <= names else ","


def _check_header(header: list[str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column and column not in COLUMNS]
    repeated = [column for column, n in Counter(header).items() if column and n > 1]
    if missing or unknown or repeated:
        raise ImportFileError(COLUMNS_HINT)


def _row(number: int, header: list[str], cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"row": number, **dict.fromkeys(COLUMNS, "")}
    for column, cell in zip(header, cells, strict=False):
        if column:
            row[column] = cell
    # More cells than columns: usually an unquoted comma, as in "Smith, Jo".
    row["extra_cells"] = any(cells[len(header) :])
    return row
