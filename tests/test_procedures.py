"""An organisation's local procedures page: edited by its own coordinator or an
administrator, previewed, sanitised, audited, and shown to its own learners only."""

from __future__ import annotations

import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.audit.models import AuditEvent
from courseapp.extensions import db
from courseapp.procedures.models import LocalProcedures
from tests.conftest import PASSWORD, csrf_token_from, login

PAGE = {
    "safeguarding_lead": "**Jo Bloggs**, safeguarding lead: [0131 000 0000](tel:01310000000)",
    "out_of_hours": "Out-of-hours social work: 0800 000 0000",
    "local_services": "- Local Women's Aid\n- Children's support service",
    "marac_referral": "Refer through your safeguarding lead, who holds the MARAC form.",
}


def _edit_url(org) -> str:
    return f"/organisations/{org.id}/procedures"


def test_its_coordinator_writes_the_page_and_the_edit_is_audited(any_db_app, make_org, make_user):
    org = make_org()
    coordinator = make_user(role=Role.COORDINATOR, covers=(org,))
    client = any_db_app.test_client()
    login(client, coordinator)
    form = client.get(_edit_url(org))
    assert form.status_code == 200
    assert "Your designated safeguarding lead" in form.get_data(as_text=True)
    response = client.post(_edit_url(org), data=PAGE | {"submit": "Save and publish"})
    assert response.status_code == 303
    saved = db.session.get(LocalProcedures, org.id)
    assert saved.out_of_hours == PAGE["out_of_hours"]
    assert saved.updated_by == coordinator.id
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.actor_id, e.action, e.subject) for e in events] == [
        (coordinator.id, "edit local procedures", f"organisation {org.id}")
    ]
    again = client.get(_edit_url(org)).get_data(as_text=True)
    assert "Out-of-hours social work: 0800 000 0000" in again  # the form shows what is saved


def test_an_administrator_may_edit_any_organisations_page(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.ADMIN))
    assert client.post(_edit_url(org), data=PAGE | {"submit": "Save"}).status_code == 303
    assert db.session.get(LocalProcedures, org.id) is not None


def test_nobody_else_may_edit_it(client, make_org, make_user):
    org, other = make_org(), make_org()
    login(client, make_user(role=Role.COORDINATOR, covers=(other,)))
    assert client.get(_edit_url(org)).status_code == 404
    assert client.post(_edit_url(org), data=PAGE | {"submit": "Save"}).status_code == 404
    client.post("/logout")
    login(client, make_user(organisation=org))
    assert client.get(_edit_url(org)).status_code == 403
    assert client.post(_edit_url(org), data=PAGE | {"submit": "Save"}).status_code == 403
    assert db.session.get(LocalProcedures, org.id) is None


def test_preview_shows_the_page_without_saving(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    page = client.post(_edit_url(org), data=PAGE | {"preview": "Preview"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Preview: what your learners will see" in html
    assert "<strong>Jo Bloggs</strong>" in html
    assert '<a href="tel:01310000000">0131 000 0000</a>' in html
    assert db.session.get(LocalProcedures, org.id) is None


def test_an_empty_page_is_refused(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    empty = dict.fromkeys(PAGE, "  ")
    response = client.post(_edit_url(org), data=empty | {"submit": "Save"})
    assert response.status_code == 400
    assert "Fill in at least one section" in response.get_data(as_text=True)


def test_what_a_coordinator_writes_is_sanitised(client, make_org, make_user):
    org = make_org()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    hostile = {
        "safeguarding_lead": '<script>alert("x")</script> Call <b onclick="steal()">Sam</b>',
        "out_of_hours": "[ring us](javascript:alert(1)) <img src=x onerror=alert(1)>",
        "local_services": '<a href="https://example.org" style="color:red">Help</a>',
        "marac_referral": "",
    }
    preview = client.post(_edit_url(org), data=hostile | {"preview": "Preview"})
    client.post(_edit_url(org), data=hostile | {"submit": "Save"})
    learner = make_user(organisation=org)
    client.post("/logout")
    login(client, learner)
    shown = client.get("/local-procedures").get_data(as_text=True)
    for html in (preview.get_data(as_text=True), shown):
        # The raw markup never reaches the page (the form's own copy is escaped).
        assert "<script>alert" not in html and "<b onclick" not in html
        assert "<img" not in html and 'href="javascript:' not in html
        assert 'style="color:red"' not in html
        assert '<a href="https://example.org">Help</a>' in html


def test_only_its_own_learners_see_it(client, make_org, make_user):
    org, other = make_org(), make_org()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    client.post(_edit_url(org), data=PAGE | {"submit": "Save"})
    client.post("/logout")

    login(client, make_user(organisation=org))
    own = client.get("/local-procedures").get_data(as_text=True)
    assert "Your local procedures" in own and "0800 000 0000" in own
    assert "0808 2000 247" in own  # the national list follows
    support = client.get("/support").get_data(as_text=True)
    assert 'href="/local-procedures"' in support
    client.post("/logout")

    login(client, make_user(organisation=other))
    elsewhere = client.get("/local-procedures").get_data(as_text=True)
    assert "0800 000 0000" not in elsewhere and "Jo Bloggs" not in elsewhere
    assert "has not added local procedures" in elsewhere
    assert "0808 2000 247" in elsewhere  # the national support list instead
    assert 'href="/local-procedures"' not in client.get("/support").get_data(as_text=True)


def test_a_post_without_a_valid_csrf_token_saves_nothing(csrf_app, make_org, make_user):
    """A stale or forged token is refused: nothing saved, and (as for every form) the
    page comes back with what was typed, to check and send again."""
    org = make_org()
    user = make_user(role=Role.COORDINATOR, covers=(org,))
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    # From our own page (the browser's Origin header): another site's post is refused
    # outright and nothing is kept (tests/security/test_refused_posts.py).
    response = client.post(
        _edit_url(org),
        data=PAGE | {"submit": "Save", "csrf_token": "forged"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 303 and response.headers["Location"] == _edit_url(org)
    assert db.session.get(LocalProcedures, org.id) is None
    again = client.get(_edit_url(org)).get_data(as_text=True)
    assert "We have kept what you typed" in again and "0800 000 0000" in again


def test_deleting_the_organisation_removes_its_page(any_db_app, make_org, make_user):
    org = make_org()
    db.session.add(LocalProcedures(organisation_id=org.id, out_of_hours="0800 000 0000"))
    db.session.commit()
    db.session.delete(org)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalProcedures)) == 0
