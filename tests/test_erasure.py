"""Erasing a learner: afterwards no row refers to them or names them, on SQLite and
PostgreSQL; reports, exports and the audit log still work; only admins may do it."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.cohorts import imports
from courseapp.extensions import db
from courseapp.privacy.erasure import ERASED, ERASED_SUBJECT
from courseapp.reports import data as report_data
from courseapp.reports import services as report_services
from tests import learner_records as records
from tests.conftest import login


def foreign_keys_to_users() -> list[tuple[sa.Table, sa.Column]]:
    users_id = User.__table__.c.id
    return [
        (table, fk.parent)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column is users_id
    ]


def rows_referring_to(user_id: int) -> dict[str, int]:
    found = {}
    for table, column in foreign_keys_to_users():
        n = db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(column == user_id)
        )
        if n:
            found[f"{table.name}.{column.name}"] = n
    return found


def user_exists(user_id: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(User.id == user_id)) == 1


def tables_mentioning(*needles: str) -> set[str]:
    """Tables with a row that, read as text, contains any of the needles (any case)."""
    found = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            text = json.dumps(list(row), default=str, ensure_ascii=False).lower()
            if any(needle.lower() in text for needle in needles):
                found.add(table.name)
    return found


@pytest.fixture
def world(any_db_app, make_org, make_user):
    org = make_org(name="Northshire Council", teams=("Duty",))
    other = make_org(name="Southvale Council")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    other_coordinator = make_user(role=Role.COORDINATOR, organisation=other, covers=(other,))
    admin = make_user(role=Role.ADMIN)
    record = records.full_record(org, coordinator, (other, other_coordinator))
    return SimpleNamespace(org=org, coordinator=coordinator, admin=admin, record=record)


def _remaining_on_core() -> int:
    pathway = course().pathways["core"]
    loaded = report_data.load(report_data.Filters(pathway_id="core", organisation_ids=None))
    board = report_services.dashboard(loaded.filters, pathway)
    return board.completion.enrolled


def test_erasure_leaves_no_row_that_refers_to_or_names_the_learner(any_db_app, world):
    org_id, learner_id = world.org.id, world.record.learner.id
    upload, refused = world.record.upload, world.record.refused_upload
    counts_before = [imports.summary(upload), imports.summary(refused)]
    code = world.record.certificate.code
    assert len(foreign_keys_to_users()) >= 9
    assert set(rows_referring_to(learner_id)) >= {
        "enrolments.user_id",
        "module_progress.user_id",
        "test_attempts.user_id",
        "certificates.user_id",
        "rewording_responses.user_id",
        "cpd_reflections.user_id",
    }
    assert {"users", "enrolment_imports"} <= tables_mentioning(records.EMAIL, records.NAME)
    assert tables_mentioning(records.REFLECTION) == {"cpd_reflections"}
    assert _remaining_on_core() == 2
    learner_client = any_db_app.test_client()
    login(learner_client, world.record.learner)

    client = any_db_app.test_client()
    login(client, world.admin)
    url = f"/organisations/{org_id}/members/{learner_id}/erase"
    page = client.get(url).get_data(as_text=True)
    assert records.NAME in page and records.EMAIL in page
    assert "Erasing cannot be undone" in page
    for what in ("2 test attempts", "2 rewording versions", "1 comment", "1 certificate",
                 "2 rows", "1 audit log entry"):  # fmt: skip
        assert what in page, what
    response = client.post(url)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/organisations/{org_id}"

    assert not user_exists(learner_id)
    assert rows_referring_to(learner_id) == {}
    assert tables_mentioning(records.EMAIL, records.NAME) == set()
    assert tables_mentioning(records.REFLECTION) == set()  # their CPD reflections too
    assert learner_client.get("/account").status_code == 302  # signed out everywhere
    assert client.get(f"/certificates/{code}").status_code == 404

    # The uploads still add up: the rows keep their status, with a marker for the person.
    db.session.refresh(upload)
    db.session.refresh(refused)
    assert [imports.summary(upload), imports.summary(refused)] == counts_before
    assert [row["name"] for row in upload.rows] == [ERASED, records.COLLEAGUE]
    assert [row["email"] for row in refused.rows] == [ERASED]

    # Reports count only the people who remain.
    assert _remaining_on_core() == 1
    assert client.get("/reports/").status_code == 200
    listing = client.get("/reports/learners")
    assert listing.status_code == 200
    assert records.COLLEAGUE in listing.get_data(as_text=True)
    assert client.get(f"/reports/learners/{learner_id}").status_code == 404
    exported = client.get("/reports/export/learners.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [records.COLLEAGUE]

    # The audit log says a learner was erased, and by whom, but not who they were.
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert not [e for e in events if e.subject == f"user {learner_id}"]
    assert any(e.subject == ERASED_SUBJECT and e.action == "view-learner" for e in events)
    erased = [e for e in events if e.action == "erase-learner"]
    assert [(e.actor_id, e.subject) for e in erased] == [(world.admin.id, f"organisation {org_id}")]
    log = client.get("/audit")
    assert log.status_code == 200
    text = log.get_data(as_text=True)
    assert "erase-learner" in text and f"organisation {org_id}" in text
    assert records.NAME not in text and records.EMAIL not in text


def test_coordinators_and_admins_are_refused(client, make_org, make_user):
    org = make_org()
    admin = make_user(role=Role.ADMIN, organisation=org)
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    login(client, admin)
    for person in (coordinator, admin):
        url = f"/organisations/{org.id}/members/{person.id}/erase"
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Only learners&#39; accounts can be erased" in text
        assert "Erase account and records" not in text
        refused = client.post(url)
        assert refused.status_code == 409
        assert "Only learners&#39; accounts can be erased" in refused.get_data(as_text=True)
        assert user_exists(person.id)
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "erase-learner")
    ).all()


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [("anonymous", 302, 302), ("learner", 403, 403), ("coordinator", 403, 403),
     ("admin", 200, 303)],
)  # fmt: skip
def test_only_admins_may_erase(client, make_org, make_user, who, get_status, post_status):
    org = make_org()
    target = make_user(organisation=org)
    people = {
        "learner": make_user(organisation=org),
        "coordinator": make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)),
        "admin": make_user(role=Role.ADMIN),
    }
    if who != "anonymous":
        login(client, people[who])
    target_id = target.id
    url = f"/organisations/{org.id}/members/{target_id}/erase"
    assert client.get(url).status_code == get_status
    assert client.post(url).status_code == post_status
    assert user_exists(target_id) == (who != "admin")


def test_the_learner_must_belong_to_the_organisation_in_the_address(client, make_org, make_user):
    x, y = make_org(), make_org()
    learner = make_user(organisation=y)
    login(client, make_user(role=Role.ADMIN))
    assert client.get(f"/organisations/{x.id}/members/{learner.id}/erase").status_code == 404
    assert client.post(f"/organisations/{x.id}/members/{learner.id}/erase").status_code == 404
    assert client.get(f"/organisations/{y.id}/members/99999/erase").status_code == 404
    assert user_exists(learner.id)


def test_people_table_offers_erasure_to_admins_for_learners_only(client, make_org, make_user):
    org = make_org()
    learner = make_user(organisation=org, name="Learner Person")
    coordinator = make_user(
        role=Role.COORDINATOR, organisation=org, covers=(org,), name="Coordinator Person"
    )
    login(client, make_user(role=Role.ADMIN))
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert f"/organisations/{org.id}/members/{learner.id}/erase" in page
    assert f"/members/{coordinator.id}/erase" not in page
    assert f"/organisations/{org.id}/members/{learner.id}/password-link" in page
    client.post("/logout")
    login(client, coordinator)
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "/erase" not in page
    assert f"/organisations/{org.id}/members/{learner.id}/password-link" in page


@pytest.mark.parametrize("any_db_url", ["sqlite"], indirect=True)
def test_no_trace_of_an_erased_learner_is_left_in_the_sqlite_files(any_db_app, tmp_path, world):
    """Not in old pages of the database file, nor in its write-ahead log."""
    names = [records.NAME.encode(), records.EMAIL.encode(), records.EMAIL.upper().encode()]
    files = sorted(tmp_path.glob("test.sqlite3*"))

    def traces() -> list[str]:
        return [f.name for f in files if f.exists() and any(n in f.read_bytes() for n in names)]

    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert traces()  # the learner is there to begin with
    client = any_db_app.test_client()
    login(client, world.admin)
    url = f"/organisations/{world.org.id}/members/{world.record.learner.id}/erase"
    assert client.post(url).status_code == 303
    db.session.remove()
    assert traces() == []
