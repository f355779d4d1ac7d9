"""A learner who joins with a join code confirms their email address before taking a
test: the link emailed at registration, sent again on request (throttled), refused
when tampered with or expired. Other ways in prove the address already."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from courseapp.accounts import services
from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment.models import TestAttempt
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.jobs import queue
from tests.conftest import app_with_schema, build_app, count, login, sqlite_url
from tests.mailbox import mail_to

EMAIL = "alex.example@example.org"
PRE_TEST = "/pathways/core/tests/pre"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def register(client, org, email: str = EMAIL):
    return client.post(
        f"/register/{org.join_code}",
        data={"name": "Alex Example", "email": email, "job_role": "SOCIAL_WORKER",
              "team": "none", "password": "kettle lantern orchard"},
    )  # fmt: skip


def link_in(message) -> str:
    found = re.search(r"http://localhost(/account/confirm/\S+)", message.get_content())
    return found.group(1)


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_new_learner_confirms_their_address_before_a_test(app, client, make_org):
    org = make_org()
    with mail_to(app) as smtp:
        assert register(client, org).status_code == 302
        queue.wait_for_jobs()
    [message] = smtp.mailbox.to(EMAIL)
    assert message["Subject"].startswith("Confirm your email address")
    link = link_in(message)
    user = db.session.scalar(sa.select(User))
    assert user.email_confirmed_at is None

    page = text(client.get(PRE_TEST))
    assert "Confirm your email address first" in page
    assert EMAIL in page and "Send the link again" in page
    assert "Start the pre-test" not in page
    refused = client.post(PRE_TEST)
    assert refused.headers["Location"] == PRE_TEST
    assert "Confirm your email address before you take a test" in text(client.get(PRE_TEST))
    assert count(TestAttempt) == 0

    opened = text(client.get(link))
    assert "Confirm your email address" in opened and EMAIL in opened
    assert not reload(user).email_confirmed  # opening the link writes nothing
    assert client.post(link).headers["Location"] == link
    confirmed = client.get(link)
    assert confirmed.status_code == 200
    assert "Your email address is confirmed" in text(confirmed)
    assert client.post(link).status_code == 303  # pressed again: nothing changes
    assert reload(user).email_confirmed

    assert "Start the pre-test" in text(client.get(PRE_TEST))
    started = client.post(PRE_TEST)
    assert re.fullmatch(r"/attempts/\d+/pages/1", started.headers["Location"])
    assert count(TestAttempt) == 1


def test_the_link_works_without_signing_in(app, client, make_org):
    org = make_org()
    with mail_to(app) as smtp:
        register(client, org)
        queue.wait_for_jobs()
    anonymous = app.test_client()
    link = link_in(smtp.mailbox.to(EMAIL)[0])
    page = text(anonymous.post(link, follow_redirects=True))
    assert "Your email address is confirmed" in page and "Sign in to continue" in page


@pytest.fixture
def throttled_app(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path, RATELIMIT_ENABLED=True,
                    RESET_LIMIT_PER_ACCOUNT="2 per minute")  # fmt: skip
    with app_with_schema(app), app.app_context():
        yield app


def test_the_link_can_be_sent_again_a_few_times(throttled_app, make_user):
    learner = make_user(email_confirmed_at=None)
    client = throttled_app.test_client()
    login(client, learner)
    with mail_to(throttled_app) as smtp:
        codes = []
        for n in range(3):  # from other addresses: the account's limit, 2 a minute
            sent = client.post(f"/account/confirm?next={PRE_TEST}",
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})  # fmt: skip
            codes.append(sent.status_code)
            if n == 0:
                assert sent.headers["Location"] == PRE_TEST
                page = text(client.get(PRE_TEST))
                assert f"We have sent a new link to {learner.email}" in page
        queue.wait_for_jobs()
    assert codes == [303, 303, 429]
    links = [link_in(message) for message in smtp.mailbox.to(learner.email)]
    assert len(links) == 2
    assert client.post(links[0]).status_code == 303
    assert reload(learner).email_confirmed


def test_a_confirmed_address_is_not_sent_another_link(app, client, make_user):
    learner = make_user()
    login(client, learner)
    with mail_to(app) as smtp:
        assert client.post("/account/confirm").status_code == 303
        queue.wait_for_jobs()
    assert smtp.mailbox.messages == []


def test_a_tampered_expired_or_outdated_link_is_refused_clearly(app, client, make_user):
    learner = make_user(email_confirmed_at=None)
    with app.test_request_context():
        path = services.make_confirmation_link(learner).removeprefix("http://localhost")
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    for bad in (tampered, "/account/confirm/not-a-token", "/account/confirm/%00"):
        for response in (client.get(bad), client.post(bad)):
            assert response.status_code == 404
            assert "This link does not work" in text(response)
            assert "send the link again" in text(response)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.post(path).status_code == 404
    app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    learner.email = "alex.new@example.org"  # a link for the old address no longer works
    db.session.commit()
    assert client.post(path).status_code == 404
    assert not reload(learner).email_confirmed


def test_without_mail_the_coordinator_confirms_the_address(app, client, make_org, make_user):
    org, other = make_org(), make_org()
    assert register(client, org).status_code == 302
    page = text(client.get(PRE_TEST))
    assert "ask your training coordinator to confirm your address" in page
    assert "Send the link again" not in page
    learner = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    url = f"/organisations/{org.id}/people/{learner.id}"

    staff = app.test_client()
    login(staff, make_user(role=Role.COORDINATOR, organisation=other, covers=(other,)))
    elsewhere = f"/organisations/{other.id}/people/{learner.id}/confirm-address"
    assert staff.post(elsewhere).status_code == 404
    assert staff.post(url + "/confirm-address").status_code == 404
    staff = app.test_client()
    login(staff, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    assert "Email address not confirmed" in text(staff.get(url))
    assert staff.post(url + "/confirm-address").status_code == 303
    assert reload(learner).email_confirmed
    assert "Email address not confirmed" not in text(staff.get(url))
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject == f"user {learner.id}")
    )
    assert list(actions) == ["confirm-address"]
    assert "Start the pre-test" in text(client.get(PRE_TEST))


def test_setting_a_password_from_an_emailed_link_confirms_the_address(app, client, make_user):
    """Invited learners (an import) and coordinators set their password from a link sent
    to their address: that proves it."""
    learner = make_user(password=None, email_confirmed_at=None)
    enrol(learner, course().pathways["core"])
    db.session.commit()
    with app.test_request_context():
        path = services.make_password_link(learner).removeprefix("http://localhost")
    client.post(path, data={"password": "brand new passphrase"})
    assert reload(learner).email_confirmed
    login(client, learner, "brand new passphrase")
    assert client.post(PRE_TEST).headers["Location"].endswith("/pages/1")


def test_single_sign_on_and_first_administrators_are_confirmed_at_once(app, make_org):
    org = make_org()

    def joining(email: str, password: str | None) -> services.Registration:
        return services.Registration(name="Sam", email=email, password=password,
                                     job_role=JobRole.SOCIAL_WORKER, team_id=None)  # fmt: skip

    assert services.register_learner(org, joining("sam@example.org", None)).email_confirmed
    admin = services.create_admin("Ada Admin", "ada@example.org", "kettle lantern orchard")
    assert admin.email_confirmed
    with_password = joining("kim@example.org", "kettle lantern orchard")
    assert not services.register_learner(org, with_password).email_confirmed


def test_changing_the_address_by_its_link_keeps_it_confirmed(app, client, make_user):
    learner = make_user()
    with app.test_request_context():
        path = services.make_email_change_link(learner, "alex.new@example.org")
    client.post(path.removeprefix("http://localhost"))
    changed = reload(learner)
    assert changed.email == "alex.new@example.org" and changed.email_confirmed
