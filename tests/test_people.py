"""Managing people: staff edit a learner's details, deactivate and reactivate accounts,
and search, sort and page lists of people; learners change their own name and reset a
forgotten password."""

from __future__ import annotations

import html
import re
import time

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.services import make_password_link
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.content.models import Enrolment
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.reports.data import Filters, learner_ids
from tests.conftest import app_with_schema, build_app, login, sqlite_url
from tests.mailbox import mail_to


@pytest.fixture
def world(make_org, make_user):
    x = make_org(name="Organisation X", teams=("Duty", "Early help"))
    y = make_org(name="Organisation Y")
    return {
        "x": x,
        "y": y,
        "learner": make_user(organisation=x, name="Kim Ali", email="kim@x.example.org"),
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
        "admin": make_user(role=Role.ADMIN),
    }


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def person_url(world, suffix: str = "") -> str:
    return f"/organisations/{world['x'].id}/people/{world['learner'].id}{suffix}"


def details(world, **changes) -> dict:
    learner = world["learner"]
    return {"name": learner.name, "email": learner.email, "team": "none",
            "job_role": learner.job_role.name} | changes  # fmt: skip


def audit_actions(subject: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject == subject)
            .order_by(AuditEvent.id)
        )
    )


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# -- Editing a learner's details ------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator_x", "admin"])
def test_staff_change_a_learners_name_team_and_job_role(client, world, who):
    duty = world["x"].teams[0]
    login(client, world[who])
    assert "Kim Ali" in text(client.get(person_url(world)))
    response = client.post(
        person_url(world),
        data=details(world, name="Kim Aly", team=str(duty.id), job_role=JobRole.TEACHER.name),
    )
    assert response.status_code == 303
    learner = reload(world["learner"])
    assert (learner.name, learner.team_id, learner.job_role) == (
        "Kim Aly",
        duty.id,
        JobRole.TEACHER,
    )
    assert audit_actions(f"user {learner.id}") == ["edit-person: name, team, job role"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.subject == f"user {learner.id}")
    )
    assert event.actor_id == world[who].id


def test_nothing_changed_is_not_audited(client, world):
    login(client, world["coordinator_x"])
    client.post(person_url(world), data=details(world))
    assert audit_actions(f"user {world['learner'].id}") == []


def test_a_team_from_another_organisation_is_refused(client, world, make_org):
    other = make_org(teams=("Elsewhere",))
    login(client, world["coordinator_x"])
    response = client.post(person_url(world), data=details(world, team=str(other.teams[0].id)))
    assert response.status_code == 400  # not an option on the page: tampered
    assert reload(world["learner"]).team_id is None


def test_without_mail_an_email_change_waits_for_the_coordinator_to_confirm(client, world):
    login(client, world["coordinator_x"])
    page = text(client.post(person_url(world), data=details(world, email="Kim.New@X.example.org")))
    assert "Email is not set up" in page and "kim.new@x.example.org" in page.lower()
    assert reload(world["learner"]).email == "kim@x.example.org"  # not yet
    response = client.post(person_url(world, "/email"), data={"email": "Kim.New@X.example.org"})
    assert response.status_code == 303
    assert reload(world["learner"]).email == "kim.new@x.example.org"
    assert audit_actions(f"user {world['learner'].id}") == ["edit-person: email"]
    client.post("/logout")
    assert login(client, reload(world["learner"])).status_code == 302


def test_with_mail_the_new_address_confirms_the_change_by_a_link(client, world, app, monkeypatch):
    sent = []
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *a: sent.append(a))
    app.config["MAIL_SERVER"] = "smtp.example.org"
    login(client, world["coordinator_x"])
    response = client.post(person_url(world), data=details(world, email="kim.new@x.example.org"))
    assert response.status_code == 303
    assert reload(world["learner"]).email == "kim@x.example.org"
    ((to, _subject, body),) = sent
    assert to == "kim.new@x.example.org"
    link = re.search(r"http://localhost(/account/email/\S+)", body).group(1)
    client.post("/logout")
    assert "kim.new@x.example.org" in text(client.get(link))
    assert client.post(link).status_code == 303
    assert reload(world["learner"]).email == "kim.new@x.example.org"
    assert audit_actions(f"user {world['learner'].id}") == ["email-change-sent", "confirm-email"]
    assert client.get(link).status_code == 404  # it works once


