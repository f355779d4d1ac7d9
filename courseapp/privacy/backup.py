"""A consistent copy of the SQLite database, taken with SQLite's online backup API.

The copy is read in one step from a single read transaction; with WAL on, the app
keeps writing meanwhile and the copy shows the database as it was when it began.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from courseapp.extensions import db

USE_PG_DUMP = (
    "This database is PostgreSQL, which this command does not back up. Use PostgreSQL's "
    'own tool instead, for example: pg_dump --format=custom --file=courseapp.dump "$DATABASE_URL"'
)


class BackupError(Exception):
    """The backup cannot be made; the message says why."""


def backup_sqlite(destination: Path, force: bool = False) -> str:
    """Copy the database to destination and return the copy's integrity check ("ok")."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise BackupError(USE_PG_DUMP)
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("The database is held in memory, so there is no file to back up.")
    if destination.exists() and not force:
        raise BackupError(f"{destination} already exists. Add --force to replace it.")
    if destination.exists() and destination.resolve() == Path(source).resolve():
        raise BackupError("That is the database itself. Choose another file for the backup.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no folder {destination.parent}.")
    # Written beside the destination and then moved into place, so that a failed or
    # interrupted backup never leaves a half-written file under the chosen name.
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        result = _copy(engine, partial)
        if result != "ok":
            raise BackupError(f"The copy failed its integrity check: {result}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return result


def _copy(engine: sa.Engine, target: Path) -> str:
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)
            return copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        raw.close()
