"""Hostile requests that once gave a 500: ids past what the database holds in every
route that takes one, dates past the last one Python can count from, and query
arguments meant to steer url_for."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.routing import IntegerConverter

from courseapp.accounts.models import Role
from tests.conftest import login
from tests.security.access import ACCESS, World

# Past a 32-bit id (PostgreSQL's INTEGER), the largest 64-bit number, past it, far past.
HUGE = (2**31, 2**63 - 1, 2**63, 10**20)


def id_routes(app: Flask) -> list[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, method, names of its id arguments) for every route with an int id."""
    found = []
    for rule in app.url_map.iter_rules():
        ids = tuple(
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}) if ids else ():
            found.append((rule.endpoint, method, ids))
    return found


def test_the_routes_with_ids_are_found(app):
    endpoints = {endpoint for endpoint, _method, _ids in id_routes(app)}
    assert {"organisations.detail", "cohorts.preview", "assessment.page"} <= endpoints
    assert len(endpoints) >= 15


@pytest.mark.parametrize("huge", HUGE)
def test_every_id_route_says_not_found_for_huge_ids(app, world: World, huge):
    client = app.test_client()
    login(client, world.users["admin"])
    learner = app.test_client()
    login(learner, world.users["learner_a"])
    for endpoint, method, ids in id_routes(app):
        with app.test_request_context():
            args = ACCESS[(endpoint, method)].url(world) | dict.fromkeys(ids, huge)
            url = url_for(endpoint, **args)
        for visitor in (client, learner):
            response = visitor.open(url, method=method, data={})
            assert response.status_code in (403, 404), f"{method} {url}"


def test_the_largest_id_is_not_found_on_either_database(any_db_app, make_user):
    client = any_db_app.test_client()
    login(client, make_user(role=Role.ADMIN))
    for url in ("/organisations/{}", "/cohorts/{}", "/reports/learners/{}", "/review/{}",
                "/attempts/{}/pages/1"):  # fmt: skip
        for huge in HUGE:
            assert client.get(url.format(huge)).status_code == 404, url.format(huge)


@pytest.mark.parametrize(
    "query",
    [
        "enrolled_to=31&enrolled_to=12&enrolled_to=9999",
        "enrolled_from=1&enrolled_from=1&enrolled_from=0001",
        "enrolled_to=9999",
    ],
)
@pytest.mark.parametrize(
    "report", ["/reports/", "/reports/learners", "/reports/export/learners.csv"]
)
def test_report_dates_out_of_range_are_refused_with_a_message(app, world, report, query):
    client = app.test_client()
    login(client, world.users["admin"])
    response = client.get(f"{report}?{query}")
    assert response.status_code == 200
    if not report.endswith(".csv"):
        assert "must be" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["until=31&until=12&until=9999", "since=1&since=1&since=0001", "until=9999"]
)
def test_review_queue_dates_out_of_range_are_refused_with_a_message(app, world, query):
    client = app.test_client()
    login(client, world.users["admin"])
    response = client.get(f"/review?{query}")
    assert response.status_code == 200
    assert "must be" in response.get_data(as_text=True)


@pytest.mark.parametrize("argument", ["_method=DELETE", "_external=1", "_anchor=x", "_scheme=ftp"])
def test_query_arguments_cannot_steer_links(app, world, argument):
    client = app.test_client()
    login(client, world.users["admin"])
    for report in ("/reports/learners", "/reports/"):
        response = client.get(f"{report}?{argument}&search=Person")
        assert response.status_code == 200, report
        body = response.get_data(as_text=True)
        assert "ftp://" not in body and "#x" not in body
