"""The security baseline: kept forms, cookies, sessions, throttling, headers, redirects,
errors. (Every route's access and CSRF check: tests/security/.)"""

from __future__ import annotations

import re
import time
import uuid

import flask_wtf.csrf
import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner
from werkzeug.datastructures import MultiDict

from courseapp.accounts.models import Role, User
from courseapp.assessment import attempts
from courseapp.assessment.models import Phase, TestAttempt
from courseapp.config import ProductionConfig
from courseapp.extensions import db, limiter
from courseapp.forms import EXPIRED_MESSAGE
from tests.conftest import (
    PASSWORD,
    app_with_schema,
    build_app,
    csrf_token_from,
    login,
    redis_test_url,
    right_answers,
    sqlite_url,
)


def test_expired_form_comes_back_with_what_was_typed(csrf_app, make_org, make_user):
    org = make_org()
    learner = make_user(organisation=org, name="Sam Learner")
    client = csrf_app.test_client()
    # The page was left open; meanwhile the session cookie expired (simulated by a fresh client).
    response = client.post(
        "/login",
        data={"email": learner.email, "password": PASSWORD, "csrf_token": "expired-token"},
        headers={"Origin": "http://localhost"},  # as a browser sends with every form post
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{learner.email}"' in page
    assert EXPIRED_MESSAGE.split(",")[0] in page
    assert PASSWORD not in page  # passwords are never kept or refilled


def test_expired_form_survives_signing_in_again(csrf_app, make_org, make_user):
    """A coordinator's session ends while typing; after signing in again, the text is there."""
    org = make_org()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    client = csrf_app.test_client()
    response = client.post(
        f"/organisations/{org.id}/teams",
        data={"team_name": "Early years outreach", "csrf_token": "stale"},
        headers={"Referer": f"http://localhost/organisations/{org.id}"},
    )
    assert response.status_code == 303
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 302 and "/login" in follow.headers["Location"]
    login_page = client.get(follow.headers["Location"]).get_data(as_text=True)
    signed_in = client.post(
        follow.headers["Location"],
        data={
            "email": coordinator.email,
            "password": PASSWORD,
            "csrf_token": csrf_token_from(login_page),
        },
    )
    assert signed_in.headers["Location"] == f"/organisations/{org.id}"
    page = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert 'value="Early years outreach"' in page
    assert db.session.scalar(sa.text("SELECT count(*) FROM teams")) == 0


def test_a_form_token_is_signed_only_when_the_page_draws_it(csrf_app, make_learner, monkeypatch):
    """An answer page draws its form's CSRF token; the answer post, answered with a
    redirect, signs none, and the token the page drew is accepted."""
    signed = []
    sign = flask_wtf.csrf.generate_csrf

    def counted(*args, **kwargs) -> str:
        signed.append(1)
        return sign(*args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "generate_csrf", counted)
    learner = make_learner(modules=True)
    client = csrf_app.test_client()

    def post(path: str, page: str, data: dict | MultiDict | None = None):
        form = MultiDict(data or {})
        form["csrf_token"] = csrf_token_from(page)
        return client.post(path, data=form, headers={"Sec-Fetch-Site": "same-origin"})

    post("/login", client.get("/login").get_data(as_text=True),
         {"email": learner.email, "password": PASSWORD})  # fmt: skip
    start = "/pathways/core/tests/post"
    assert post(start, client.get(start).get_data(as_text=True)).status_code == 302
    attempt = db.session.scalar(sa.select(TestAttempt).where(
        TestAttempt.user_id == learner.id, TestAttempt.phase == Phase.POST))  # fmt: skip
    path = f"/attempts/{attempt.id}/pages/2"
    signed.clear()
    page = client.get(path)
    assert page.status_code == 200
    assert signed
    page = page.get_data(as_text=True)
    signed.clear()
    answers = right_answers(None, attempts.pages(attempt)[1])
    saved = post(path, page, answers)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/attempts/{attempt.id}/pages/3")
    assert signed == []


def test_csrf_token_lasts_long_enough_to_write_an_answer(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 2 * 3600


def test_session_and_remember_cookies_are_hardened(client, make_user):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _session_cookie(response) -> str | None:
    return next(
        (c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")), None
    )


def test_an_unchanged_session_is_sent_again_only_once_it_is_a_while_old(
    client, make_user, monkeypatch
):
    """The session lasts PERMANENT_SESSION_LIFETIME from the last request, renewed when
    its cookie is SESSION_RENEW_AFTER_SECONDS old rather than signed afresh on every
    response; a session that changed is always sent."""
    user = make_user()
    assert _session_cookie(client.post("/login", data={"email": user.email, "password": PASSWORD}))
    client.get("/account")  # the first form keeps its CSRF secret in the session
    assert _session_cookie(client.get("/account")) is None  # signed a moment ago
    assert _session_cookie(client.get("/pathways")) is None
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: now - 301)
    assert _session_cookie(client.post("/login", data={"email": user.email, "password": PASSWORD}))
    monkeypatch.undo()
    renewed = _session_cookie(client.get("/account"))  # signed five minutes ago: sent again
    assert renewed is not None and "Expires=" in renewed
    assert _session_cookie(client.get("/account")) is None  # signed afresh just now
    client.application.config["SESSION_RENEW_AFTER_SECONDS"] = 0  # Flask's own behaviour
    assert _session_cookie(client.get("/account")) is not None


def test_production_config_marks_cookies_secure_and_sends_hsts(tmp_path):
    prod = build_app(sqlite_url(tmp_path), tmp_path)
    prod.config.from_object(ProductionConfig)
    prod.config["SECRET_KEY"] = "x" * 32
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert prod.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app_with_schema(prod):
        response = prod.test_client().get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    from courseapp import create_app

    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config.update(SECRET_KEY=None, SQLALCHEMY_DATABASE_URI=sqlite_url(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from courseapp.config import instance_secret_key

    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sign_in_starts_a_fresh_session(client, make_user):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted_by_attacker"] = "value"
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted_by_attacker" not in sess
        assert sess["_user_id"] == user.session_token


def _copy_session_cookie(client) -> str:
    return client.get_cookie("session").value


@pytest.mark.parametrize("how", ["logout", "password change", "deactivation"])
def test_a_cookie_copied_before_sign_out_is_rejected_afterwards(client, app, make_user, how):
    user = make_user()
    login(client, user)
    stolen = _copy_session_cookie(client)
    if how == "logout":
        client.post("/logout")
    elif how == "password change":
        client.post(
            "/account/password",
            data={"current_password": PASSWORD, "password": "a different long passphrase"},
        )
    else:
        user.active = False
        db.session.commit()
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remember_me_cookie_is_rejected_after_logout(client, app, make_user):
    from flask_login import encode_cookie

    user = make_user()
    old_token = user.session_token
    login(client, user)
    client.post("/logout")
    attacker = app.test_client()
    attacker.set_cookie("remember_token", encode_cookie(old_token))
    assert attacker.get("/account").status_code == 302


def test_password_change_keeps_this_browser_signed_in(client, make_user):
    user = make_user()
    login(client, user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "a different long passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


@pytest.fixture
def throttled_app(tmp_path):
    app = build_app(
        sqlite_url(tmp_path),
        tmp_path,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
        LOGIN_LIMIT_PER_ADDRESS="5 per minute",
    )
    with app_with_schema(app), app.app_context():
        yield app


def test_login_is_throttled_per_account(throttled_app, make_user):
    user = make_user()
    client = throttled_app.test_client()
    codes = [
        client.post(
            "/login",
            data={"email": user.email, "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # Even the right password is refused while the account is throttled.
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers


def test_login_is_throttled_per_address(throttled_app):
    client = throttled_app.test_client()
    codes = [
        client.post(
            "/login", data={"email": f"user{i}@example.org", "password": "x" * 12}
        ).status_code
        for i in range(6)
    ]
    assert codes[:5] == [200] * 5
    assert codes[5] == 429


def test_successful_sign_ins_from_one_address_are_not_counted(throttled_app, make_user):
    """A training room signs in from one address: only failed sign-ins count."""
    people = [make_user(email=f"room{n}@example.org") for n in range(8)]
    codes = [
        throttled_app.test_client().post("/login", data={"email": p.email, "password": PASSWORD})
        .status_code for p in people
    ]  # fmt: skip
    assert codes == [302] * 8
    wrong = {"email": people[0].email, "password": "wrong password!"}
    failed = [throttled_app.test_client().post("/login", data=wrong).status_code for _ in range(4)]
    assert failed == [200, 200, 200, 429]  # the account's limit, 3 failures a minute


def test_login_throttle_does_not_count_page_views(throttled_app):
    client = throttled_app.test_client()
    assert all(client.get("/login").status_code == 200 for _ in range(10))


@pytest.mark.parametrize("signed_in", [False, True])
def test_security_headers_on_every_response(client, make_user, signed_in):
    if signed_in:
        login(client, make_user())
    for url in ["/", "/login", "/support", "/no-such-page", "/healthz"]:
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        script_src = next(part for part in csp.split(";") if "script-src" in part)
        assert "unsafe-inline" not in script_src
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert ("no-store" in headers.get("Cache-Control", "")) is signed_in


def test_inline_script_carries_the_request_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce not in client.get("/").headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account", "/account"),
        ("/organisations/?page=2", "/organisations/?page=2"),
        ("http://localhost/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:evil.example", "/"),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
        (" //evil.example", "/"),
        ("", "/"),
    ],
)
def test_next_only_redirects_within_the_site(client, make_user, next_url, expected):
    user = make_user()
    response = client.post(
        "/login", query_string={"next": next_url}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_not_found_page_uses_the_design_system(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "govuk-template" in page and "Page not found" in page


def test_server_error_rolls_back_and_shows_no_traceback(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path)

    @app.get("/explode")
    def explode():
        db.session.add(User(name="Half saved", email="half@example.org", role=Role.LEARNER))
        db.session.flush()
        raise ValueError("secret internal detail")

    with app_with_schema(app), app.app_context():
        response = app.test_client().get("/explode")
        page = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Sorry, there is a problem with the service" in page
        assert "Traceback" not in page and "secret internal detail" not in page
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_tampered_select_value_gets_a_400_and_saves_nothing(client, make_org):
    org = make_org(teams=("Team A",))
    other = make_org(teams=("Team B",))
    response = client.post(
        f"/register/{org.join_code}",
        data={
            "name": "Alex Example",
            "email": "alex@example.org",
            "job_role": "SOCIAL_WORKER",
            "team": str(other.teams[0].id),
            "password": "a long enough passphrase",
        },
    )
    assert response.status_code == 400
    assert "not one of the options" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_free_text_is_escaped(client, make_org, make_user):
    org = make_org(name="<script>alert('org')</script>")
    admin = make_user(role=Role.ADMIN)
    make_user(organisation=org, name="<img src=x onerror=alert(1)>")
    login(client, admin)
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert('org')" not in page


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted(tmp_path):
    seen = []
    for proxies in (0, 1):
        app = build_app(sqlite_url(tmp_path), tmp_path, TRUSTED_PROXIES=proxies)

        @app.get("/whoami")
        def whoami():
            from flask import request

            seen.append((request.remote_addr, request.scheme))
            return ""

        app.test_client().get(
            "/whoami",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
    assert seen == [("10.0.0.2", "http"), ("203.0.113.9", "https")]


def test_login_throttle_is_shared_between_replicas_through_redis(tmp_path):
    """Two app processes (replicas) on one Redis count attempts together."""
    url = redis_test_url()
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
    }
    database = sqlite_url(tmp_path)
    replicas = [build_app(database, tmp_path, **settings) for _ in range(2)]
    with replicas[0].app_context():
        db.create_all()
    attempt = {"email": "shared@example.org", "password": "wrong password!"}
    codes = [
        replicas[i % 2].test_client().post("/login", data=attempt).status_code for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_every_limit_is_on_the_view_it_throttles(throttled_app):
    """The limiter's check before every request is left out (extensions.init_limiter):
    it only applies limits that cover every view, so there must be none."""
    manager = limiter.limit_manager
    assert manager.default_limits == []
    assert manager.application_limits == []
    assert not [name for name in throttled_app.blueprints
                if manager.blueprint_limits(throttled_app, name)]  # fmt: skip


def _register_as(client, code: str, n: int, address: str = "10.0.0.1"):
    return client.post(
        f"/register/{code}",
        data={"name": f"Learner {n}", "email": f"learner{n}@example.org",
              "job_role": "SOCIAL_WORKER", "team": "none", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )  # fmt: skip


def _guess_code(client, address: str = "10.0.0.1"):
    return client.post(
        "/register", data={"code": "AAAA-AAAA"}, environ_base={"REMOTE_ADDR": address}
    )


def test_registration_counts_failed_tries_per_address_and_accounts_apart(tmp_path, make_org):
    """A training room joining from one address is not refused for its people joining;
    unknown join codes and refused registrations are throttled together; accounts made
    from one address have a limit of their own."""
    app = build_app(
        sqlite_url(tmp_path), tmp_path, RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", REGISTER_LIMIT_PER_ADDRESS="3 per hour",
        REGISTER_ACCOUNTS_PER_ADDRESS="12 per hour",
    )  # fmt: skip
    with app_with_schema(app), app.app_context():
        code = make_org().join_code
        joined = [_register_as(app.test_client(), code, n).status_code for n in range(10)]
        assert joined == [302] * 10
        weak = app.test_client().post(
            f"/register/{code}", data={"name": "Weak", "email": "weak@example.org",
                                       "job_role": "SOCIAL_WORKER", "team": "none",
                                       "password": "short"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )  # fmt: skip
        assert weak.status_code == 200  # refused: it counts
        guesses = [_guess_code(app.test_client()).status_code for _ in range(3)]
        assert guesses == [200, 200, 429]
        assert _register_as(app.test_client(), code, 10).status_code == 429  # failures used up
        assert _guess_code(app.test_client(), "10.0.0.2").status_code == 200
        more = [
            _register_as(app.test_client(), code, n, "10.0.0.3").status_code for n in range(20, 33)
        ]
        assert more == [302] * 12 + [429]  # accounts from one address
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 22


def test_registration_throttle_is_shared_between_replicas_through_redis(tmp_path, make_org):
    url = redis_test_url()
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": url,
                "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "REGISTER_LIMIT_PER_ADDRESS": "3 per minute"}  # fmt: skip
    replicas = [build_app(sqlite_url(tmp_path), tmp_path, **settings) for _ in range(2)]
    with app_with_schema(replicas[0]), replicas[0].app_context():
        code = make_org().join_code
    codes = []
    for n in range(4):
        with replicas[n % 2].app_context():
            codes.append(_guess_code(replicas[n % 2].test_client()).status_code)
    assert codes == [200, 200, 200, 429]
    with replicas[0].app_context():
        assert _register_as(replicas[0].test_client(), code, 1).status_code == 429
    with replicas[1].app_context():
        db.engine.dispose()
