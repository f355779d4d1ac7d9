"""The database side of a request: one commit point, which requests may write (and no
transaction on PostgreSQL for those that only read), pooled connections checked after
waiting, SQLite's lock choice and pragmas, upserts, unique-constraint clashes turned
into domain errors, and, after an erasure, an emptied write-ahead log."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from courseapp.errors import database_unavailable
from courseapp.extensions import db

T = TypeVar("T")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values for a page the person opened themselves: a link or form on
# this site, or an address typed, bookmarked or opened from another app.
DIRECT_NAVIGATION = frozenset({"same-origin", "none"})


def init_app(app: Flask) -> None:
    """Register after every other after_request function, so that it runs first: the
    request's one commit, or a rollback for an error response (a request that only
    reads has nothing to commit, and just ends its session). Later database reads
    (the security headers ask who is signed in) then begin a read transaction."""
    with app.app_context():
        engine = db.engine
    configure_sqlite(app, engine)
    ping_if_idle(app, engine)
    app.url_map.converters["int"] = IdConverter

    def note_reading() -> None:
        if reads_only():
            db.session.info[READS_ONLY] = True

    # First of the before_request functions, so that no statement comes before it.
    app.before_request_funcs.setdefault(None, []).insert(0, note_reading)

    @app.after_request
    def end_transaction(response: Response) -> Response:
        g.request_committed = True
        if response.status_code >= 400:
            db.session.rollback()
            return response
        if db.session.info.get(READS_ONLY):
            db.session.close()  # nothing to commit: a request that only reads cannot write
            return response
        try:
            db.session.commit()
        except OperationalError as error:
            return app.make_response(database_unavailable(error))
        return response


# The largest id: the tables' ids are Integer columns, 32-bit in PostgreSQL (SQLite's
# are 64-bit, and never get this far).
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: an id, so anything past what an id column holds is not
    found (404), instead of an error from the database or its driver."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def writes_on_get(view: Callable) -> Callable:
    """Declare that a GET of this view may write (recording progress, an audit entry).
    On SQLite it then begins its transaction IMMEDIATE, taking the write lock up front,
    so the write cannot fail for a read lock gone stale; see may_write for which GETs
    do write."""
    view.writes_on_get = True
    return view


def locks_before_writing(view: Callable) -> Callable:
    """Declare that a GET of this view may write (writes_on_get) but mostly writes
    nothing, and calls lock_for_writing before it does. On SQLite it then begins its
    transaction deferred, like a page that only reads, so that the many views that find
    nothing to write never queue for the write lock. A write before lock_for_writing is
    refused (WriteInReadingRequest), on either database."""
    view.locks_before_writing = True
    return writes_on_get(view)


def _view_flag(name: str) -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, name, False))


def _declared_writer() -> bool:
    return _view_flag("writes_on_get")


def _reads_before_locking() -> bool:
    """A GET of a view declared with locks_before_writing that has not locked yet."""
    return (
        has_request_context()
        and request.method in READ_ONLY_METHODS
        and not g.get(WRITE_LOCKED)
        and _view_flag("locks_before_writing")
    )


def lock_for_writing() -> bool:
    """Before a view declared with locks_before_writing writes: on SQLite, end the
    deferred transaction it read in (it wrote nothing) and begin one that holds the
    write lock (BEGIN IMMEDIATE, waiting up to busy_timeout), so the write cannot fail
    for a read lock gone stale. Returns whether it began again: what the reads before
    it found may then have changed, so read again whatever the writes depend on. On
    PostgreSQL, whose transactions lock rows as they write, it only allows the writes."""
    setattr(g, WRITE_LOCKED, True)
    if db.session.get_bind().dialect.name != "sqlite":
        return False
    connection = db.session.connection()  # begins IMMEDIATE if nothing has begun
    if not connection.info.pop(BEGAN_DEFERRED, False):
        return False
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


def reads_only() -> bool:
    """Whether this request only reads: a GET, HEAD or OPTIONS whose view is not
    declared with writes_on_get."""
    return request.method in READ_ONLY_METHODS and not _declared_writer()


def read_once(key: tuple, read: Callable[[], T]) -> T:
    """`read()`, made once and kept for the rest of a request that only reads (which
    cannot write, so it cannot change what it read); made afresh anywhere else."""
    if not (has_request_context() and db.session.info.get(READS_ONLY)):
        return read()
    kept = g.setdefault("reads_kept", {})
    if key not in kept:
        kept[key] = read()
    return kept[key]


# session.info keys: the session belongs to a request that only reads; its connection
# runs in autocommit.
READS_ONLY, AUTOCOMMIT = "reads_only", "autocommit"
# g: lock_for_writing was called. A SQLite connection's info: its transaction began
# deferred.
WRITE_LOCKED, BEGAN_DEFERRED = "write_locked", "began_deferred"


class WriteInReadingRequest(RuntimeError):
    """A request that only reads tried to write: its view must be declared with
    writes_on_get (and its writes guarded by may_write)."""


@event.listens_for(Session, "do_orm_execute")
def _reading_request(state) -> None:
    """In a request that only reads: refuse a write; and on PostgreSQL, run the
    statements in autocommit. At READ COMMITTED each statement sees what was committed
    when it began, in a transaction or not, so a page that only reads needs none, and
    saves the round trips of BEGIN and COMMIT. The connection is taken at the first
    statement, so a page that reads nothing needs no database."""
    session = state.session
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and _reads_before_locking():
        raise WriteInReadingRequest(f"{request.path} wrote before lock_for_writing")
    if not session.info.get(READS_ONLY):
        return
    if writes:
        raise WriteInReadingRequest(f"{request.method} {request.path} wrote with {state.statement}")
    if session.get_bind().dialect.name == "postgresql" and not session.info.get(AUTOCOMMIT):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        session.info[AUTOCOMMIT] = True


@event.listens_for(Session, "before_flush")
def _refuse_write_flush(session: Session, _context, _instances) -> None:
    unlocked = _reads_before_locking()
    if not session.info.get(READS_ONLY) and not unlocked:
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        if unlocked:
            raise WriteInReadingRequest(f"{request.path} wrote before lock_for_writing")
        raise WriteInReadingRequest(f"{request.method} {request.path} changed objects")


def may_write() -> bool:
    """Whether this request may write what a page records as it is read. Any POST; a GET
    only if its view is declared with writes_on_get and the person opened the page
    themselves, not through another site's link or form (Sec-Fetch-Site). Browsers too
    old to send the header are treated as direct."""
    if not has_request_context() or request.method not in READ_ONLY_METHODS:
        return True
    site = request.headers.get("Sec-Fetch-Site", "none")
    return _declared_writer() and site in DIRECT_NAVIGATION


def ping_if_idle(app: Flask, engine: Engine) -> None:
    """Check a pooled connection with a round trip before it is used, if it has been
    idle for DATABASE_PING_AFTER_IDLE_SECONDS or more; a dead one is replaced (the pool
    tries another). This is SQLAlchemy's pre-ping for connections that have waited in
    the pool, where a database restart or a dropped network connection leaves them
    dead. A busy site takes a connection back within milliseconds of returning it,
    and would otherwise spend a round trip of every request on the check; one lost in
    that moment fails its request (a 503), and the pool is then renewed."""
    after = float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < after:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error
            raise


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """Make SQLite safe for several threads and processes writing at once.

    pysqlite's own transaction handling is switched off so that we emit BEGIN
    ourselves: BEGIN IMMEDIATE takes the write lock up front, so a second writer
    waits (up to busy_timeout) instead of failing later with "database is
    locked" when it tries to upgrade a read lock. Requests that only read (GET,
    HEAD, unless the view is declared with writes_on_get) begin deferred so that
    readers never queue behind each other; so do GETs of views declared with
    locks_before_writing, until they call lock_for_writing.
    """
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
        deferred = has_request_context() and (
            g.get("request_committed") or reads_only() or _reads_before_locking()
        )
        connection.info[BEGAN_DEFERRED] = deferred
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


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


def upsert(model, rows: list[dict] | dict, keys: list[str], changes: dict | None = None) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, on SQLite or PostgreSQL. Two requests
    writing the same row at once both succeed, and one row results. `changes` may
    use "excluded.<column>" strings for the value being inserted. The rows are passed
    as parameters, not written into the statement, so that its compiled form is kept
    and used again (a statement with its values in it is compiled on every call)."""
    db.session.execute(_upsert_into(model, keys, changes), rows)


