"""Email addresses in one form (Unicode NFC, then case-folded) wherever they are stored
or compared: accounts, registration, sign-in, CSV import, coordinators, erasure and the
migration that rewrites the addresses already stored."""

from __future__ import annotations

import html
import unicodedata

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from courseapp.accounts.models import Role, User, normalise_email
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.extensions import db
from tests.conftest import PASSWORD, app_at_revision, login, upload_csv

ZOE_NFC = unicodedata.normalize("NFC", "zoë@example.org")
ZOE_NFD = unicodedata.normalize("NFD", "zoë@example.org")


def test_one_form_for_every_way_of_typing_an_address():
    assert ZOE_NFC != ZOE_NFD
    assert normalise_email(ZOE_NFD) == normalise_email(ZOE_NFC) == ZOE_NFC
    assert normalise_email("  JOSÉ.x@EXAMPLE.ORG ") == "josé.x@example.org"
    assert normalise_email(unicodedata.normalize("NFD", "JOSÉ.x@EXAMPLE.ORG")) == (
        "josé.x@example.org"
    )
    assert normalise_email("Straße@Example.org") == "strasse@example.org"


def test_an_account_stores_the_normal_form(any_db_app, make_user):
    user = make_user(email=unicodedata.normalize("NFD", "ZOË@Example.ORG"))
    db.session.expire_all()
    assert db.session.get(User, user.id).email == ZOE_NFC


def _register(client, org, email: str):
    return client.post(
        f"/register/{org.join_code}",
        data={
            "name": "Zoë Adeyemi",
            "email": email,
            "job_role": "SOCIAL_WORKER",
            "team": "none",
            "password": PASSWORD,
        },
    )


def test_nfc_and_nfd_addresses_are_one_account(any_db_app, make_org):
    org = make_org()
    assert _register(any_db_app.test_client(), org, ZOE_NFC).status_code == 302
    again = _register(any_db_app.test_client(), org, ZOE_NFD.upper())
    assert "already exists" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    signed_in = any_db_app.test_client().post(
        "/login", data={"email": ZOE_NFD.upper(), "password": PASSWORD}
    )
    assert signed_in.status_code == 302


def test_appointing_a_coordinator_finds_the_existing_account(client, make_org, make_user):
    org = make_org()
    learner = make_user(organisation=org, email=ZOE_NFC)
    login(client, make_user(role=Role.ADMIN))
    client.post(
        f"/organisations/{org.id}/coordinators/new",
        data={"name": "Zoë Adeyemi", "email": ZOE_NFD.upper()},
    )
    db.session.refresh(learner)
    assert learner.role is Role.COORDINATOR
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def _cohort(org) -> Cohort:
    cohort = Cohort(organisation=org, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    return cohort


def test_a_csv_row_matches_an_account_however_the_address_is_typed(client, make_org, make_user):
    org = make_org()
    make_user(organisation=org, email=ZOE_NFC)
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    upload_csv(client, _cohort(org), f"name,email\nZoë,{ZOE_NFD.upper()}\n")
    upload = db.session.scalar(sa.select(EnrolmentImport))
    assert upload.rows[0]["status"] == "existing"


def test_erasure_scrubs_a_csv_row_with_accented_capitals(any_db_app, make_org, make_user):
    org = make_org()
    cohort = _cohort(org)
    coordinator = make_user(role=Role.COORDINATOR, covers=(org,))
    client = any_db_app.test_client()
    login(client, coordinator)
    preview = upload_csv(client, cohort, "name,email\nJosé Unicode,JOSÉ.x@EXAMPLE.ORG\n")
    preview_url = preview.headers["Location"]
    assert client.post(f"{preview_url}/confirm").status_code in (200, 303)
    learner = db.session.scalar(sa.select(User).where(User.name == "José Unicode"))
    assert learner.email == "josé.x@example.org"

    admin = any_db_app.test_client()
    login(admin, make_user(role=Role.ADMIN))
    erase = admin.post(f"/organisations/{org.id}/members/{learner.id}/erase")
    assert erase.status_code == 303
    db.session.expire_all()
    upload = db.session.scalar(sa.select(EnrolmentImport))
    stored = str(upload.rows).casefold()
    assert "josé" not in stored and "unicode" not in stored and "example.org" not in stored
    page = html.unescape(client.get(preview_url).get_data(as_text=True)).casefold()
    assert "josé" not in page and "x@example.org" not in page


@pytest.fixture
def app_at_0006(any_db_url, tmp_path):
    with app_at_revision(any_db_url, tmp_path, "0006") as app:
        yield app


def test_the_migration_normalises_stored_addresses(app_at_0006):
    users = sa.table(
        "users", sa.column("id"), sa.column("name"), sa.column("email"), sa.column("role"),
        sa.column("session_token"), sa.column("active"), sa.column("created_at"),
    )  # fmt: skip
    rows = [
        (1, ZOE_NFD),  # lower-case, as the old code stored it, but decomposed
        (2, "strasse@example.org"),
        (3, "straße@example.org"),  # would clash with 2 once folded: left as it is
        (4, "plain@example.org"),
    ]
    # Straight through the engine: the schema is the old one, without the tables the
    # app's session hooks write to (report versions).
    with db.engine.begin() as connection:
        connection.execute(
            sa.insert(users),
            [
                {
                    "id": n,
                    "name": f"P{n}",
                    "email": email,
                    "role": "learner",
                    "session_token": f"t{n}",
                    "active": True,
                    "created_at": "2026-01-01 09:00:00",
                }
                for n, email in rows
            ],
        )
    upgrade()
    stored = dict(db.session.execute(sa.text("SELECT id, email FROM users")).all())
    assert stored == {
        1: ZOE_NFC,
        2: "strasse@example.org",
        3: "straße@example.org",
        4: "plain@example.org",
    }
