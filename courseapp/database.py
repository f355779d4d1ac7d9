"""Engine set-up for SQLite: pragmas on every connection, immediate write transactions
and, after an erasure, an emptied write-ahead log."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from courseapp.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(app: Flask) -> None:
    """Make SQLite safe for several threads and processes writing at once.

    pysqlite's own transaction handling is switched off so that we emit BEGIN
    ourselves: BEGIN IMMEDIATE takes the write lock up front, so a second writer
    waits (up to busy_timeout) instead of failing later with "database is
    locked" when it tries to upgrade a read lock. Requests that only read (GET,
    HEAD) begin deferred so that readers never queue behind each other.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Deleted rows are overwritten with zeros, not left in free pages for anyone
        # reading the file: an erased learner must not linger in it.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        read_only = (
            has_request_context()
            and request.method in READ_ONLY_METHODS
            and not g.get("expects_writes")
        )
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def checkpoint_after_commit() -> None:
    """On SQLite, once this transaction commits, copy the write-ahead log into the
    database file and empty it: until then the log holds the old pages, and with them
    whatever was just deleted. Call before committing an erasure."""
    db.session.info["wal_checkpoint"] = True


@event.listens_for(Session, "after_commit")
def _checkpoint(session: Session) -> None:
    if not session.info.pop("wal_checkpoint", False):
        return
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()  # autocommit (see _on_connect): no BEGIN
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    finally:
        connection.close()


@event.listens_for(Session, "after_rollback")
def _forget_checkpoint(session: Session) -> None:
    session.info.pop("wal_checkpoint", None)


def expect_writes() -> None:
    """Call in a GET request before it writes (such as recording progress).

    The read transaction so far is ended, and the next one begins IMMEDIATE, so
    the write waits its turn rather than failing to upgrade a stale read lock.
    """
    g.expects_writes = True
    db.session.commit()


def upsert(model, rows: list[dict] | dict, keys: list[str], changes: dict | None = None) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, on SQLite or PostgreSQL. Two requests
    writing the same row at once both succeed, and one row results. `changes` may
    use "excluded.<column>" strings for the value being inserted."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(rows)
    updates = {
        column: getattr(statement.excluded, value.removeprefix("excluded."))
        if isinstance(value, str) and value.startswith("excluded.")
        else value
        for column, value in (changes or {}).items()
    }
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))
