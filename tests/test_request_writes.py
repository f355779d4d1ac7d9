"""Which requests write, and when: one commit at the end of a request, writes on GET
only where a view declares them (and only for pages the person opened themselves),
/exit ending the session as signing out does, and the pre-test lock on every page of
a module."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.catalogue import course
from courseapp.content import services as content
from courseapp.content.models import ModuleProgress, PartVisit
from courseapp.database import (
    lock_for_writing,
    locks_before_writing,
    read_once,
    writes_on_get,
)
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from courseapp.rewording import reviewing
from courseapp.rewording.models import Response, ReviewNote
from tests.conftest import app_with_schema, build_app, login, postgres_url, statements_sent

ROUTES = sorted((Path(__file__).parent.parent / "courseapp").glob("*/routes.py"))
WRITES_ON_GET = {"content.module", "content.part", "reports.learner", "reports.export",
                 "rewording.exercise", "site.exit_page", "sso.callback",
                 "evaluation.export"}  # fmt: skip


def test_routes_never_commit():
    """The request commits once at its end (database.init_app); routes only call services."""
    assert len(ROUTES) >= 10
    for path in ROUTES:
        assert "commit()" not in path.read_text(), path


def test_views_that_write_on_get_say_so(app):
    declared = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "writes_on_get", False)
    }
    assert declared == WRITES_ON_GET


# -- Module pages record progress only when opened from this site ----------------------


def _progress(user) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(ModuleProgress.module_id).where(
        ModuleProgress.user_id == user.id)))  # fmt: skip


@pytest.mark.parametrize(
    ("site", "recorded"),
    [
        ("cross-site", False),
        ("same-site", False),
        ("same-origin", True),
        ("none", True),
        (None, True),
    ],
)
def test_a_module_page_records_progress_only_for_direct_visits(
    any_db_app, make_learner, site, recorded
):
    learner = make_learner()
    client = any_db_app.test_client()
    login(client, learner)
    module = course().pathways["core"].modules[1]
    headers = {"Sec-Fetch-Site": site} if site else {}
    assert client.get(f"/modules/{module.id}", headers=headers).status_code == 200
    part = module.parts[0].slug
    assert client.get(f"/modules/{module.id}/{part}", headers=headers).status_code == 200
    assert _progress(learner) == ([module.id] if recorded else [])


def test_audited_report_pages_do_not_fail_when_another_writer_commits(
    app, make_user, make_learner, monkeypatch
):
    """A GET that writes an audit entry takes SQLite's write lock when it begins, as it
    declares: another writer committing while it reads cannot leave it unable to write
    (which was a 503). The other writer waits, or here gives up at once."""
    from courseapp.reports import routes

    coordinator = make_user(role=Role.ADMIN)
    learner_id = make_learner().id
    client = app.test_client()
    login(client, coordinator)
    database = db.engine.url.database
    record = routes.record

    def another_writer_first(*args, **kwargs):
        other = sqlite3.connect(database, timeout=0.1, isolation_level=None)
        try:
            other.execute("UPDATE users SET name = name || ? WHERE id = ?", (".", learner_id))
        except sqlite3.OperationalError:
            pass  # the request holds the write lock, as it declared
        finally:
            other.close()
        return record(*args, **kwargs)

    monkeypatch.setattr(routes, "record", another_writer_first)
    db.session.rollback()
    assert client.get(f"/reports/learners/{learner_id}").status_code == 200
    assert client.get("/reports/export/learners.csv").status_code == 200


@contextmanager
def _write_lock_held_elsewhere(release_after: float | None = None) -> Iterator[list[str]]:
    """Another connection holds SQLite's write lock, until the block ends or for
    `release_after` seconds; yields the statements the app sends meanwhile. The app's
    connections wait 5 s for the lock here, not 30, so that a wait shows quickly."""

    def wait_less(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 5000")

    sa.event.listen(db.engine, "connect", wait_less)
    db.session.remove()
    db.engine.dispose()
    other = sqlite3.connect(db.engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(release_after, other.execute, ["COMMIT"]) if release_after else None
    try:
        if release:
            release.start()
        with statements_sent() as statements:
            yield statements
    finally:
        if release:
            release.join()
        other.close()
        sa.event.remove(db.engine, "connect", wait_less)


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_a_module_page_read_again_takes_no_write_lock(app, make_learner):
    """A module page writes only the first time a learner opens it. Read again, it
    begins as a page that only reads, so it is served while another connection holds
    SQLite's write lock (before, every view of it took the lock, and module pages were
    read one at a time across workers). Opened for the first time, it takes the lock
    before writing, so it waits for the other writer and then records the visit."""
    learner = make_learner()
    learner_id = learner.id
    client = app.test_client()
    login(client, learner)
    module = course().pathways["core"].modules[1]
    first, second = (f"/modules/{module.id}/{part.slug}" for part in module.parts[:2])
    assert client.get(first).status_code == 200
    with _write_lock_held_elsewhere() as statements:
        assert client.get(first).status_code == 200  # before: waited 5 s for the lock, then 503
    assert "BEGIN IMMEDIATE" not in statements and not _writes(statements)
    with _write_lock_held_elsewhere(release_after=0.5) as statements:
        assert client.get(second).status_code == 200  # waited for the lock, then wrote
    assert statements[0] == "BEGIN"
    locked_at = statements.index("BEGIN IMMEDIATE")
    assert statements[locked_at - 1] == "COMMIT"
    assert not _writes(statements[:locked_at]) and _writes(statements[locked_at:])
    db.session.rollback()
    visited = db.session.scalars(sa.select(PartVisit.part).where(PartVisit.user_id == learner_id))
    assert set(visited) == {part.slug for part in module.parts[:2]}
    assert (
        db.session.scalar(
            sa.select(ModuleProgress.last_part).where(ModuleProgress.user_id == learner_id)
        )
        == module.parts[1].slug
    )


def test_a_module_page_reads_again_after_locking_only_where_locking_began_again(
    any_db_app, make_learner
):
    """Opening a part for the first time: on SQLite, taking the write lock begins the
    transaction again, so the page reads again which parts were opened; on PostgreSQL
    nothing began again, and it reads them once."""
    learner = make_learner()
    client = any_db_app.test_client()
    login(client, learner)
    module = course().pathways["core"].modules[1]
    with statements_sent() as queries:
        assert client.get(f"/modules/{module.id}/{module.parts[0].slug}").status_code == 200
    reads = sum("FROM module_part_visits" in statement for statement in queries)
    assert reads == (1 if db.engine.dialect.name == "postgresql" else 2)
    assert sum(statement.startswith("INSERT INTO module_part_visits") for statement in queries) == 1


def test_two_tabs_opening_the_last_two_parts_at_once_complete_the_module(app, make_learner):
    """What a module page decided before it took the write lock is decided again after:
    two tabs open a module's last two unread parts at once, both read before either has
    written, and the second to get the lock still sees the first's part and completes
    the module (decided on its earlier reads, neither would)."""
    learner = make_learner()
    module = course().pathways["core"].modules[1]
    *read_before, last_but_one, last = module.parts
    for part in read_before:
        db.session.add(PartVisit(user_id=learner.id, module_id=module.id, part=part.slug))
    check = course().checks[module.meta.knowledge_check]
    content.record_check(learner, module, content.mark_check(
        check, {q.id: sorted(q.correct_ids) for q in check.questions}))  # fmt: skip
    db.session.commit()
    learner_id = learner.id
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        login(tab, learner)
    pages = [f"/modules/{module.id}/{part.slug}" for part in (last_but_one, last)]
    statuses = []
    with _write_lock_held_elsewhere(release_after=1.0) as statements:
        opening = [
            threading.Thread(target=lambda t=tab, p=page: statuses.append(t.get(p).status_code))
            for tab, page in zip(tabs, pages, strict=True)
        ]
        for thread in opening:
            thread.start()
        for thread in opening:
            thread.join()
    assert statuses == [200, 200]
    assert statements.count("BEGIN IMMEDIATE") == 2
    db.session.rollback()
    assert db.session.scalar(
        sa.select(ModuleProgress.completed_at).where(ModuleProgress.user_id == learner_id)
    )


def test_a_rewording_page_takes_the_write_lock_only_for_unread_comments(
    app, make_org, make_user, make_learner
):
    """Opening a rewording exercise marks the coordinator's comments on it as read:
    only when there are unread ones does it take SQLite's write lock (waiting for
    another writer); otherwise it is served while another connection holds the lock."""
    org = make_org()
    learner = make_learner(organisation=org)
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    client = app.test_client()
    login(client, learner)
    page = "/practice/let-him-in"
    client.post(page, data={"text": "Are you and the children safe?"})
    response = db.session.scalars(sa.select(Response)).one()
    reviewing.add_note(response, coordinator, None, "Try naming his choices", "needs_work")
    db.session.commit()
    with _write_lock_held_elsewhere(release_after=0.5) as statements:
        assert client.get(page).status_code == 200
    assert "BEGIN IMMEDIATE" in statements and _writes(statements)
    assert db.session.scalar(sa.select(ReviewNote.read_at)) is not None
    with _write_lock_held_elsewhere() as statements:
        assert client.get(page).status_code == 200  # before: waited 5 s for the lock, then 503
    assert "BEGIN IMMEDIATE" not in statements and not _writes(statements)


@pytest.mark.parametrize(("locks", "status"), [(False, 500), (True, 200)])
def test_a_view_that_locks_before_writing_cannot_write_before_it_locks(
    any_db_app, locks, status, caplog
):
    """A view declared with locks_before_writing must call lock_for_writing before it
    writes (on SQLite its transaction began deferred, and a write there could fail for
    a read lock gone stale): one that does not is stopped, on either database."""

    def write():
        db.session.execute(sa.select(1))
        if locks:
            lock_for_writing()
        db.session.add(Organisation(name="Written on a GET", sector=Sector.LOCAL_AUTHORITY))
        db.session.flush()
        return "written"

    any_db_app.add_url_rule(
        "/probe/locks", "probe_locks", writes_on_get(locks_before_writing(write))
    )
    with caplog.at_level(logging.ERROR):
        assert any_db_app.test_client().get("/probe/locks").status_code == status
    written = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
    assert written == (1 if locks else 0)
    if not locks:
        assert "WriteInReadingRequest: /probe/locks wrote before lock_for_writing" in caplog.text


def test_a_503_is_logged(app, make_user, make_learner, monkeypatch, caplog):
    from courseapp.reports import routes

    def locked(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    login(client := app.test_client(), make_user(role=Role.ADMIN))
    learner = make_learner()
    monkeypatch.setattr(routes, "record", locked)
    with caplog.at_level(logging.ERROR):
        assert client.get(f"/reports/learners/{learner.id}").status_code == 503
    assert "database is locked" in caplog.text


# -- A request that only reads: no writes, and no transaction on PostgreSQL --------------


def _probe_routes(app):
    """Views that report how their connection runs, or try to write; each its own
    function, since writes_on_get marks the function it is given."""

    def connection_state():
        db.session.execute(sa.select(1))
        dbapi = db.session.connection().connection.dbapi_connection
        return {"autocommit": getattr(dbapi, "autocommit", None)}

    def write():
        db.session.add(Organisation(name="Written on a GET", sector=Sector.LOCAL_AUTHORITY))
        db.session.flush()
        return "written"

    def view(function, declared=False):
        def probe():
            return function()

        return writes_on_get(probe) if declared else probe

    app.add_url_rule("/probe/reads", "probe_reads", view(connection_state))
    app.add_url_rule("/probe/declared", "probe_declared", view(connection_state, True))
    app.add_url_rule("/probe/posted", "probe_posted", view(connection_state), methods=["POST"])
    app.add_url_rule("/probe/write", "probe_write", view(write))
    app.add_url_rule("/probe/write-declared", "probe_write_declared", view(write, True))
    app.add_url_rule(
        "/probe/write-statement",
        "probe_write_statement",
        view(lambda: str(db.session.execute(sa.delete(Organisation)).rowcount)),
    )


def test_a_request_that_only_reads_runs_without_a_transaction_on_postgresql(any_db_app):
    """At READ COMMITTED each statement sees what was committed when it began, so a
    page that only reads gains nothing from a transaction: on PostgreSQL it runs in
    autocommit (no BEGIN or COMMIT). A declared writer and a POST keep theirs."""
    _probe_routes(any_db_app)
    client = any_db_app.test_client()
    postgres = db.engine.dialect.name == "postgresql"
    assert client.get("/probe/reads").json == {"autocommit": True if postgres else None}
    assert client.get("/probe/declared").json == {"autocommit": False if postgres else None}
    assert client.post("/probe/posted").json == {"autocommit": False if postgres else None}
    assert client.get("/probe/reads").json == {"autocommit": True if postgres else None}


@pytest.mark.parametrize("path", ["/probe/write", "/probe/write-statement"])
def test_a_request_that_only_reads_cannot_write(any_db_app, path, caplog):
    """A GET that writes must say so (writes_on_get); one that does not is stopped
    before anything is written, whether by the unit of work or by a statement."""
    _probe_routes(any_db_app)
    client = any_db_app.test_client()
    assert client.get("/probe/write-declared").text == "written"
    with caplog.at_level(logging.ERROR):
        assert client.get(path).status_code == 500
    assert f"WriteInReadingRequest: GET {path}" in caplog.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def test_a_read_is_kept_only_in_a_request_that_only_reads(app):
    """read_once reads once in a request that only reads (it cannot write, so what it
    read cannot have changed by its own doing), and every time anywhere else."""
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    for method, expected in (("GET", [1, 1, 1]), ("POST", [1, 2, 3])):
        reads.clear()
        with app.app_context(), app.test_request_context("/", method=method):  # as a server
            app.preprocess_request()
            assert [read_once(("probe",), read) for _ in range(3)] == expected
    reads.clear()
    assert [read_once(("probe",), read) for _ in range(2)] == [1, 2]  # no request


def test_a_pathway_page_reads_when_the_learner_s_round_began_once(app, make_learner, count_queries):
    """The pathway page needs the start of the learner's renewal round for the post-test,
    its attempts and the certificate, and asks the database once."""
    learner = make_learner()
    client = app.test_client()
    login(client, learner)
    with count_queries() as queries:
        assert client.get("/pathways/core").status_code == 200
    assert sum("FROM renewals" in statement for statement in queries) == 1


# -- Pooled connections: checked after waiting, not on every request ---------------------


def _kill_the_pool(app) -> None:
    """End, from outside, every server process serving this database but ours."""
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with killer.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))  # fmt: skip
    finally:
        killer.dispose()


def test_a_connection_that_waited_in_the_pool_is_checked_first(tmp_path):
    """After a database restart, a connection that has waited in the pool is found
    dead by a round trip and replaced, so the request succeeds. One back in the pool a
    moment ago is used without the check: if it died in that moment, its request gets
    a 503 and the next finds a new pool."""
    for wait, first in ((0, 200), (3600, 503)):
        app = build_app(postgres_url(), tmp_path, DATABASE_PING_AFTER_IDLE_SECONDS=wait)
        with app_with_schema(app):
            client = app.test_client()
            assert client.get("/healthz").status_code == 200
            _kill_the_pool(app)
            assert client.get("/healthz").status_code == first
            assert client.get("/healthz").status_code == 200


# -- /exit -----------------------------------------------------------------------------


def test_exit_ends_the_session_everywhere_as_signing_out_does(any_db_app, make_learner):
    learner = make_learner()
    client, copy = any_db_app.test_client(), any_db_app.test_client()
    login(client, learner)
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/account").status_code == 200
    response = client.get("/exit")
    assert response.status_code == 302 and "bbc.co.uk" in response.headers["Location"]
    assert client.get("/account").status_code == 302
    assert copy.get("/account").status_code == 302  # the copied cookie stopped working


# -- The pre-test lock on every page of a module ---------------------------------------


def test_every_page_of_a_locked_module_goes_back_to_the_pathway(app, make_learner):
    learner = make_learner(pre_test=False)
    client = app.test_client()
    login(client, learner)
    pathway = course().pathways["core"]
    module = pathway.modules[1]
    assert not pathway.open_before_pre_test(module)
    for page in ("", f"/{module.parts[0].slug}", "/check", "/print"):
        response = client.get(f"/modules/{module.id}{page}")
        assert response.status_code == 302, page
        assert response.headers["Location"] == f"/pathways/{pathway.id}", page
    assert client.get(f"/modules/{pathway.modules[0].id}/print").status_code == 200
