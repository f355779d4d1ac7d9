"""Signing in with an organisation's OpenID Provider, against a real one (the
`oidc-provider` package, started by tests/oidc/conftest.py): first sign-in, later
sign-ins by subject, linking, sign-out, and every refusal leaving nothing behind."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from courseapp.privacy.erasure import erase_learner
from courseapp.sso.connections import connection_for
from courseapp.sso.models import Identity
from courseapp.sso.services import GOOGLE_ISSUER, SignInRefused, check_claims
from tests.conftest import PASSWORD, count, login
from tests.oidc.conftest import DOMAIN, connect, param, sign_in, start, with_param
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, TEST_REDIRECT_URI
from tests.test_concurrency import at_once

SLUG = "eastbrook-council"


def _signed_in_user(client) -> User | None:
    with client.session_transaction() as session:
        token = session.get("_user_id")
    return db.session.scalar(sa.select(User).where(User.session_token == token)) if token else None


def _first_sign_in(client, provider, login_name="alex", team=None):
    response = sign_in(client, provider, SLUG, login_name)
    assert response.status_code == 302 and response.headers["Location"] == "/sso/your-details"
    page = client.get("/sso/your-details").get_data(as_text=True)
    assert "Tell us about your work" in page
    return client.post(
        "/sso/your-details",
        data={"job_role": JobRole.SOCIAL_WORKER.name, "team": str(team) if team else "none"},
    )


def test_first_sign_in_creates_and_enrols_the_learner_in_the_right_organisation(
    any_db_app, provider
):
    westshire = Organisation(name="Westshire", sector=Sector.HEALTH)
    db.session.add(westshire)
    db.session.commit()
    connect(westshire, provider.issuer, domains=("westshire.nhs.uk",), client_id="westshire")
    eastbrook = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
    db.session.add(eastbrook)
    db.session.commit()
    connect(eastbrook, provider.issuer)
    client = any_db_app.test_client()

    response = _first_sign_in(client, provider)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(sa.select(User).where(User.email == "alex.morgan@eastbrook.gov.uk"))
    assert (user.name, user.organisation_id, user.role) == (
        "Alex Morgan",
        eastbrook.id,
        Role.LEARNER,
    )
    assert user.job_role is JobRole.SOCIAL_WORKER and user.password_hash is None
    identity = db.session.scalar(sa.select(Identity).where(Identity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (provider.issuer, "alex")
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.pathway_id == course().pathway_for_job_role(JobRole.SOCIAL_WORKER.name).id
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert events == ["sso.first_sign_in"]
    assert _signed_in_user(client).id == user.id
    assert "Your account" in client.get("/account").get_data(as_text=True)


def test_first_sign_in_asks_once_and_places_the_learner_in_their_team(app, eastbrook, provider):
    client = app.test_client()
    team = eastbrook.teams[1]
    assert _first_sign_in(client, provider, team=team.id).status_code == 302
    user = _signed_in_user(client)
    assert user.team_id == team.id
    client.post("/logout")
    # The second time there is no question: the person is found and signed in.
    response = sign_in(client, provider, SLUG, "alex")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert count(User) == 1 and count(Identity) == 1


def test_mapped_claims_answer_the_question_and_never_grant_coordinator_rights(
    app, eastbrook, provider
):
    connection = connection_for(eastbrook)
    connection.team_claim, connection.job_role_claim = "team", "job_title"
    db.session.commit()
    provider.update_account("sam", roles=["coordinator", "admin"], role="coordinator")
    client = app.test_client()

    response = sign_in(client, provider, SLUG, "sam")

    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = _signed_in_user(client)
    assert user.team.name == "Children's services east"
    assert user.job_role is JobRole.SOCIAL_WORKER and user.role is Role.LEARNER
    assert user.covered_organisations == []


def test_a_later_sign_in_finds_the_person_by_subject_after_their_email_changes(
    app, eastbrook, provider
):
    client = app.test_client()
    _first_sign_in(client, provider)
    first = _signed_in_user(client)
    client.post("/logout")
    provider.update_account("alex", email="alex.morgan-jones@eastbrook.gov.uk")

    response = sign_in(client, provider, SLUG, "alex")

    assert response.status_code == 302 and response.headers["Location"] == "/"
    again = _signed_in_user(client)
    assert again.id == first.id and again.email == "alex.morgan-jones@eastbrook.gov.uk"
    assert count(User) == 1 and count(Identity) == 1
    assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["sso.first_sign_in"]


def test_an_existing_account_is_linked_only_after_its_password_is_proved(
    app, eastbrook, provider, make_user
):
    existing = make_user(email="alex.morgan@eastbrook.gov.uk", organisation=eastbrook)
    client = app.test_client()

    response = sign_in(client, provider, SLUG, "alex")
    assert response.headers["Location"] == "/sso/link"
    assert _signed_in_user(client) is None
    wrong = client.post("/sso/link", data={"password": "not the password at all"})
    assert "The password is not correct" in wrong.get_data(as_text=True)
    assert count(Identity) == 0 and _signed_in_user(client) is None

    right = client.post("/sso/link", data={"password": PASSWORD})

    assert right.status_code == 302 and _signed_in_user(client).id == existing.id
    assert count(User) == 1 and count(Identity) == 1
    assert "sso.linked" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_sign_out_ends_the_session_and_offers_the_providers_end_session_address(
    app, eastbrook, provider
):
    client = app.test_client()
    _first_sign_in(client, provider)

    response = client.post("/logout")

    assert response.status_code == 303 and response.headers["Location"] == "/signed-out"
    assert _signed_in_user(client) is None
    page = client.get("/signed-out").get_data(as_text=True)
    assert f'href="{provider.url}/session/end?' in page
    assert "client_id=courseapp" in page
    assert client.get("/account").status_code == 302


# Refusals: each gives a clear page, signs nobody in and saves nothing.


def _assert_refused(client, response, words: str, status: int = 403) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    assert "You could not be signed in" in page and words in page
    assert _signed_in_user(client) is None
    db.session.rollback()
    assert count(User) == 0 and count(Identity) == 0 and count(AuditEvent) == 0


def test_a_token_issued_to_another_service_is_refused(app, eastbrook, provider):
    client = app.test_client()
    url = start(client, SLUG)
    provider.serve_next_id_token(provider.real_id_token(param(url, "nonce")))
    back = provider.sign_in(url, "alex", TEST_REDIRECT_URI)
    response = client.get(back.removeprefix("http://localhost"))
    _assert_refused(client, response, "issued for a different service")


def test_a_token_from_another_issuer_is_refused(app, impostor):
    org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
    db.session.add(org)
    db.session.commit()
    connect(org, impostor.url)  # it answers there, but names another issuer in its tokens
    client = app.test_client()
    _assert_refused(client, sign_in(client, impostor, SLUG), "different sign-in service")


def test_an_expired_token_is_refused(app, slow_clock):
    org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
    db.session.add(org)
    db.session.commit()
    connect(org, slow_clock.issuer)
    client = app.test_client()
    _assert_refused(client, sign_in(client, slow_clock, SLUG), "it had expired")


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    app, eastbrook, provider, impostor
):
    client = app.test_client()
    url = start(client, SLUG)
    ours = (CLIENT_ID, CLIENT_SECRET, TEST_REDIRECT_URI)
    provider.serve_next_id_token(impostor.real_id_token(param(url, "nonce"), client=ours))
    back = provider.sign_in(url, "alex", TEST_REDIRECT_URI)
    response = client.get(back.removeprefix("http://localhost"))
    _assert_refused(client, response, "signature did not match")


def test_a_replayed_state_is_refused(app, eastbrook, provider):
    client = app.test_client()
    url = start(client, SLUG)
    back = provider.sign_in(url, "alex", TEST_REDIRECT_URI).removeprefix("http://localhost")
    with client.session_transaction() as session:
        before = dict(session)
    assert client.get(back).headers["Location"] == "/sso/your-details"

    _assert_refused(client, client.get(back), "already been used", status=400)

    # The same answer with the cookie from before it was used: the provider has spent
    # the code, so the app cannot finish the sign-in either.
    with client.session_transaction() as session:
        session.update(before)
    _assert_refused(client, client.get(back), "did not complete the sign-in")


@pytest.mark.parametrize("nonce", [None, "a-nonce-from-another-sign-in"])
def test_a_missing_or_wrong_nonce_is_refused(app, eastbrook, provider, nonce):
    client = app.test_client()
    response = sign_in(client, provider, SLUG, change=lambda url: with_param(url, "nonce", nonce))
    _assert_refused(client, response, "did not belong to this sign-in")


def test_an_unverified_email_address_is_refused(app, eastbrook, provider):
    client = app.test_client()
    response = sign_in(client, provider, SLUG, "unverified")
    _assert_refused(client, response, "has not confirmed your email address")


def test_an_address_without_email_verified_needs_the_provider_to_be_trusted(
    app, eastbrook, provider
):
    client = app.test_client()
    _assert_refused(client, sign_in(client, provider, SLUG, "no-claim"), "has not confirmed")
    connection_for(eastbrook).trust_unverified_claim = True
    db.session.commit()
    response = sign_in(client, provider, SLUG, "no-claim")
    assert response.headers["Location"] == "/sso/your-details"


def test_a_domain_that_belongs_to_no_organisation_is_refused(app, eastbrook, provider):
    client = app.test_client()
    response = sign_in(client, provider, SLUG, "outsider")
    _assert_refused(client, response, "ends in elsewhere.example")


def test_a_deactivated_person_is_refused(app, eastbrook, provider):
    client = app.test_client()
    _first_sign_in(client, provider)
    client.post("/logout")
    user = db.session.scalar(sa.select(User))
    user.active = False
    db.session.commit()
    before = (count(User), count(Identity), count(AuditEvent))

    response = sign_in(client, provider, SLUG, "alex")

    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "has been switched off" in page
    assert _signed_in_user(client) is None
    assert (count(User), count(Identity), count(AuditEvent)) == before


def test_a_deactivated_local_account_is_not_linked(app, eastbrook, provider, make_user):
    make_user(email="alex.morgan@eastbrook.gov.uk", organisation=eastbrook, active=False)
    client = app.test_client()
    response = sign_in(client, provider, SLUG, "alex")
    assert response.status_code == 403 and "switched off" in response.get_data(as_text=True)
    assert count(Identity) == 0


# Sign-in page.


def test_the_sign_in_page_offers_the_organisation_account_for_a_connected_domain(app, eastbrook):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Use your organisation account" in page

    offer = client.post("/login", data={"email": f"someone@{DOMAIN}", "password": ""})

    text = offer.get_data(as_text=True)
    assert offer.status_code == 200 and "Continue to Eastbrook Council sign-in" in text
    assert f"/login/{SLUG}?hint=someone@{DOMAIN}" in text
    button = client.post("/login", data={"email": f"someone@{DOMAIN}", "organisation": "yes"})
    assert "Continue to Eastbrook Council sign-in" in button.get_data(as_text=True)
    other = client.post(
        "/login", data={"email": "someone@elsewhere.example", "organisation": "yes"}
    )
    assert "has not set up its own sign-in" in other.get_data(as_text=True)
    assert "Enter your password" in client.post(
        "/login", data={"email": "someone@elsewhere.example", "password": ""}
    ).get_data(as_text=True)
    assert client.get("/login/no-such-organisation").status_code == 404


def test_password_sign_in_is_refused_when_the_organisation_allows_only_its_own(
    app, eastbrook, make_user
):
    connection_for(eastbrook).allow_passwords = False
    db.session.commit()
    member = make_user(organisation=eastbrook, email="pat@eastbrook.gov.uk")
    admin = make_user(role=Role.ADMIN, organisation=eastbrook, email="admin@eastbrook.gov.uk")
    client = app.test_client()

    refused = login(client, member)

    assert refused.status_code == 200 and _signed_in_user(client) is None
    assert "asks its staff to sign in with their organisation account" in refused.get_data(
        as_text=True
    )
    assert login(app.test_client(), admin).status_code == 302


def test_the_work_account_is_in_the_persons_download_and_goes_when_they_are_erased(
    app, eastbrook, provider, make_user
):
    client = app.test_client()
    _first_sign_in(client, provider)
    data = json.loads(client.get("/account/your-data.json").get_data(as_text=True))
    assert [(a["issuer"], a["subject"]) for a in data["organisation_accounts"]] == [
        (provider.issuer, "alex")
    ]
    user = db.session.scalar(sa.select(User))
    erase_learner(user, make_user(role=Role.ADMIN))
    db.session.commit()
    assert count(User) == 1 and count(Identity) == 0


def test_google_workspace_sign_ins_must_name_one_of_the_organisations_domains(app, eastbrook):
    connection = connection_for(eastbrook)
    connection.issuer = GOOGLE_ISSUER
    claims = {"sub": "1", "email": f"alex@{DOMAIN}", "email_verified": True}
    with pytest.raises(SignInRefused, match="Google Workspace accounts"):
        check_claims(connection, claims)
    with pytest.raises(SignInRefused, match="Google Workspace accounts"):
        check_claims(connection, claims | {"hd": "gmail.com"})
    assert check_claims(connection, claims | {"hd": DOMAIN}) == f"alex@{DOMAIN}"


def test_sending_the_first_sign_in_form_twice_at_once(any_db_app, provider):
    org = Organisation(name="Eastbrook Council", sector=Sector.LOCAL_AUTHORITY)
    db.session.add(org)
    db.session.commit()
    connect(org, provider.issuer)
    first = any_db_app.test_client()
    assert sign_in(first, provider, SLUG).headers["Location"] == "/sso/your-details"
    second = any_db_app.test_client()
    second.set_cookie("session", first.get_cookie("session").value)
    data = {"job_role": JobRole.TEACHER.name, "team": "none"}
    db.session.rollback()
    statuses: list[int] = []
    at_once(
        *(lambda c=c: statuses.append(c.post("/sso/your-details", data=data).status_code)
          for c in (first, second))
    )  # fmt: skip
    # One creates the account; the other is told it exists (or that it is done).
    assert sorted(statuses) == [302, 400]
    assert count(User) == 1 and count(Identity) == 1 and count(Enrolment) == 1


def test_the_providers_error_words_are_not_shown_from_a_link(app, eastbrook):
    """Anyone can link to the callback with an error description: it is not repeated."""
    client = app.test_client()
    response = client.get(
        "/sso/callback?state=1.x&error=access_denied&error_description=Call+0800+000+000"
    )
    _assert_refused(client, response, "did not complete the sign-in")
    assert "0800" not in response.get_data(as_text=True)
