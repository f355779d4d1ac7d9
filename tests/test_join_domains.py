"""An organisation may limit joining with its join codes, and its cohorts', to email
addresses in its own domains (subdomains too), set by its coordinators or an
administrator and recorded in the audit log."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.audit.models import AuditEvent
from courseapp.cohorts.models import Cohort
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from tests.conftest import login


@pytest.fixture
def world(make_org, make_user):
    x = make_org(name="Northshire Council")
    y = make_org(name="Southshire Council")
    cohort = Cohort(organisation=x, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    return {
        "x": x,
        "cohort": cohort,
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
        "admin": make_user(role=Role.ADMIN),
    }


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def domains_of(org: Organisation) -> list[str]:
    db.session.expire_all()
    return db.session.get(Organisation, org.id).join_email_domains


def settings_url(world) -> str:
    return f"/organisations/{world['x'].id}/joining"


def limit(world, domains=("northshire.gov.uk", "nhs.net")) -> None:
    world["x"].join_email_domains = list(domains)
    db.session.commit()


def register(client, code: str, email: str):
    return client.post(
        f"/register/{code}",
        data={"name": "Alex Example", "email": email, "job_role": "SOCIAL_WORKER",
              "team": "none", "password": "kettle lantern orchard"},
    )  # fmt: skip


@pytest.mark.parametrize("who", ["coordinator_x", "admin"])
def test_coordinators_and_administrators_set_the_domains(client, world, who):
    login(client, world[who])
    assert "Anyone with a join code can join" in text(client.get(f"/organisations/{world['x'].id}"))
    typed = "Northshire.gov.uk, @nhs.net\nnorthshire.gov.uk."
    response = client.post(settings_url(world), data={"domains": typed})
    assert response.status_code == 303
    assert domains_of(world["x"]) == ["northshire.gov.uk", "nhs.net"]
    page = text(client.get(response.headers["Location"]))
    assert "Only people with an email address in northshire.gov.uk, nhs.net" in page
    assert "northshire.gov.uk\nnhs.net" in text(client.get(settings_url(world)))
    client.post(settings_url(world), data={"domains": "  "})  # emptied: anyone may join
    assert domains_of(world["x"]) == []
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject == f"organisation {world['x'].id}")
    )
    assert list(actions) == ["edit-join-domains", "edit-join-domains"]


def test_another_organisations_coordinator_cannot_see_or_change_them(client, world):
    login(client, world["coordinator_y"])
    assert client.get(settings_url(world)).status_code == 404
    assert client.post(settings_url(world), data={"domains": "evil.example"}).status_code == 404
    assert domains_of(world["x"]) == []


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("northshire", "northshire is not an email domain"),
        ("alex@northshire.gov.uk", "alex@northshire.gov.uk is not an email domain"),
        ("northshire.gov.uk\nhttps://nhs.net", "https://nhs.net is not an email domain"),
        ("-bad-.gov.uk", "-bad-.gov.uk is not an email domain"),
    ],
)
def test_what_is_not_a_domain_is_refused(client, world, typed, problem):
    limit(world, ["kept.gov.uk"])
    login(client, world["coordinator_x"])
    response = client.post(settings_url(world), data={"domains": typed})
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and problem in page
    assert typed in page  # what was typed is shown again to correct
    assert domains_of(world["x"]) == ["kept.gov.uk"]


@pytest.mark.parametrize(
    ("email", "joins"),
    [
        ("alex@northshire.gov.uk", True),
        ("Alex@Social.Northshire.gov.uk", True),
        ("alex@nhs.net", True),
        ("alex@example.org", False),
        ("alex@evilnorthshire.gov.uk", False),
        ("alex@northshire.gov.uk.example.org", False),
    ],
)
@pytest.mark.parametrize("code", ["organisation", "cohort"])
def test_joining_outside_the_domains_is_refused(client, world, email, joins, code):
    limit(world)
    join_code = world["x"].join_code if code == "organisation" else world["cohort"].join_code
    response = register(client, join_code, email)
    created = db.session.scalar(sa.select(User).where(User.email == email.lower()))
    if joins:
        assert response.status_code == 302 and created is not None
        return
    page = text(response)
    assert response.status_code == 200 and created is None
    assert "Enter your work email address at Northshire Council" in page
    assert "It must end in northshire.gov.uk or nhs.net" in page
    assert f'value="{email}"' in page and 'value="Alex Example"' in page
    assert "kettle lantern orchard" not in page


def test_without_domains_any_address_joins(client, world):
    assert register(client, world["x"].join_code, "alex@example.org").status_code == 302