def upsert_statement(model, rows: list[dict] | dict, keys: list[str], changes: dict | None = None):
    return _upsert_into(model, keys, changes).values(rows)


_UPSERTS: dict[tuple, object] = {}  # statements built once: their cache keys are kept with them


def _upsert_into(model, keys: list[str], changes: dict | None):
    """The statement for these keys and changes. One whose changes all take the value
    being inserted ("excluded.<column>") is built once per process and used again
    (statements are immutable); one with values in it is built afresh. It inserts into
    the model's table, not through the ORM: its bulk insert did nothing these rows need
    (they are plain column values) and cost a tenth of an answer save."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    fixed = all(str(value).startswith("excluded.") for value in (changes or {}).values())
    key = (model, dialect.__name__, tuple(keys), tuple((changes or {}).items()))
    if fixed and key in _UPSERTS:
        return _UPSERTS[key]
    statement = dialect.insert(model.__table__)
    updates = {
        column: getattr(statement.excluded, value.removeprefix("excluded."))
        if isinstance(value, str) and value.startswith("excluded.")
        else value
        for column, value in (changes or {}).items()
    }
    statement = statement.on_conflict_do_update(index_elements=keys, set_=updates)
    if fixed:
        _UPSERTS[key] = statement
    return statement


def _unique_violation(error: IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)  # PostgreSQL (psycopg)
    return code == "23505" or "UNIQUE constraint failed" in str(error.orig)


@contextmanager
def unique_or(clash: Exception) -> Iterator[None]:
    """Write what the block adds, flushed in a savepoint; if a unique constraint refuses
    it (someone, often the same person pressing twice, saved it a moment earlier), undo
    just the block and raise `clash`, the domain error a page shows as a message.

    Services check for an existing row first, for the message; this is what makes the
    check hold when two requests pass it at the same moment."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        raise clash from error
