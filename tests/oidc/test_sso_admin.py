"""Administrators connecting an organisation to its OpenID Provider: the settings
form against a real provider, the encrypted secret, unique domains, removal, the
audit log, and the production key."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet

from courseapp.accounts.models import Role
from courseapp.audit.models import AuditEvent
from courseapp.extensions import db
from courseapp.organisations import services as organisations
from courseapp.organisations.models import Organisation, Sector
from courseapp.sso import encryption
from courseapp.sso.connections import connection_for
from courseapp.sso.models import Connection, Domain
from tests.conftest import build_app, count, login, sqlite_url
from tests.oidc.conftest import connect
from tests.oidc.provider import CLIENT_SECRET
from tests.test_double_submit import _post_twice


def _form(issuer: str, **changes) -> dict:
    return {
        "issuer": issuer,
        "client_id": "courseapp",
        "client_secret": CLIENT_SECRET,
        "domains": "eastbrook.gov.uk\n@EASTBROOK.sch.uk, ",
        "allow_passwords": "no",
        "trust_unverified_claim": "yes",
        "team_claim": "team",
        "job_role_claim": "",
    } | changes


def _admin_client(app, make_user):
    client = app.test_client()
    assert login(client, make_user(role=Role.ADMIN)).status_code == 302
    return client


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_administrator_connects_changes_and_removes_a_provider(
    app, make_org, make_user, provider
):
    org = make_org(name="Eastbrook Council")
    client = _admin_client(app, make_user)
    url = f"/organisations/{org.id}/single-sign-on"
    assert "The redirect URI to register" in client.get(url).get_data(as_text=True)

    saved = client.post(url, data=_form(provider.issuer))

    assert saved.status_code == 303
    connection = connection_for(org)
    assert connection.issuer == provider.issuer and not connection.allow_passwords
    assert connection.trust_unverified_claim and connection.team_claim == "team"
    assert connection.domain_names == ["eastbrook.gov.uk", "eastbrook.sch.uk"]
    assert CLIENT_SECRET not in connection.client_secret_encrypted
    assert encryption.decrypt(connection.client_secret_encrypted) == CLIENT_SECRET
    page = client.get(url).get_data(as_text=True)
    assert CLIENT_SECRET not in page and "/login/eastbrook-council" in page

    changed = client.post(
        url, data=_form(provider.issuer, client_secret="", domains="eastbrook.gov.uk")
    )

    assert changed.status_code == 303
    db.session.refresh(connection)
    assert encryption.decrypt(connection.client_secret_encrypted) == CLIENT_SECRET
    assert connection.domain_names == ["eastbrook.gov.uk"] and count(Domain) == 1

    assert client.get(f"{url}/remove").status_code == 200
    removed = client.post(f"{url}/remove")

    assert removed.status_code == 303 and connection_for(org) is None
    assert count(Domain) == 0
    subject = f"organisation {org.id}"
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.subject)).all()
    assert [tuple(e) for e in events] == [
        ("sso.connected", subject),
        ("sso.changed", subject),
        ("sso.removed", subject),
    ]


def test_a_domain_belongs_to_one_organisation_only(app, make_org, make_user, provider):
    westshire, eastbrook = make_org(name="Westshire"), make_org(name="Eastbrook Council")
    connect(westshire, provider.issuer, domains=("eastbrook.sch.uk",))
    client = _admin_client(app, make_user)

    response = client.post(
        f"/organisations/{eastbrook.id}/single-sign-on", data=_form(provider.issuer)
    )

    assert response.status_code == 200
    assert "eastbrook.sch.uk is already covered by Westshire" in response.get_data(as_text=True)
    assert connection_for(eastbrook) is None and _actions() == []


def test_the_issuer_must_answer_with_its_own_discovery_document(
    app, make_org, make_user, provider, impostor
):
    org = make_org()
    client = _admin_client(app, make_user)
    url = f"/organisations/{org.id}/single-sign-on"
    cases = {
        "http://login.example.org": "as an https address",
        "http://127.0.0.1:9": "could not read the provider",
        impostor.url: f"The provider says its issuer is {provider.issuer}",
    }
    for issuer, words in cases.items():
        page = client.post(url, data=_form(issuer)).get_data(as_text=True)
        assert words in page, issuer
    assert "Enter the client secret" in client.post(
        url, data=_form(provider.issuer, client_secret="")
    ).get_data(as_text=True)
    assert count(Connection) == 0 and _actions() == []


def test_production_keeps_no_secret_without_its_own_key(tmp_path, make_user, provider):
    app = build_app(sqlite_url(tmp_path), tmp_path, REQUIRE_SECRET_KEY=True)
    with app.app_context():
        db.create_all()
        org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(org)
        db.session.commit()
        client = _admin_client(app, make_user)
        url = f"/organisations/{org.id}/single-sign-on"

        refused = client.post(url, data=_form(provider.issuer))

        assert "SSO_ENCRYPTION_KEY" in refused.get_data(as_text=True)
        assert count(Connection) == 0
        app.config["SSO_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        assert client.post(url, data=_form(provider.issuer)).status_code == 303
        secret = db.session.scalar(sa.select(Connection.client_secret_encrypted))
        assert Fernet(app.config["SSO_ENCRYPTION_KEY"]).decrypt(secret).decode() == CLIENT_SECRET
        db.session.remove()
        db.engine.dispose()


def test_setup_in_production_needs_the_key_once_an_organisation_uses_single_sign_on(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path, REQUIRE_SECRET_KEY=True)
    runner = app.test_cli_runner()  # each command in its own app context, as in production
    assert runner.invoke(args=["setup"]).exit_code == 0
    with app.app_context():
        org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(org)
        db.session.commit()
        app.config["SSO_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        connect(org, "https://login.example.org")
    assert runner.invoke(args=["setup"]).exit_code == 0
    app.config["SSO_ENCRYPTION_KEY"] = None

    result = runner.invoke(args=["setup"])

    assert result.exit_code == 1 and "SSO_ENCRYPTION_KEY must be set" in result.output
    with app.app_context():
        db.engine.dispose()


def test_organisations_get_unique_slugs_from_their_names(app):
    first = organisations.create_organisation("Eastbrook Council", Sector.LOCAL_AUTHORITY)
    second = organisations.create_organisation("Eastbrook - Council!", Sector.HEALTH)
    third = organisations.create_organisation("Ysgol Gymraeg", Sector.EDUCATION)
    assert [first.slug, second.slug, third.slug] == [
        "eastbrook-council",
        "eastbrook-council-2",
        "ysgol-gymraeg",
    ]


def test_saving_the_settings_twice_at_once(any_db_app, make_org, make_user, provider):
    org = make_org(name="Eastbrook Council")
    admin = make_user(role=Role.ADMIN)
    statuses = _post_twice(
        any_db_app, f"/organisations/{org.id}/single-sign-on", _form(provider.issuer), admin
    )
    # The second is told someone has just saved them, or saves them again.
    assert set(statuses) <= {200, 303} and 303 in statuses
    assert count(Connection) == 1 and count(Domain) == 2