def test_an_address_someone_else_has_is_refused(client, world):
    login(client, world["coordinator_x"])
    taken = world["coordinator_y"].email
    page = text(client.post(person_url(world), data=details(world, email=taken)))
    assert "An account with that email address already exists" in page
    assert reload(world["learner"]).email == "kim@x.example.org"


def _unsigned(page: str) -> str:
    """A page without what differs between any two responses: nonces and tokens."""
    return re.sub(r'(nonce|name="csrf_token"(?: type="hidden")? value)="[^"]*"', r"\1", page)


def test_with_mail_an_address_held_elsewhere_reads_as_any_other(client, world, app, make_user):
    """A coordinator cannot find out who has an account in another organisation: the
    page reads as for an address nobody uses, and the holder is told instead. An
    address in the coordinator's own organisation is refused, as they can see it."""
    colleague = make_user(organisation=world["x"], email="sam@x.example.org")
    admin = make_user(role=Role.ADMIN, email="admin@example.org").email
    elsewhere, unused = world["coordinator_y"].email, "kim.new@x.example.org"
    with mail_to(app) as smtp:
        login(client, world["coordinator_x"])
        pages = {
            email: _unsigned(text(client.post(person_url(world), data=details(world, email=email),
                                              follow_redirects=True)).replace(email, "ADDRESS"))
            for email in (elsewhere, admin, unused)
        }  # fmt: skip
        own = text(client.post(person_url(world), data=details(world, email=colleague.email)))
        queue.wait_for_jobs()
    assert pages[elsewhere] == pages[unused] == pages[admin]
    assert "We have emailed ADDRESS a link" in pages[unused]
    assert "An account with that email address already exists" in own
    [notice] = smtp.mailbox.to(elsewhere)
    assert "nothing has been changed" in notice.get_content()
    assert "/account/email/" not in notice.get_content()
    [link] = smtp.mailbox.to(unused)
    assert "/account/email/" in link.get_content()
    assert smtp.mailbox.to(colleague.email) == [] == smtp.mailbox.to(admin)
    assert reload(world["learner"]).email == "kim@x.example.org"


@pytest.mark.parametrize("email", ["", "   ", "not an address", "x" * 400 + "@example.org"])
def test_a_changed_hidden_address_on_the_confirmation_is_refused(client, world, email):
    login(client, world["coordinator_x"])
    response = client.post(person_url(world, "/email"), data={"email": email})
    assert response.status_code == 400
    assert "details the page did not give it" in text(response)
    assert reload(world["learner"]).email == "kim@x.example.org"


def test_coordinators_manage_learners_only(client, world, make_user):
    colleague = make_user(role=Role.COORDINATOR, organisation=world["x"], covers=(world["x"],))
    login(client, world["coordinator_x"])
    for suffix in ("", "/deactivate"):
        url = f"/organisations/{world['x'].id}/people/{colleague.id}{suffix}"
        response = client.post(url) if suffix else client.get(url)
        assert response.status_code == 404
    assert reload(colleague).active


def test_a_person_must_belong_to_the_organisation_in_the_address(client, world, make_user):
    stranger = make_user(organisation=world["y"])
    login(client, world["admin"])
    assert client.get(f"/organisations/{world['x'].id}/people/{stranger.id}").status_code == 404


# -- Deactivating and reactivating ----------------------------------------------------


