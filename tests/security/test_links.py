"""Absolute links come from BASE_URL, never from the request's Host header: a request
sent with `Host: evil.example` must not make a set-password link (or any other link
that is emailed, printed or shown to pass on) that points there."""

from __future__ import annotations

import html
import io
import re

import pytest
from flask import render_template

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.catalogue import course
from courseapp.cohorts.models import Cohort
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.links import external_url
from tests.conftest import PASSWORD
from tests.mailbox import mail_to

BASE = "https://learn.example.org"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def site(app):
    app.config["BASE_URL"] = BASE
    return app


@pytest.fixture
def outbox(site, monkeypatch) -> list[tuple[str, str, str]]:
    sent: list[tuple[str, str, str]] = []
    monkeypatch.setattr("courseapp.accounts.services.send_email", lambda *a: sent.append(a))
    site.config["MAIL_SERVER"] = "smtp.example.org"
    return sent


def login(client, user) -> None:
    """Sign in through the same Host header, so the session cookie goes with it."""
    client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=EVIL)


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<\"']+", html.unescape(text))


def assert_only_base_links(text: str, expected_path: str) -> None:
    found = links_in(text)
    assert any(link.startswith(f"{BASE}{expected_path}") for link in found), found
    assert "evil.example" not in text


def test_a_shown_set_password_link_ignores_the_host_header(site, client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.ADMIN))
    page = client.post(
        f"/organisations/{org.id}/coordinators/new",
        data={"name": "Casey Coordinator", "email": "casey@example.org"},
        headers=EVIL,
    )
    assert_only_base_links(page.get_data(as_text=True), "/password/")


def test_an_emailed_set_password_link_ignores_the_host_header(outbox, client, make_org, make_user):
    org = make_org()
    learner = make_user(organisation=org)
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    client.post(f"/organisations/{org.id}/members/{learner.id}/password-link", headers=EVIL)
    (to, _subject, body) = outbox[0]
    assert to == learner.email
    assert_only_base_links(body, "/password/")


def test_csv_import_emails_ignore_the_host_header(site, client, make_org, make_user):
    org = make_org()
    cohort = Cohort(organisation=org, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    with mail_to(site) as smtp:
        preview = client.post(
            f"/cohorts/{cohort.id}/imports/new",
            data={"csv_file": (io.BytesIO(b"name,email\nBo,bo@example.org\n"), "people.csv")},
            content_type="multipart/form-data",
            headers=EVIL,
        )
        client.post(f"{preview.headers['Location']}/confirm", headers=EVIL)
        client.post(f"{preview.headers['Location']}/email-links", headers=EVIL)  # "Send all links"
        queue.wait_for_jobs()
    [message] = smtp.mailbox.messages
    assert message["To"] == "bo@example.org"
    assert_only_base_links(message.get_content(), "/password/")


def test_certificate_verification_links_ignore_the_host_header(site, client, make_learner):
    learner = make_learner(modules=True)
    certificate = Certificate(user_id=learner.id, pathway_id="core", minutes=240)
    db.session.add(certificate)
    db.session.commit()
    login(client, learner)
    page = client.get("/pathways/core/certificate", headers=EVIL).get_data(as_text=True)
    assert_only_base_links(page, f"/certificates/{certificate.code}")
    with site.test_request_context(headers=EVIL):
        pdf_source = render_template(
            "assessment/certificate_pdf.html",
            certificate=certificate,
            pathway=course().pathways["core"],
            learner=learner,
        )
    assert_only_base_links(pdf_source, f"/certificates/{certificate.code}")


def test_a_cohort_join_link_ignores_the_host_header(site, client, make_org, make_user):
    org = make_org()
    cohort = Cohort(organisation=org, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    page = client.get(f"/cohorts/{cohort.id}", headers=EVIL).get_data(as_text=True)
    assert_only_base_links(page, f"/register/{cohort.join_code}")


def test_the_first_administrator_link_uses_base_url(site):
    result = site.test_cli_runner().invoke(args=["first-admin-link"])
    assert result.output.strip().startswith(f"{BASE}/setup/")


def test_base_url_with_a_path_prefix(site, make_user):
    site.config["BASE_URL"] = "https://example.org/learning/"
    assert external_url("accounts.login") == "https://example.org/learning/login"
