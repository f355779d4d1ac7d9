"""Refused posts: another site's form neither fills in a staff form nor signs anyone
out; request bodies have a size limit, checked before they are read; and what an
expired form keeps in the session cookie is capped."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder, encode_multipart, run_wsgi_app

from courseapp.accounts.models import Role, User
from courseapp.cohorts.models import Cohort
from courseapp.cohorts.routes import UPLOAD_REQUEST_LIMIT
from courseapp.errors import CROSS_SITE_MESSAGE
from courseapp.extensions import db
from courseapp.forms import EXPIRED_MESSAGE
from tests.conftest import PASSWORD, sign_in

ATTACKER = {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}
OURS = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


@pytest.fixture
def admin_and_org(csrf_app, make_org, make_user):
    return make_user(role=Role.ADMIN), make_org()


def test_another_sites_form_does_not_prefill_a_staff_form_or_sign_out(csrf_app, admin_and_org):
    admin, org = admin_and_org
    client = csrf_app.test_client()
    sign_in(client, admin)
    # The browser does not send our SameSite=Lax cookie with another site's POST.
    attacker_browser = csrf_app.test_client()
    refused = attacker_browser.post(
        f"/organisations/{org.id}/coordinators/new",
        data={"name": "Mallory Attacker", "email": "mallory@attacker.example"},
        headers=ATTACKER,
    )
    assert refused.status_code == 400
    assert CROSS_SITE_MESSAGE.split(",")[0] in refused.get_data(as_text=True)
    assert cookie_headers(refused) == []  # the admin's cookie is not replaced
    # The same, with the admin's own cookie (a browser that does send it).
    with_cookie = client.post(
        f"/organisations/{org.id}/coordinators/new",
        data={"name": "Mallory Attacker", "email": "mallory@attacker.example"},
        headers=ATTACKER,
    )
    assert with_cookie.status_code == 400
    form = client.get(f"/organisations/{org.id}/coordinators/new")
    assert form.status_code == 200  # still signed in
    assert "Mallory" not in form.get_data(as_text=True)
    assert "mallory@" not in form.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "null"},
        {"Origin": "http://localhost.attacker.example"},
        {"Referer": "https://attacker.example/localhost/"},
        {},  # no evidence either way
    ],
)
def test_only_a_post_from_our_own_pages_is_kept(csrf_app, headers):
    client = csrf_app.test_client()
    refused = client.post(
        "/login", data={"email": "kept@example.org", "csrf_token": "stale"}, headers=headers
    )
    assert refused.status_code == 400 and cookie_headers(refused) == []
    assert "kept@example.org" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
        {"Referer": "http://localhost/login"},
    ],
)
def test_a_post_from_our_own_page_is_kept(csrf_app, headers):
    client = csrf_app.test_client()
    refused = client.post(
        "/login", data={"email": "kept@example.org", "csrf_token": "stale"}, headers=headers
    )
    assert refused.status_code == 303
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert 'value="kept@example.org"' in page and EXPIRED_MESSAGE.split(",")[0] in page


def test_an_expired_form_keeps_only_fields_that_fit_in_the_cookie(csrf_app, make_org, make_user):
    org = make_org()
    client = csrf_app.test_client()
    sign_in(client, make_user(role=Role.ADMIN))
    page_of_teams = {**OURS, "Referer": f"http://localhost/organisations/{org.id}"}
    too_large = client.post(
        f"/organisations/{org.id}/teams",
        data={"team_name": "x" * 300_000, "csrf_token": "stale"},
        headers=page_of_teams,
    )
    assert too_large.status_code == 413
    refused = client.post(
        f"/organisations/{org.id}/teams",
        data={"team_name": "x" * 200_000, "csrf_token": "stale"},
        headers=page_of_teams,
    )
    assert refused.status_code == 303
    assert sum(len(header) for header in cookie_headers(refused)) < 4000
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Team name was too long for us to keep" in page
    assert "xxxxxxxxxx" not in page
    # Short fields still come back when a long one is left out.
    client.post(
        f"/organisations/{org.id}/coordinators/new",
        data={"name": "Ada Lovelace", "email": "é" * 5000, "csrf_token": "stale"},
        headers=OURS,
    )
    page = client.get(f"/organisations/{org.id}/coordinators/new").get_data(as_text=True)
    assert 'value="Ada Lovelace"' in page and "Email address was too long" in page


def test_a_large_body_gets_a_clear_413_page(client):
    response = client.post("/register", data={"code": "A" * 400_000})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "What you sent is too large" in text and "govuk-heading-l" in text


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes that counts how much of it is read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_so_far = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_so_far)
        buffer[:n] = b"a" * n
        self.read_so_far += n
        return n


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_a_large_multipart_body_is_refused_before_it_is_read(csrf_app, path):
    body = CountingStream(30 * 1024 * 1024)
    environ = EnvironBuilder(
        path=path,
        method="POST",
        content_type="multipart/form-data; boundary=xyz",
        headers=OURS,
    ).get_environ()
    environ.update({"wsgi.input": body, "CONTENT_LENGTH": str(body.size)})
    app_iter, status, _headers = run_wsgi_app(csrf_app, environ, buffered=True)
    assert status.startswith("413")
    assert b"What you sent is too large" in b"".join(app_iter)
    assert body.read_so_far < 1024 * 1024


def _csv_of(size: int) -> bytes:
    row = b"Sam Learner,sam@example.org\n"
    return b"name,email\n" + row * (size // len(row))


def test_only_the_csv_upload_takes_a_larger_body(app, client, make_org, make_user):
    org = make_org()
    cohort = Cohort(organisation=org, name="Spring", pathway_id="core")
    db.session.add(cohort)
    db.session.commit()
    client.post("/login", data={"email": make_user(role=Role.COORDINATOR, covers=(org,)).email,
                                "password": PASSWORD})  # fmt: skip
    assert app.config["MAX_CONTENT_LENGTH"] < 600_000 < UPLOAD_REQUEST_LIMIT < 5_000_000

    def post(path: str, **files) -> tuple[int, str]:
        """Post files, encoded here: the test client would spool a large body to a
        temporary file that it leaves open when the app refuses to read it."""
        boundary, body = encode_multipart(
            {
                name: FileStorage(io.BytesIO(content), filename=f"{name}.csv")
                for name, content in files.items()
            }
        )
        content_type = f"multipart/form-data; boundary={boundary}"
        response = client.post(path, data=body, content_type=content_type)
        return response.status_code, response.get_data(as_text=True)

    upload = f"/cohorts/{cohort.id}/imports/new"
    status, page = post(upload, csv_file=_csv_of(600_000))
    assert status == 200 and "no more than 2,000 learners" in page  # read; refused for its rows
    assert post(upload, csv_file=_csv_of(5_000_000))[0] == 413
    assert post(f"/organisations/{org.id}/teams", team_name=_csv_of(600_000))[0] == 413
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