def test_a_deactivated_learner_cannot_sign_in_and_keeps_their_records(app, world, make_learner):
    learner = make_learner(organisation=world["x"], modules=True)
    coordinator = app.test_client()
    login(coordinator, world["coordinator_x"])
    own = app.test_client()
    assert login(own, learner).status_code == 302
    url = f"/organisations/{world['x'].id}/people/{learner.id}"
    assert coordinator.post(url + "/deactivate").status_code == 303
    assert reload(learner).active is False
    assert own.get("/account").status_code == 302  # signed out everywhere
    assert login(app.test_client(), learner).status_code == 200  # refused
    with app.test_request_context():
        link = make_password_link(reload(learner)).removeprefix("http://localhost")
    assert app.test_client().get(link).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1
    page = text(coordinator.get(f"/organisations/{world['x'].id}"))
    assert "Deactivated" in page and "Reactivate" in page
    assert coordinator.post(url + "/reactivate").status_code == 303
    assert login(app.test_client(), reload(learner)).status_code == 302
    assert audit_actions(f"user {learner.id}") == ["deactivate-account", "reactivate-account"]


def test_reports_leave_deactivated_learners_out_unless_asked(app, world, make_learner):
    active = make_learner(organisation=world["x"])
    gone = make_learner(organisation=world["x"], active=False)
    base = Filters(pathway_id="core", organisation_ids=frozenset({world["x"].id}))
    ids = set(db.session.scalars(learner_ids(base)))
    assert ids == {active.id}
    asked = Filters(pathway_id="core", organisation_ids=base.organisation_ids,
                    include_deactivated=True)  # fmt: skip
    assert set(db.session.scalars(learner_ids(asked))) == {active.id, gone.id}


# -- Lists of people ------------------------------------------------------------------


def test_the_people_table_is_searched_sorted_and_paged(any_db_app, make_org, make_user):
    org = make_org(name="Big")
    for n in range(30):
        make_user(organisation=org, name=f"Learner {n:02d}", email=f"l{n:02d}@big.example.org")
    make_user(organisation=org, name="Sam Lee", email="sam.lee@one.example.org")
    make_user(organisation=org, name="Sam Lee", email="sam.lee@two.example.org")
    make_user(organisation=org, name="100% Sure", email="odd@big.example.org")
    admin = make_user(role=Role.ADMIN)
    client = any_db_app.test_client()
    login(client, admin)
    first = text(client.get(f"/organisations/{org.id}"))
    assert "1 to 25 of 33 people" in first and 'aria-label="Pages of people"' in first
    second = text(client.get(f"/organisations/{org.id}?page=2"))
    assert "26 to 33 of 33 people" in second and "Sam Lee" in second
    # Two people with the same name are told apart by their email addresses.
    both = text(client.get(f"/organisations/{org.id}?q=sam+lee"))
    assert "2 people matching" in both
    assert "sam.lee@one.example.org" in both and "sam.lee@two.example.org" in both
    by_email = text(client.get(f"/organisations/{org.id}?q=two.example"))
    assert "1 person matching" in by_email and "one.example" not in by_email
    literal = text(client.get(f"/organisations/{org.id}?q=%25"))
    assert "1 person matching" in literal and "100% Sure" in literal
    newest_first = text(client.get(f"/organisations/{org.id}?sort=email&order=descending"))
    emails = re.findall(r"<td class=\"govuk-table__cell\">([^<@]+@[^<]+)</td>", newest_first)
    assert emails == sorted(emails, reverse=True) and len(emails) == 25
    assert 'aria-sort="descending"' in newest_first


def test_the_organisation_page_has_no_repeated_ids(client, world, make_user):
    for _ in range(5):
        make_user(organisation=world["x"])
    login(client, world["admin"])
    page = client.get(f"/organisations/{world['x'].id}").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# -- A learner's own name -------------------------------------------------------------


def test_a_learner_changes_their_own_name(client, world):
    login(client, world["learner"])
    assert 'Change<span class="govuk-visually-hidden"> name' in client.get("/account").get_data(
        as_text=True
    )
    assert "Enter your full name" in text(client.post("/account/name", data={"name": "  "}))
    assert client.post("/account/name", data={"name": " Kim Aly "}).status_code == 302
    assert reload(world["learner"]).name == "Kim Aly"


# -- A forgotten password -------------------------------------------------------------


def _reset_page(client, email: str) -> tuple[int, list[str], str]:
    """The status, the headers' names and the page, apart from the address typed and
    the per-response CSP nonce."""
    response = client.post("/password/forgotten", data={"email": email})
    body = response.get_data(as_text=True).replace(html.escape(email), "ADDRESS")
    body = re.sub(r'nonce="[^"]+"', 'nonce=""', body)
    response.close()  # as a server does once the page is sent: the email goes then
    return response.status_code, sorted(response.headers.keys()), body


