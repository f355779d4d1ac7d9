"""Organisations, teams, join codes, coordinators and the scope of each role."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from tests.conftest import login


@pytest.fixture
def world(make_org, make_user):
    """Two organisations, each with a coordinator and a learner, and an admin."""
    x = make_org(name="Organisation X", teams=("Team X",))
    y = make_org(name="Organisation Y", teams=("Team Y",))
    return {
        "x": x,
        "y": y,
        "learner_x": make_user(organisation=x),
        "learner_y": make_user(organisation=y),
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
        "admin": make_user(role=Role.ADMIN),
    }


def _routes(world):
    x, learner_x = world["x"], world["learner_x"]
    return [
        ("GET", "/organisations/"),
        ("GET", "/organisations/new"),
        ("GET", f"/organisations/{x.id}"),
        ("POST", f"/organisations/{x.id}/teams"),
        ("POST", f"/organisations/{x.id}/join-code/new"),
        ("POST", f"/organisations/{x.id}/join-code/switch"),
        ("POST", f"/organisations/{x.id}/members/{learner_x.id}/password-link"),
        ("GET", f"/organisations/{x.id}/coordinators/new"),
        ("GET", f"/organisations/{x.id}/joining"),
    ]


EXPECTED = {
    # who: statuses for the routes above, in order
    "anonymous": [302] * 9,
    "learner_x": [403] * 9,
    "coordinator_y": [200, 403, 404, 404, 404, 404, 404, 403, 404],
    "coordinator_x": [200, 403, 200, 400, 303, 303, 200, 403, 200],
    "admin": [200, 200, 200, 400, 303, 303, 200, 200, 200],
}


@pytest.mark.parametrize("who", EXPECTED)
def test_organisation_routes_by_role(client, world, who):
    if who != "anonymous":
        login(client, world[who])
    statuses = [client.open(path, method=method).status_code for method, path in _routes(world)]
    assert statuses == EXPECTED[who]


def test_coordinator_sees_only_their_organisations(client, world):
    login(client, world["coordinator_x"])
    page = client.get("/organisations/").get_data(as_text=True)
    assert "Organisation X" in page and "Organisation Y" not in page


def test_coordinator_cannot_reach_another_organisations_learner_through_their_own(client, world):
    login(client, world["coordinator_x"])
    x, learner_y = world["x"], world["learner_y"]
    response = client.post(f"/organisations/{x.id}/members/{learner_y.id}/password-link")
    assert response.status_code == 404


def test_coordinator_cannot_reset_another_coordinators_password(client, world, make_user):
    x = world["x"]
    colleague = make_user(role=Role.COORDINATOR, organisation=x, covers=(x,))
    login(client, world["coordinator_x"])
    response = client.post(f"/organisations/{x.id}/members/{colleague.id}/password-link")
    assert response.status_code == 404


def test_admin_creates_an_organisation(client, world):
    login(client, world["admin"])
    response = client.post(
        "/organisations/new", data={"name": "Eastshire Schools Cluster", "sector": "EDUCATION"}
    )
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name.like("Eastshire%")))
    assert response.headers["Location"] == f"/organisations/{org.id}"
    assert org.sector.value == "Schools and early years" and org.join_enabled
    duplicate = client.post(
        "/organisations/new", data={"name": "eastshire schools cluster", "sector": "EDUCATION"}
    )
    assert "already exists" in duplicate.get_data(as_text=True)


def test_coordinator_adds_teams_without_duplicates(client, world):
    x = world["x"]
    login(client, world["coordinator_x"])
    assert (
        client.post(f"/organisations/{x.id}/teams", data={"team_name": "Duty"}).status_code == 303
    )
    again = client.post(f"/organisations/{x.id}/teams", data={"team_name": "duty"})
    assert again.status_code == 400 and "already has a team" in again.get_data(as_text=True)
    names = db.session.scalars(sa.select(Team.name).where(Team.organisation_id == x.id))
    assert sorted(names) == ["Duty", "Team X"]


def test_join_code_can_be_regenerated_and_switched_off(client, world, app):
    x = world["x"]
    visitor = app.test_client()
    old_code = x.join_code
    login(client, world["coordinator_x"])
    client.post(f"/organisations/{x.id}/join-code/new")
    db.session.refresh(x)
    assert x.join_code != old_code
    assert visitor.get(f"/register/{old_code}").status_code == 404
    assert visitor.get(f"/register/{x.join_code}").status_code == 200
    client.post(f"/organisations/{x.id}/join-code/switch")
    db.session.refresh(x)
    assert not x.join_enabled
    assert visitor.get(f"/register/{x.join_code}").status_code == 404
    client.post(f"/organisations/{x.id}/join-code/switch")
    db.session.refresh(x)
    assert x.join_enabled


def test_coordinator_gets_a_password_link_to_pass_on(client, world, app):
    x, learner = world["x"], world["learner_x"]
    login(client, world["coordinator_x"])
    page = client.post(f"/organisations/{x.id}/members/{learner.id}/password-link")
    text = page.get_data(as_text=True)
    assert "pass this link to" in text
    link = re.search(r"<code[^>]*>([^<]+)</code>", text).group(1)
    client.post("/logout")
    assert client.get(link.removeprefix("http://localhost")).status_code == 200


def test_password_link_is_emailed_when_mail_is_configured(client, world, app, monkeypatch):
    sent = []
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *args: sent.append(args))
    app.config["MAIL_SERVER"] = "smtp.example.org"
    x, learner = world["x"], world["learner_x"]
    login(client, world["coordinator_x"])
    response = client.post(f"/organisations/{x.id}/members/{learner.id}/password-link")
    assert response.status_code == 303
    to, subject, body = sent[0]
    assert to == learner.email and "Set your password" in subject and "/password/" in body


def test_admin_appoints_a_new_coordinator(client, world):
    y = world["y"]
    login(client, world["admin"])
    response = client.post(
        f"/organisations/{y.id}/coordinators/new",
        data={"name": "Casey Coordinator", "email": "Casey@Example.org"},
    )
    assert "pass this link to" in response.get_data(as_text=True)
    casey = db.session.scalar(sa.select(User).where(User.email == "casey@example.org"))
    assert casey.role is Role.COORDINATOR and casey.password_hash is None
    assert [org.id for org in casey.covered_organisations] == [y.id]


def test_admin_extends_an_existing_coordinator_to_another_organisation(client, world):
    x, coordinator_y = world["x"], world["coordinator_y"]
    login(client, world["admin"])
    response = client.post(
        f"/organisations/{x.id}/coordinators/new",
        data={"name": coordinator_y.name, "email": coordinator_y.email},
    )
    assert response.status_code == 303
    db.session.refresh(coordinator_y)
    assert {org.name for org in coordinator_y.covered_organisations} == {
        "Organisation X",
        "Organisation Y",
    }


def test_organisation_page_lists_its_people_and_coordinators(client, world):
    x = world["x"]
    login(client, world["coordinator_x"])
    page = client.get(f"/organisations/{x.id}").get_data(as_text=True)
    assert world["learner_x"].email in page
    assert world["learner_y"].email not in page
    assert x.display_join_code in page
