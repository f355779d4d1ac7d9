"""Extra post-test attempts: a learner who has failed every attempt is told so wherever
they look, their coordinators see them listed, and a coordinator of their organisation
grants one more, with a reason, in the audit log. Retakes keep alternating forms."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.assessment import attempts, grants
from courseapp.assessment.models import AttemptGrant, Phase
from courseapp.audit.models import AuditEvent
from courseapp.content import services as content
from courseapp.extensions import db
from courseapp.privacy.erasure import ERASED_SUBJECT, erase_learner
from courseapp.reports import data as report_data
from courseapp.reports import services as reports
from tests.conftest import login, right_answers

BUTTON = "Go to the post-test"


def core():
    return content.course().pathways["core"]


def fail_post_tests(user, times: int) -> list[str]:
    """Submit `times` blank post-tests (each fails); the forms they were on."""
    taken = []
    for _ in range(times):
        attempt = attempts.start_or_resume(user, core(), Phase.POST)
        attempts.submit(attempt, core().definition.pass_mark)
        taken.append(attempt.test_id)
    db.session.commit()
    return taken


@pytest.fixture
def failed(app, make_org, make_user, make_learner):
    """A learner in organisation X who failed three post-tests, X's coordinator and a
    coordinator of another organisation."""
    app.config["POST_TEST_ATTEMPTS"] = 3
    org_x, org_y = make_org(name="Org X"), make_org(name="Org Y")
    learner = make_learner(modules=True, organisation=org_x, name="Lou Failed")
    fail_post_tests(learner, 3)
    return (
        learner,
        make_user(role=Role.COORDINATOR, organisation=org_x, covers=(org_x,)),
        make_user(role=Role.COORDINATOR, organisation=org_y, covers=(org_y,)),
    )


def grant_url(learner) -> str:
    return f"/learners/{learner.id}/pathways/core/extra-attempt"


def test_a_learner_out_of_attempts_is_told_so_and_never_offered_the_post_test(client, failed):
    learner, _x, _y = failed
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert grants.USED_UP_MESSAGE in home and BUTTON not in home
    start = client.get("/pathways/core/tests/post").get_data(as_text=True)
    assert grants.USED_UP_MESSAGE in start and "Start the post-test" not in start
    pathway = client.get("/pathways/core").get_data(as_text=True)
    assert grants.USED_UP_MESSAGE in pathway
    last = attempts.attempts(learner, core(), Phase.POST)[-1]
    results = client.get(f"/attempts/{last.id}/results").get_data(as_text=True)
    assert grants.USED_UP_MESSAGE in results and "Take the post-test again" not in results


def test_a_learner_with_attempts_left_is_offered_the_post_test(client, app, make_learner):
    app.config["POST_TEST_ATTEMPTS"] = 3
    learner = make_learner(modules=True)
    fail_post_tests(learner, 2)
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert BUTTON in home and grants.USED_UP_MESSAGE not in home


def test_coordinator_sees_the_notice_and_the_status_and_grants_an_attempt(client, failed):
    learner, coordinator, _y = failed
    login(client, coordinator)
    board = client.get("/reports/").get_data(as_text=True)
    assert "used every post-test attempt without passing" in board
    assert "1 (1 of them has used every post-test attempt)" in board  # counted in progress
    assert grant_url(learner) in board and "Lou Failed" in board
    listing = client.get("/reports/learners").get_data(as_text=True)
    assert "Attempts used up (" in listing
    assert "Attempts used up" in client.get("/reports/learners?status=attempts+used+up").get_data(
        as_text=True
    )
    assert "Lou Failed" not in client.get("/reports/learners?status=in+progress").get_data(
        as_text=True
    )
    record = client.get(f"/reports/learners/{learner.id}").get_data(as_text=True)
    assert grant_url(learner) in record

    refused = client.post(grant_url(learner), data={"reason": "   "})
    assert refused.status_code == 200 and "Enter the reason" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptGrant)) == 0

    response = client.post(grant_url(learner), data={"reason": "Agreed after a talk"})
    assert response.status_code == 303
    given = db.session.scalars(sa.select(AttemptGrant)).one()
    assert (given.user_id, given.granted_by_id, given.reason) == (
        learner.id,
        coordinator.id,
        "Agreed after a talk",
    )
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "grant-attempt")
    ).one()
    assert event.actor_id == coordinator.id
    assert event.subject == f"user {learner.id}, pathway core, grant {given.id}"
    board = client.get("/reports/").get_data(as_text=True)
    assert "Lou Failed can now take the post-test again" in board  # the flash
    assert grant_url(learner) not in board
    listing = client.get("/reports/learners").get_data(as_text=True)
    assert "In progress (" in listing and "Attempts used up (" not in listing
    # A second grant is refused while the first is unused.
    client.post(grant_url(learner), data={"reason": "Again"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptGrant)) == 1


def test_the_granted_attempt_keeps_forms_alternating_and_can_be_passed(client, failed):
    learner, coordinator, _y = failed
    forms = core().definition.test_forms
    order = content.form_order(learner, core())
    login(client, coordinator)
    client.post(grant_url(learner), data={"reason": "Agreed"})
    client.post("/logout")
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert BUTTON in home and grants.USED_UP_MESSAGE not in home
    client.post("/pathways/core/tests/post")
    fourth = attempts.attempts(learner, core(), Phase.POST)[-1]
    assert fourth.number == 4 and fourth.test_id == forms[order]  # after the other form
    test = attempts.test_of(fourth)
    for number, entries in enumerate(attempts.pages(fourth), start=1):
        client.post(f"/attempts/{fourth.id}/pages/{number}", data=right_answers(test, entries))
    client.post(f"/attempts/{fourth.id}/submit", data={})
    db.session.refresh(fourth)
    assert fourth.passed
    assert "View your certificate" in client.get("/").get_data(as_text=True)
    loaded = report_data.load(report_data.Filters("core", None))
    assert reports.status(loaded.learners[learner.id], core()) == "completed"


def test_another_organisations_coordinator_is_told_the_learner_does_not_exist(client, failed):
    learner, _x, coordinator_y = failed
    login(client, coordinator_y)
    assert client.get(grant_url(learner)).status_code == 404
    assert client.post(grant_url(learner), data={"reason": "x"}).status_code == 404
    assert grant_url(learner) not in client.get("/reports/").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptGrant)) == 0


def test_an_administrator_may_grant(client, failed, make_user):
    learner, _x, _y = failed
    login(client, make_user(role=Role.ADMIN))
    assert "Lou Failed" in client.get("/reports/").get_data(as_text=True)
    assert client.post(grant_url(learner), data={"reason": "Agreed"}).status_code == 303
    assert attempts.attempts_allowed(Phase.POST, learner, core()) == 4


def test_a_pathway_the_learner_is_not_on_is_not_found(client, failed):
    learner, coordinator, _y = failed
    login(client, coordinator)
    assert client.get(f"/learners/{learner.id}/pathways/nope/extra-attempt").status_code == 404


def test_out_of_attempts_any_database(any_db_app, make_org, make_user, make_learner):
    """The notice's query and the report's status agree, on SQLite and PostgreSQL."""
    any_db_app.config["POST_TEST_ATTEMPTS"] = 2
    org = make_org()
    learner = make_learner(modules=True, organisation=org)
    other = make_learner(modules=True, organisation=org)
    fail_post_tests(learner, 2)
    fail_post_tests(other, 1)
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    waiting = grants.out_of_attempts(coordinator)
    assert [(w.learner.id, w.pathway.id) for w in waiting.first] == [(learner.id, "core")]
    assert waiting.total == 1
    loaded = report_data.load(report_data.Filters("core", frozenset({org.id})))
    assert reports.status(loaded.learners[learner.id], core()) == "attempts used up"
    assert reports.status(loaded.learners[other.id], core()) == "in progress"
    grants.grant(coordinator, learner, core(), "Agreed")
    db.session.commit()
    assert grants.out_of_attempts(coordinator) == grants.Waiting([], 0)
    loaded = report_data.load(report_data.Filters("core", frozenset({org.id})))
    assert loaded.learners[learner.id].extra_attempts == 1
    assert reports.status(loaded.learners[learner.id], core()) == "in progress"


def test_the_grant_is_in_the_learners_download_and_goes_with_an_erasure(client, failed, make_user):
    learner, coordinator, _y = failed
    grants.grant(coordinator, learner, core(), "Agreed after a talk")
    db.session.commit()
    login(client, learner)
    data = client.get("/account/your-data.json").get_json(force=True)
    [given] = data["extra_attempts"]
    assert (given["pathway"], given["reason"]) == ("core", "Agreed after a talk")
    client.post("/logout")
    admin = make_user(role=Role.ADMIN)
    erase_learner(learner, admin)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptGrant)) == 0
    subjects = db.session.scalars(sa.select(AuditEvent.subject)).all()
    assert not [s for s in subjects if s.startswith(f"user {learner.id}")]
    assert ERASED_SUBJECT in subjects


def test_the_cohort_page_shows_attempts_used_up_as_the_reports_do(client, failed):
    from courseapp.cohorts.models import Cohort
    from courseapp.cohorts.services import enrol_in_cohort

    learner, coordinator, _y = failed
    cohort = Cohort(organisation_id=learner.organisation_id, name="Spring", pathway_id="core")
    db.session.add(cohort)
    enrol_in_cohort(learner, cohort, core())
    db.session.commit()
    login(client, coordinator)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Attempts used up" in page and "In progress" not in page
    assert "Attempts used up" in client.get("/reports/learners").get_data(as_text=True)


def test_the_notice_names_the_first_few_and_links_the_rest(app, client, make_org, make_user,
                                                           make_learner):  # fmt: skip
    """However many have used their attempts, the reports page names five and sends the
    coordinator to the learners list, filtered to them, for the rest."""
    app.config["POST_TEST_ATTEMPTS"] = 1
    org = make_org()
    for n in range(7):
        fail_post_tests(make_learner(modules=True, organisation=org, name=f"Learner {n}"), 1)
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    page = client.get("/reports/").get_data(as_text=True)
    assert "7 learners have used every post-test attempt without passing" in page
    assert [f"Learner {n}" in page for n in range(7)] == [True] * 5 + [False] * 2
    assert 'href="/reports/learners?status=attempts+used+up">See all 7 in the learners list' in page
    listed = client.get("/reports/learners?status=attempts+used+up").get_data(as_text=True)
    assert all(f"Learner {n}" in listed for n in range(7))