def test_a_reset_gives_the_same_answer_for_known_and_unknown_addresses(app, world, monkeypatch):
    sent = []
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *a: sent.append(a))
    app.config["MAIL_SERVER"] = "smtp.example.org"
    known, unknown = world["learner"].email, "nobody@x.example.org"
    client = app.test_client()
    assert "Forgot your password?" in text(client.get("/login"))
    assert _reset_page(client, known) == _reset_page(client, unknown)
    status, _headers, page = _reset_page(client, known)
    assert status == 200 and "Check your email" in page
    assert [to for to, *_ in sent] == [known, known]  # sent after each response, none for unknown
    link = re.search(r"http://localhost(/password/\S+)", sent[0][2]).group(1)
    assert client.get(link).status_code == 200  # the existing set-password link


def test_a_reset_for_a_deactivated_account_sends_nothing(app, world, monkeypatch):
    sent = []
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *a: sent.append(a))
    app.config["MAIL_SERVER"] = "smtp.example.org"
    world["learner"].active = False
    db.session.commit()
    status, _headers, _page = _reset_page(app.test_client(), world["learner"].email)
    assert status == 200 and sent == []


def test_a_reset_takes_the_same_time_for_known_and_unknown_addresses(app, world, monkeypatch):
    """The email (slow: an SMTP server) is sent after the response, so it adds nothing."""
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *a: time.sleep(0.5))
    app.config["MAIL_SERVER"] = "smtp.example.org"
    client = app.test_client()

    def timed(email: str) -> float:
        start = time.perf_counter()
        response = client.post("/password/forgotten", data={"email": email})
        elapsed = time.perf_counter() - start
        response.close()
        return elapsed

    timed("warm-up@x.example.org")  # the first request compiles the templates
    assert max(timed(world["learner"].email), timed("nobody@x.example.org")) < 0.4


def test_without_mail_a_reset_says_to_ask_the_coordinator(client, world):
    status, _headers, page = _reset_page(client, world["learner"].email)
    assert status == 200 and "Ask your training coordinator" in page


@pytest.fixture
def throttled_app(tmp_path):
    limits = {"RESET_LIMIT_PER_ACCOUNT": "2 per minute", "RESET_LIMIT_PER_ADDRESS": "4 per minute"}
    app = build_app(sqlite_url(tmp_path), tmp_path, RATELIMIT_ENABLED=True, **limits)
    with app_with_schema(app), app.app_context():
        yield app


def test_reset_requests_are_throttled_per_address_and_per_account(throttled_app):
    client = throttled_app.test_client()
    same = [
        client.post(
            "/password/forgotten",
            data={"email": "a@example.org"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert same == [200, 200, 429]
    many = [
        client.post("/password/forgotten", data={"email": f"p{i}@example.org"}).status_code
        for i in range(5)
    ]
    assert many == [200, 200, 200, 200, 429]
    assert client.get("/password/forgotten").status_code == 200  # views are not counted


# -- Setting up -----------------------------------------------------------------------


def test_a_used_first_admin_link_names_the_command_while_there_is_no_administrator(
    client, make_user
):
    page = text(client.get("/setup/spent"))
    assert "flask --app courseapp first-admin-link" in page
    make_user(role=Role.ADMIN)
    page = text(client.get("/setup/spent"))
    assert "first-admin-link" not in page and "Ask your training coordinator" in page


def test_the_password_hint_states_the_email_rule(client, world):
    with client.application.test_request_context():
        link = make_password_link(world["learner"]).removeprefix("http://localhost")
    assert "any part of your email address" in text(client.get(link))


def test_enrolment_keeps_records_when_deactivated_enrol(app, world):
    """A deactivated learner's enrolment stays, so reactivating restores everything."""
    learner = world["learner"]
    enrol(learner, course().pathways["core"])
    learner.active = False
    db.session.commit()
    assert db.session.scalar(sa.select(Enrolment.user_id)) == learner.id
