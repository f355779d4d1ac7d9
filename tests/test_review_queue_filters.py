"""The review queue's filters (not yet reviewed, verdict counting a coordinator's,
exercise, team, dates) and pages, scoped to the reviewer's organisations; and the new
comments a learner sees on their home page until they open the exercise."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.rewording import reviewing, services
from courseapp.rewording.models import Response, ReviewNote
from courseapp.rewording.reviewing import NOT_REVIEWED, REVIEWED, QueueFilters, review_queue
from tests.conftest import login

NOTICE = "New from your coordinator"


def add_responses(org, count: int, verdict: str = "constructive", **fields) -> list[Response]:
    """`count` learners in the organisation, each with one response, inserted in bulk."""
    start = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    people = [
        User(name=f"Learner {start + n}", email=f"l{start + n}@example.org", organisation=org,
             role=Role.LEARNER, **fields)
        for n in range(count)
    ]  # fmt: skip
    db.session.add_all(people)
    db.session.flush()
    now = utcnow()
    responses = [
        Response(user_id=p.id, exercise_id="let-him-in", version=1, text=f"Text {p.id}",
                 verdict=verdict, flags=[], strengths=[], created_at=now - timedelta(minutes=n))
        for n, p in enumerate(people)
    ]  # fmt: skip
    db.session.add_all(responses)
    db.session.commit()
    return responses


@pytest.fixture
def queue_world(any_db_app, make_org, make_user):
    org, other = make_org(name="Org X", teams=("Duty",)), make_org(name="Org Y")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    constructive = add_responses(org, 3)
    uncertain = add_responses(org, 2, verdict="uncertain", team=org.teams[0])
    needs_work = add_responses(org, 1, verdict="needs_work")
    add_responses(other, 4)
    return coordinator, constructive, uncertain, needs_work


def ids(page) -> set[int]:
    return {r.id for r in page.responses}


def test_filters_by_review_and_verdict_counting_a_coordinators(queue_world):
    coordinator, constructive, uncertain, needs_work = queue_world
    assert review_queue(coordinator, QueueFilters()).total == 6  # not Org Y's four
    reviewing.add_note(uncertain[0], coordinator, None, "Good start", "constructive")
    reviewing.add_note(constructive[0], coordinator, None, "Nice")
    db.session.commit()
    not_yet = review_queue(coordinator, QueueFilters(reviewed=NOT_REVIEWED))
    assert ids(not_yet) == {r.id for r in constructive[1:] + uncertain[1:] + needs_work}
    assert ids(review_queue(coordinator, QueueFilters(reviewed=REVIEWED))) == {
        uncertain[0].id,
        constructive[0].id,
    }
    assert ids(review_queue(coordinator, QueueFilters(verdict="uncertain"))) == {uncertain[1].id}
    assert ids(review_queue(coordinator, QueueFilters(verdict="constructive"))) == {
        uncertain[0].id,
        *(r.id for r in constructive),
    }
    assert ids(review_queue(coordinator, QueueFilters(verdict="needs_work"))) == {needs_work[0].id}
    team = review_queue(coordinator, QueueFilters(team_id=uncertain[1].user.team_id))
    assert ids(team) == {r.id for r in uncertain}
    # Uncertain responses without a coordinator's verdict come first.
    assert review_queue(coordinator, QueueFilters()).responses[0].id == uncertain[1].id


def test_a_newer_version_is_not_yet_reviewed(queue_world):
    coordinator, constructive, _u, _n = queue_world
    reviewing.add_note(constructive[0], coordinator, None, "Nice")
    newer = Response(user_id=constructive[0].user_id, exercise_id="let-him-in", version=2,
                     text="Newer", verdict="constructive", flags=[], strengths=[])  # fmt: skip
    db.session.add(newer)
    db.session.commit()
    assert newer.id in ids(review_queue(coordinator, QueueFilters(reviewed=NOT_REVIEWED)))


def test_pages_of_twenty_five_keep_uncertain_first(app, make_org, make_user):
    org = make_org()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    add_responses(org, 30)
    uncertain = add_responses(org, 1, verdict="uncertain")
    first = review_queue(coordinator, QueueFilters())
    second = review_queue(coordinator, QueueFilters(), page=2)
    assert (first.total, first.pages, len(first.responses), len(second.responses)) == (31, 2, 25, 6)
    assert first.responses[0].id == uncertain[0].id
    assert not ids(first) & ids(second)
    assert review_queue(coordinator, QueueFilters(), page=99).page == 2  # the last page


def test_the_queue_page_filters_and_pages_in_a_fixed_number_of_queries(
    client, make_org, make_user, count_queries
):
    org = make_org(teams=("Duty",))
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    login(client, coordinator)
    add_responses(org, 3)
    counts = []
    for more in (0, 60):
        add_responses(org, more)
        with count_queries() as queries:
            response = client.get("/review?reviewed=not-reviewed&verdict=constructive&page=2")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    page = response.get_data(as_text=True)
    assert "63 responses, page 2 of 3" in page
    assert 'aria-label="Pages of responses"' in page
    # The page links keep the filters.
    assert "reviewed=not-reviewed" in page and "verdict=constructive" in page and "page=3" in page
    assert 'selected value="not-reviewed"' in page or 'value="not-reviewed" selected' in page


def test_a_made_up_filter_value_is_shown_as_an_error_not_applied(client, make_org, make_user):
    org = make_org()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    add_responses(org, 2)
    login(client, coordinator)
    response = client.get("/review?verdict=brilliant&reviewed=maybe&page=abc")
    assert response.status_code == 200
    assert "2 responses" in response.get_data(as_text=True)


def test_another_organisations_coordinator_sees_none_of_it(
    any_db_app, queue_world, make_user, make_org
):
    _coordinator, constructive, _u, _n = queue_world
    org_z = make_org(name="Org Z")
    outsider = make_user(role=Role.COORDINATOR, organisation=org_z, covers=(org_z,))
    client = any_db_app.test_client()
    login(client, outsider)
    page = client.get("/review?reviewed=not-reviewed").get_data(as_text=True)
    assert "No responses match these filters" in page
    assert constructive[0].text not in page
    assert client.get(f"/review/{constructive[0].id}").status_code == 404


# -- The learner's notice -------------------------------------------------------------


def test_new_comments_show_on_the_home_page_until_the_exercise_is_opened(
    client, make_org, make_user, make_learner
):
    org = make_org()
    learner = make_learner(organisation=org)
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    login(client, learner)
    client.post("/practice/let-him-in", data={"text": "Are you and the children safe?"})
    assert NOTICE not in client.get("/").get_data(as_text=True)
    response = db.session.scalars(sa.select(Response)).one()
    reviewing.add_note(response, coordinator, None, "Try <b>naming</b> his choices", "needs_work")
    reviewing.add_note(response, coordinator, None, "")  # a mark alone says nothing new
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert NOTICE in home and "needs work" in home
    assert "Try &lt;b&gt;naming&lt;/b&gt; his choices" in home  # escaped
    assert 'href="/practice/let-him-in"' in home
    client.get("/practice/let-him-in", headers={"Sec-Fetch-Site": "same-origin"})
    assert NOTICE not in client.get("/").get_data(as_text=True)
    assert all(n.read_at for n in db.session.scalars(sa.select(ReviewNote)) if n.comment)
    reviewing.add_note(response, coordinator, None, "One more thought")
    db.session.commit()
    assert "One more thought" in client.get("/").get_data(as_text=True)


def test_opening_another_exercise_or_a_link_from_elsewhere_leaves_the_notice(
    client, make_org, make_user, make_learner
):
    org = make_org()
    learner = make_learner(organisation=org)
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    login(client, learner)
    client.post("/practice/let-him-in", data={"text": "Are you and the children safe?"})
    response = db.session.scalars(sa.select(Response)).one()
    reviewing.add_note(response, coordinator, None, "Well done")
    db.session.commit()
    others = [e for e in services.exercises() if e != "let-him-in"]
    client.get(f"/practice/{others[0]}")
    client.get("/practice/let-him-in", headers={"Sec-Fetch-Site": "cross-site"})
    home = client.get("/").get_data(as_text=True)
    assert NOTICE in home and "Well done" in home
