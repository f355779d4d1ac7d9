"""Hostile input: script in every kind of free text is shown escaped on every page that
can show it, to learners, coordinators and administrators; formulas are neutralised in
CSV exports; SQL metacharacters in filters and search are only text.

The payloads travel the way people's text does: typed into forms (a rewording, a
review comment, a registration, a team, an organisation, a cohort) or uploaded in a
CSV file. Every GET route in the access matrix is then read by each kind of visitor.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from flask import url_for

from courseapp.accounts.models import JobRole, Role, User
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from courseapp.rewording.models import Response
from tests.conftest import login
from tests.security.access import ACCESS, World

SCRIPT = '<script>alert("xss")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
SVG = "'><svg/onload=alert(2)>"
TEXTAREA = "</textarea><script>alert(3)</script>"
LINK = '<a href="javascript:alert(4)">click</a>'
XSS = (SCRIPT, IMAGE, SVG, TEXTAREA, LINK)

# What a spreadsheet would run as a formula if a cell began with it.
FORMULAS = (
    '=HYPERLINK("https://evil.example","Open")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)",
    "\t=1+1",
)
SQL = ("' OR '1'='1", "1; DROP TABLE users; --", '" OR ""="', "%' --", "\\'; --")
NOT_HTML = ("text/csv", "application/json", "application/pdf", "image/svg+xml")


@pytest.fixture
def hostile(app, world: World, make_org, make_user, client):
    """The access-matrix world with hostile text everywhere people can type."""
    users = world.users
    org = db.session.get(Organisation, world.org_x)
    org.name = f"Northshire {SCRIPT}"
    db.session.get(Team, org.teams[0].id).name = f"Duty {IMAGE}"
    db.session.get(Cohort, world.cohort).name = f"Autumn {SVG}"
    users["learner_a"].name = f"Ann {TEXTAREA}"
    users["learner_b"].name = FORMULAS[0]
    users["coordinator_x"].name = f"Cal {LINK}"
    elsewhere = make_org(name="Southvale")
    make_user(organisation=elsewhere, name="Yvonne Elsewhere")
    db.session.commit()

    login(client, users["admin"])
    client.post("/organisations/new", data={"name": f"Eastfield {SVG}", "sector": "HEALTH"})
    client.post(f"/organisations/{world.org_x}/teams", data={"team_name": f"Hub {SCRIPT}"})
    csv_rows = "".join(
        f'"{formula}",f{n}@example.org,,{JobRole.SOCIAL_WORKER.value}\n'
        for n, formula in enumerate([*FORMULAS[1:], IMAGE])
    )
    client.post(
        f"/cohorts/{world.cohort}/imports/new",
        data={"csv_file": (io.BytesIO(f"name,email,team,job_role\n{csv_rows}".encode()), "f.csv")},
    )
    upload = db.session.scalar(sa.select(sa.func.max(EnrolmentImport.id)))
    client.post(f"/cohorts/{world.cohort}/imports/{upload}/confirm")

    learner = app.test_client()
    login(learner, users["learner_a"])
    learner.post("/practice/let-him-in", data={"text": f"Are you safe? {SCRIPT} {IMAGE}"})
    coordinator = app.test_client()
    login(coordinator, users["coordinator_x"])
    response_id = db.session.scalar(sa.select(sa.func.max(Response.id)))
    coordinator.post(
        f"/review/{response_id}", data={"mark": "discuss", "comment": f"See me {TEXTAREA}"}
    )
    imported = db.session.scalars(sa.select(User.name).where(User.email.like("f%@example.org")))
    assert len(list(imported)) == len(FORMULAS)  # the CSV import went through
    return world


def _pages(app, world: World):
    """Every GET route of the matrix with the URL it is read at."""
    with app.test_request_context():
        for (endpoint, method), access in sorted(ACCESS.items()):
            if method == "GET" and endpoint not in ("static", "site.exit_page"):
                yield endpoint, url_for(endpoint, **access.url(world))


@pytest.mark.parametrize("visitor", ["anonymous", "learner_a", "coordinator_x", "admin"])
def test_hostile_text_is_escaped_on_every_page(app, hostile, visitor):
    client = app.test_client()
    if visitor != "anonymous":
        login(client, hostile.users[visitor])
    shown_escaped = set()
    for endpoint, url in _pages(app, hostile):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype in NOT_HTML:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            continue
        body = response.get_data(as_text=True)
        for payload in XSS:
            assert payload not in body, f"{endpoint} ({url}) shows {payload!r} unescaped"
            if str(escape_html(payload)) in body:
                shown_escaped.add(payload)
    if visitor in ("coordinator_x", "admin"):  # they see every kind of hostile text
        assert shown_escaped == set(XSS)


def escape_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_learner_sees_a_hostile_comment_escaped(app, hostile):
    client = app.test_client()
    login(client, hostile.users["learner_a"])
    page = client.get("/practice/let-him-in").get_data(as_text=True)
    assert escape_html(f"See me {TEXTAREA}") in page and TEXTAREA not in page
    assert escape_html(SCRIPT) in page and SCRIPT not in page


@pytest.mark.parametrize("kind", ["learners", "items", "responses"])
def test_exports_neutralise_formulas(app, hostile, kind):
    client = app.test_client()
    login(client, hostile.users["admin"])
    response = client.get(f"/reports/export/{kind}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)))
             for cell in row]  # fmt: skip
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    if kind == "learners":
        for formula in FORMULAS:  # names are kept without surrounding spaces and tabs
            assert "'" + formula.strip() in cells, formula
        assert f"Ann {TEXTAREA}" in cells  # text stays as typed: a CSV is not HTML


def test_data_download_is_json_not_html(app, hostile):
    client = app.test_client()
    login(client, hostile.users["learner_a"])
    response = client.get("/account/your-data.json")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.get_data())["profile"]["name"] == f"Ann {TEXTAREA}"


FILTERS = {
    "/reports/": ("search", "team", "organisation", "cohort", "job_role", "pathway"),
    "/reports/learners": ("search", "team", "organisation", "cohort", "sort", "page"),
    "/reports/export/learners.csv": ("search", "team", "organisation"),
    "/review": ("exercise", "team", "since-day"),
    "/audit": ("page",),
}


@pytest.mark.parametrize("payload", SQL)
def test_sql_metacharacters_in_filters_and_search_are_only_text(app, hostile, payload):
    """Each filter, alone, given SQL: never an error, never anyone outside the
    coordinator's organisation, and the tables are as they were."""
    client = app.test_client()
    login(client, hostile.users["coordinator_x"])
    people = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    for path, names in FILTERS.items():
        for name in names:
            response = client.get(path, query_string={name: payload})
            body = response.get_data(as_text=True)
            assert response.status_code in (200, 403), f"{path}?{name}=: {response.status_code}"
            assert "Yvonne Elsewhere" not in body and "Southvale" not in body
            assert "Traceback" not in body
    found = client.get("/reports/learners", query_string={"search": payload})
    assert "No learners match these filters" in found.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == people
    assert db.session.get(User, hostile.users["admin"].id).role is Role.ADMIN


def test_a_null_character_in_a_filter_is_refused_not_an_error(any_db_app, make_org, make_user):
    """PostgreSQL can neither store nor search for a null character: refuse it with a 400
    (on SQLite too), rather than fail with a 500."""
    org = make_org()
    client = any_db_app.test_client()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    filters = [
        ("/reports/learners", "search"),
        ("/reports/", "team"),
        ("/review", "exercise"),
        ("/reports/export/learners.csv", "search"),
    ]
    for path, name in filters:
        response = client.get(path, query_string={name: "Ann\x00"})
        assert response.status_code == 400, path
        assert "null character" in response.get_data(as_text=True)
