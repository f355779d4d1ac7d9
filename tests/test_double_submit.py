"""Two identical posts of a create form at the same moment (a double click, two tabs),
on SQLite and PostgreSQL: one creates the record, the other is told it exists, and
neither gets a 500. Each form checks for an existing record first; the unique
constraint is what makes that hold when both pass the check at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.accounts.services import make_first_admin_link
from courseapp.cohorts.models import Cohort
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team, coordinator_organisations
from tests.conftest import count, login
from tests.test_concurrency import at_once

ROUNDS = 3  # each round a fresh name: the race is not hit every time
NEW_PASSWORD = "a long and memorable passphrase 42"


def _post_twice(app, url: str, data: dict, signed_in: User | None = None) -> list[int]:
    db.session.rollback()  # end the test's own transaction: the requests write now
    clients = [app.test_client(), app.test_client()]
    if signed_in is not None:
        for client in clients:
            assert login(client, signed_in).status_code == 302
    statuses: list[int] = []
    at_once(*(lambda c=c: statuses.append(c.post(url, data=data).status_code) for c in clients))
    return sorted(statuses)


@pytest.fixture
def admin(any_db_app, make_user) -> User:
    user = make_user(role=Role.ADMIN)
    db.session.commit()
    return user


@pytest.fixture
def org(any_db_app, make_org) -> Organisation:
    return make_org(name="Northshire Council")


def test_create_organisation_twice_at_once(any_db_app, admin):
    for n in range(ROUNDS):
        data = {"name": f"Riverside Trust {n}", "sector": "HEALTH"}
        assert _post_twice(any_db_app, "/organisations/new", data, admin) == [200, 303]
        assert count(Organisation) == n + 1


def test_add_team_twice_at_once(any_db_app, admin, org):
    for n in range(ROUNDS):
        data = {"team_name": f"Duty team {n}"}
        url = f"/organisations/{org.id}/teams"
        assert _post_twice(any_db_app, url, data, admin) == [303, 400]
        assert count(Team) == n + 1


def test_create_cohort_twice_at_once(any_db_app, admin, org):
    for n in range(ROUNDS):
        data = {"name": f"Spring intake {n}", "pathway": "core"}
        url = f"/organisations/{org.id}/cohorts/new"
        assert _post_twice(any_db_app, url, data, admin) == [200, 303]
        assert count(Cohort) == n + 1


def test_register_twice_at_once(any_db_app, org):
    for n in range(ROUNDS):
        data = {"name": "Sam Carter", "email": f"sam.{n}@example.org", "password": NEW_PASSWORD,
                "job_role": "SOCIAL_WORKER", "team": "none"}  # fmt: skip
        assert _post_twice(any_db_app, f"/register/{org.join_code}", data) == [200, 302]
        assert count(User) == n + 1


def test_first_administrator_twice_at_once(any_db_app):
    with any_db_app.test_request_context():
        token = make_first_admin_link().rsplit("/", 1)[1]
    data = {"name": "Alex Admin", "email": "alex@example.org", "password": NEW_PASSWORD}
    # The second is told the account exists, or finds the link used up (it works once).
    assert _post_twice(any_db_app, f"/setup/{token}", data) in ([200, 302], [302, 404])
    assert count(User) == 1


def test_appoint_coordinator_twice_at_once(any_db_app, admin, org, make_user):
    for n in range(ROUNDS):
        # A new account, and an existing learner made a coordinator.
        learner = make_user(organisation=org, email=f"existing.{n}@example.org")
        db.session.commit()
        for email in (f"new.coordinator.{n}@example.org", learner.email):
            data = {"name": "Jo Coordinator", "email": email}
            url = f"/organisations/{org.id}/coordinators/new"
            # 303: appointed (again: nothing to do); 200: the new account's password
            # link, or the message that the other request has just appointed them.
            assert set(_post_twice(any_db_app, url, data, admin)) <= {200, 303}
    links = db.session.scalar(sa.select(sa.func.count()).select_from(coordinator_organisations))
    assert links == 2 * ROUNDS
    assert count(User) == 1 + 2 * ROUNDS  # the admin, and each round's learner and new one
