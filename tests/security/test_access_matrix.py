"""Who may use which route: every rule in app.url_map, by every method it takes, for the
six kinds of visitor in tests/security/access.py. The expected status for each visitor
is generated from the access declared for the route, so a route added without a
declaration fails test_every_route_has_an_access_rule. Every POST also refuses a
request without a valid CSRF token."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from courseapp.extensions import db
from tests.conftest import login
from tests.security.access import ACCESS, SIGN_IN, VISITORS, World


def routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_access_rule(app):
    served = routes(app)
    assert served - ACCESS.keys() == set(), "routes with no declared access"
    assert ACCESS.keys() - served == set(), "declared access for routes that do not exist"


def _status(app: Flask, world: World, visitor: str, endpoint: str, method: str):
    access = ACCESS[(endpoint, method)]
    client = app.test_client()
    if visitor != "anonymous":
        assert login(client, world.users[visitor]).status_code == 302
    with app.test_request_context():
        url = url_for(endpoint, **access.url(world))
    with client.open(url, method=method, data=access.data) as response:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/login?next="):
            return SIGN_IN, url
        return response.status_code, url


@pytest.mark.parametrize(
    ("endpoint", "method"), sorted(ACCESS), ids=[f"{m} {e}" for e, m in sorted(ACCESS)]
)
def test_access(app, world, endpoint, method):
    """Visitors who are refused go first, so that a change made by one who is allowed
    (a new join code, an erasure) cannot hide a refusal."""
    expected = ACCESS[(endpoint, method)].expected
    order = sorted(VISITORS, key=lambda v: expected[v] in (200, 302, 303, 400))
    seen = {}
    for visitor in order:
        seen[visitor], url = _status(app, world, visitor, endpoint, method)
    assert seen == expected, f"{method} {url}"


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to show that a request changed nothing."""
    db.session.rollback()
    snapshot = {
        table.name: sorted(map(repr, db.session.execute(table.select())))
        for table in db.metadata.sorted_tables
    }
    db.session.rollback()
    return snapshot


def _genuine_token_of_another_browser(app: Flask) -> str:
    with app.test_client() as other:
        page = other.get("/login").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


# One-click unsubscribe (RFC 8058): a mail client posts the signed link without any
# session or form, so the link's own signature is the proof (tests/test_jobs.py checks
# that a forged one changes nothing).
CSRF_EXEMPT = {"notices.unsubscribe_post"}


@pytest.mark.parametrize("token", ["missing", "forged", "another browser's"])
def test_every_post_route_refuses_a_missing_or_forged_csrf_token(app, world, token):
    """With CSRF protection on (as outside tests), every POST, sent by someone who may
    use the route, is refused and changes nothing. (A refused form is kept for the user
    to send again: see tests/test_security.py.)"""
    app.config["WTF_CSRF_ENABLED"] = True
    sent = {"missing": None, "forged": "forged-token",
            "another browser's": _genuine_token_of_another_browser(app)}[token]  # fmt: skip
    posts = sorted((e, m) for e, m in ACCESS if m == "POST" and e not in CSRF_EXEMPT)
    assert len(posts) >= 20
    before = database_snapshot()
    for endpoint, method in posts:
        access = ACCESS[(endpoint, method)]
        allowed = next(
            (v for v in VISITORS if access.expected[v] in (200, 302, 303, 400)), "anonymous"
        )
        client = app.test_client()
        if allowed != "anonymous":
            with client.session_transaction() as session:
                session["_user_id"] = world.users[allowed].session_token
                session["_fresh"] = True
        with app.test_request_context():
            url = url_for(endpoint, **access.url(world))
        data = dict(access.data) | ({"csrf_token": sent} if sent else {})
        # From our own page, as the browser's Origin header says: such a post is sent
        # back to be checked (another site's is refused outright: test_refused_posts).
        response = client.post(url, data=data, headers={"Origin": "http://localhost"})
        assert response.status_code == 303, f"{endpoint}: {response.status_code}"
        assert database_snapshot() == before, f"{endpoint} changed data without a valid token"
