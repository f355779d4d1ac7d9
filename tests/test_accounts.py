"""Registration by join code, signing in, passwords, one-time links and the first administrator."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from courseapp.accounts import services
from courseapp.accounts.models import Role, User
from courseapp.accounts.passwords import hash_password, policy_problems
from courseapp.extensions import db
from courseapp.mail import unsubscribe_token
from courseapp.privacy.erasure import erase_learner
from tests.conftest import PASSWORD, build_app, login, sqlite_url


def registration(team_id, **changes):
    data = {
        "name": "Alex Example",
        "email": "Alex.Example@Example.org",
        "job_role": "HEALTH_VISITOR",
        "team": str(team_id),
        "password": "kettle lantern orchard",
    }
    data.update(changes)
    return data


def test_join_code_leads_to_the_organisations_registration_form(client, make_org):
    org = make_org(name="Northshire Council", teams=("Family support",))
    typed = org.join_code.lower()[:4] + " - " + org.join_code.lower()[4:]
    response = client.post("/register", data={"code": typed})
    assert response.headers["Location"] == f"/register/{org.join_code}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Northshire Council" in page and "Family support" in page


@pytest.mark.parametrize("switched_off", [False, True])
def test_unknown_or_switched_off_code_is_refused(client, make_org, switched_off):
    org = make_org(join_enabled=not switched_off)
    code = org.join_code if switched_off else "ZZZZ9999"
    response = client.post("/register", data={"code": code})
    assert response.status_code == 200
    assert "not recognised or has been switched off" in response.get_data(as_text=True)
    assert client.get(f"/register/{code}").status_code == 404


def test_registration_creates_a_signed_in_learner(client, make_org):
    org = make_org(teams=("Family support",))
    response = client.post(f"/register/{org.join_code}", data=registration(org.teams[0].id))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "alex.example@example.org"
    assert user.role is Role.LEARNER and user.organisation_id == org.id
    assert user.team_id == org.teams[0].id
    assert user.password_hash.startswith("$argon2id$")
    assert "Alex Example" in client.get("/").get_data(as_text=True)


def test_registration_without_a_listed_team(client, make_org):
    org = make_org(teams=("Family support",))
    client.post(f"/register/{org.join_code}", data=registration("none"))
    assert db.session.scalar(sa.select(User.team_id)) is None


def test_registration_refuses_an_existing_email_in_any_case(client, make_org, make_user):
    org = make_org(teams=("A",))
    make_user(email="alex.example@example.org")
    response = client.post(f"/register/{org.join_code}", data=registration(org.teams[0].id))
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_registration_shows_every_problem_and_keeps_what_was_typed(client, make_org):
    org = make_org(teams=("A",))
    response = client.post(
        f"/register/{org.join_code}",
        data=registration("", email="not-an-email", password="short", job_role=""),
    )
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    for message in [
        "Enter an email address in the correct format",
        "Choose your job role",
        "Choose your team",
        "at least 12 characters",
    ]:
        assert message in page
    assert 'value="Alex Example"' in page
    assert page.count("<title>Error:") == 1


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "at least 12 characters"),
        ("x" * 129, "128 characters or fewer"),
        ("Password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("alexexample-is-me", "must not contain your name"),
        ("kettle lantern orchard", None),
        ("ÅngströmÅngström✓", None),
        ("x" * 64 + " y", None),
    ],
)
def test_password_policy(password, problem):
    problems = policy_problems(password, personal=("Alex", "alexexample", "example", "org"))
    if problem is None:
        assert problems == []
    else:
        assert problem in problems[0]


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user(email="known@example.org")

    def attempt(email: str):
        response = client.post("/login", data={"email": email, "password": "not the password!"})
        body = response.get_data(as_text=True)
        body = re.sub(r'value="[^"]*@example.org"', "", body)  # the echoed address differs
        body = re.sub(r"nonce[-=]\"?[\w-]+", "", body)
        return response.status_code, body

    assert attempt(user.email) == attempt("unknown@example.org")
    assert "The email address or password is not correct" in attempt(user.email)[1]


def test_sign_in_ignores_email_case_and_rehashes_old_hashes(client, app, make_user):
    user = make_user(email="case@example.org")
    app.config["ARGON2_TIME_COST"] = 2
    app.extensions.pop("courseapp.password_hasher")
    response = client.post("/login", data={"email": " CASE@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert "t=2" in user.password_hash


def test_deactivated_account_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    assert login(client, user).status_code == 200


def test_change_password_needs_the_current_one(client, make_user):
    user = make_user()
    login(client, user)
    response = client.post(
        "/account/password", data={"current_password": "wrong!", "password": "new long passphrase"}
    )
    assert "current password is not correct" in response.get_data(as_text=True)
    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "new long passphrase"},
    )
    client.post("/logout")
    assert login(client, user, "new long passphrase").status_code == 302


def test_password_link_works_once(client, make_user, app):
    user = make_user()
    with app.test_request_context():
        link = services.make_password_link(user)
    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "brand new passphrase"})
    assert response.headers["Location"] == "/login"
    assert client.get(path).status_code == 404
    assert login(client, user, "brand new passphrase").status_code == 302


def test_password_link_expires(client, make_user, app):
    user = make_user()
    with app.test_request_context():
        link = services.make_password_link(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(link.removeprefix("http://localhost")).status_code == 404


def test_an_erased_learners_links_do_not_open_the_account_that_gets_their_id(
    client, make_org, make_user, app
):
    """SQLite gives a new row the highest id again once that row is deleted, so an
    erased learner's id can be a new person's: a set-password link, or a reminder's
    link to stop reminders, sent to the erased learner must not act on the new one."""
    org = make_org()
    admin = make_user(Role.ADMIN)
    gone = make_user(organisation=org, password=None)
    with app.test_request_context():
        link = services.make_password_link(gone).removeprefix("http://localhost")
        unsubscribe = unsubscribe_token(gone.id, gone.email)
    old_id = gone.id
    erase_learner(gone, admin)
    db.session.commit()
    newcomer = make_user(organisation=make_org(), password=None)
    assert newcomer.id == old_id  # the id SQLite gave again
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": "brand new passphrase"}).status_code == 404
    assert client.get(f"/unsubscribe/{unsubscribe}").status_code == 404
    assert db.session.get(User, old_id).password_hash is None


def test_a_password_link_stops_working_when_the_address_changes(client, make_user, app):
    user = make_user(password=None)
    with app.test_request_context():
        link = services.make_password_link(user).removeprefix("http://localhost")
    user.email = "moved@example.org"
    db.session.commit()
    assert client.get(link).status_code == 404


def test_forged_password_link_is_refused(client):
    assert client.get("/password/eyJ1IjoxfQ.forged.signature").status_code == 404


@pytest.fixture
def fresh_app(tmp_path):
    """An app on an empty database, as on a fresh install."""
    app = build_app(sqlite_url(tmp_path), tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_setup_prints_a_first_admin_link_that_works_once(fresh_app):
    runner, client = fresh_app.test_cli_runner(), fresh_app.test_client()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https?://\S+/setup/\S+", result.output).group(0)
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    response = client.post(
        path,
        data={"name": "Ada Admin", "email": "ada@example.org", "password": "orange tiger mountain"},
    )
    assert response.headers["Location"] == "/organisations/"
    admin = db.session.scalar(sa.select(User))
    assert admin.role is Role.ADMIN
    assert client.get(path).status_code == 404
    again = runner.invoke(args=["setup"])
    assert "/setup/" not in again.output
    assert runner.invoke(args=["first-admin-link"]).exit_code == 1


def test_no_default_accounts_exist(fresh_app):
    fresh_app.test_cli_runner().invoke(args=["setup"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_password_hashes_are_argon2id_with_configured_cost(app):
    hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
