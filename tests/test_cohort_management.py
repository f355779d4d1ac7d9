"""Running a cohort: its members and their status, its details and due date, closing
it, moving and removing learners; the import's template and password links file."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import Certificate
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.cohorts import members
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.reports.data import Filters, learner_ids
from tests.conftest import login, upload_csv
from tests.mailbox import mail_to

TODAY = date.today()


@pytest.fixture
def world(make_org, make_user):
    x = make_org(name="Organisation X", teams=("Duty",))
    y = make_org(name="Organisation Y")
    spring = create_cohort(x, "Spring", "core", ends_on=TODAY - timedelta(days=3))
    summer = create_cohort(x, "Summer", "core")
    briefing = create_cohort(x, "Schools", "briefing")
    learners = [make_user(organisation=x, name=n) for n in ("Ann Bell", "Cal Day", "Dee Eve")]
    core = course().pathways["core"]
    for learner in learners:
        enrol_in_cohort(learner, spring, core)
    db.session.add(Certificate(user_id=learners[0].id, pathway_id="core", minutes=240))
    db.session.commit()
    return {
        "x": x, "spring": spring, "summer": summer, "briefing": briefing, "learners": learners,
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
    }  # fmt: skip


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def actions(subject: str) -> list[str]:
    query = sa.select(AuditEvent.action).where(AuditEvent.subject == subject)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


# -- Overdue --------------------------------------------------------------------------


def test_is_overdue():
    past, future = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    assert members.is_overdue(past, completed=False)
    assert not members.is_overdue(past, completed=True)
    assert not members.is_overdue(future, completed=False)
    assert not members.is_overdue(None, completed=False)
    assert not members.is_overdue(past, completed=False, on=past)


def test_overdue_learners_uses_the_due_date_or_else_the_end_date(any_db_app, make_org, make_user):
    org = make_org()
    ended = create_cohort(org, "Ended", "core", ends_on=TODAY - timedelta(days=1))
    later = create_cohort(org, "Due later", "core", ends_on=TODAY - timedelta(days=1),
                          due_on=TODAY + timedelta(days=7))  # fmt: skip
    core = course().pathways["core"]
    late, done, gone, fine = (make_user(organisation=org) for _ in range(4))
    for person in (late, done, gone):
        enrol_in_cohort(person, ended, core)
    enrol_in_cohort(fine, later, core)
    db.session.add(Certificate(user_id=done.id, pathway_id="core", minutes=240))
    gone.active = False
    db.session.commit()
    assert members.overdue_learners("core") == {late.id}
    assert members.overdue_learners("core", user_ids=[done.id, fine.id]) == set()
    assert members.overdue_learners("core", on=TODAY + timedelta(days=8)) == {late.id, fine.id}


def test_the_learners_home_page_says_when_the_course_is_overdue(client, world):
    _done, late, _ = world["learners"]
    login(client, late)
    page = text(client.get("/"))
    assert "Overdue: your training coordinator asked for this course to be finished by" in page
    world["spring"].due_on = TODAY + timedelta(days=10)
    db.session.commit()
    page = text(client.get("/"))
    assert "Overdue" not in page
    assert f"Due: finish by {(TODAY + timedelta(days=10)).strftime('%-d %B %Y')}" in page


# -- The cohort page ------------------------------------------------------------------


def test_the_cohort_page_lists_members_with_their_status(client, world):
    login(client, world["coordinator_x"])
    page = text(client.get(f"/cohorts/{world['spring'].id}"))
    assert "3 learners" in page
    assert page.count("Completed") == 1 and page.count("Overdue") == 2
    for learner in world["learners"]:
        assert learner.name in page and learner.email in page
    found = text(client.get(f"/cohorts/{world['spring'].id}?q=cal"))
    assert "1 learner matching" in found and "Ann Bell" not in found


def test_a_coordinator_edits_the_cohort_and_sets_a_due_date(client, world):
    spring = world["spring"]
    login(client, world["coordinator_x"])
    form = {"name": "Spring term", "starts_on": ["1", "3", "2026"], "ends_on": ["", "", ""],
            "due_on": ["30", "6", "2026"]}  # fmt: skip
    response = client.post(f"/cohorts/{spring.id}/edit", data=form)
    assert response.status_code == 303
    db.session.refresh(spring)
    assert (spring.name, spring.starts_on, spring.ends_on, spring.due_on) == (
        "Spring term", date(2026, 3, 1), None, date(2026, 6, 30))  # fmt: skip
    assert spring.due_date == date(2026, 6, 30)
    assert actions(f"cohort {spring.id}") == ["edit-cohort"]
    clash = text(client.post(f"/cohorts/{spring.id}/edit", data=form | {"name": "summer"}))
    assert "already has a cohort called summer" in clash
    early = text(
        client.post(f"/cohorts/{spring.id}/edit", data=form | {"due_on": ["1", "1", "2026"]})
    )
    assert "Due date must be the same as or after the start date" in early


def test_a_closed_cohort_takes_nobody_new_and_is_still_reported(client, world):
    spring = world["spring"]
    login(client, world["coordinator_x"])
    assert client.post(f"/cohorts/{spring.id}/close").status_code == 303
    db.session.refresh(spring)
    assert spring.closed and actions(f"cohort {spring.id}") == ["close-cohort"]
    client.post("/logout")
    assert client.get(f"/register/{spring.join_code}").status_code == 404
    login(client, world["coordinator_x"])
    response = upload_csv(client, spring, "name,email\nNew One,new@example.org\n")
    assert "This cohort is closed" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(EnrolmentImport.id))) == 0
    reported = Filters(pathway_id="core", organisation_ids=None, cohort_id=spring.id)
    assert set(db.session.scalars(learner_ids(reported))) == {u.id for u in world["learners"]}
    assert client.post(f"/cohorts/{spring.id}/reopen").status_code == 303
    client.post("/logout")
    assert client.get(f"/register/{spring.join_code}").status_code == 200


def test_a_learner_moves_to_another_cohort_on_the_same_pathway(client, world):
    ann = world["learners"][0]
    spring, summer, briefing = world["spring"], world["summer"], world["briefing"]
    login(client, world["coordinator_x"])
    page = text(client.get(f"/cohorts/{spring.id}/members/{ann.id}"))
    assert "Summer" in page and "Schools" not in page  # only cohorts on the same pathway
    tampered = client.post(f"/cohorts/{spring.id}/members/{ann.id}", data={"cohort": briefing.id})
    assert tampered.status_code == 400
    moved = client.post(f"/cohorts/{spring.id}/members/{ann.id}", data={"cohort": summer.id})
    assert moved.status_code == 303
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == ann.id))
    assert enrolment.cohort_id == summer.id
    assert db.session.scalar(sa.select(Certificate.user_id)) == ann.id  # kept
    assert actions(f"user {ann.id}") == [f"move-learner to cohort {summer.id}"]
    assert client.get(f"/cohorts/{spring.id}/members/{ann.id}").status_code == 404


def test_a_learner_is_removed_from_a_cohort_and_keeps_their_enrolment(client, world):
    cal = world["learners"][1]
    spring = world["spring"]
    login(client, world["coordinator_x"])
    assert client.post(f"/cohorts/{spring.id}/members/{cal.id}/remove").status_code == 303
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == cal.id))
    assert enrolment.cohort_id is None and enrolment.pathway_id == "core"
    assert actions(f"user {cal.id}") == [f"remove-learner from cohort {spring.id}"]
    assert client.post(f"/cohorts/{spring.id}/members/{cal.id}/remove").status_code == 303
    assert len(actions(f"user {cal.id}")) == 1  # removing again changes nothing


def test_another_organisations_coordinator_gets_404_on_every_cohort_route(client, world):
    spring, ann = world["spring"], world["learners"][0]
    login(client, world["coordinator_y"])
    for method, url in [
        ("get", f"/cohorts/{spring.id}/edit"), ("post", f"/cohorts/{spring.id}/edit"),
        ("post", f"/cohorts/{spring.id}/close"), ("post", f"/cohorts/{spring.id}/reopen"),
        ("get", f"/cohorts/{spring.id}/members/{ann.id}"),
        ("post", f"/cohorts/{spring.id}/members/{ann.id}"),
        ("post", f"/cohorts/{spring.id}/members/{ann.id}/remove"),
        ("get", f"/cohorts/{spring.id}/imports/template.csv"),
    ]:  # fmt: skip
        assert getattr(client, method)(url).status_code == 404, url
    assert not world["spring"].closed


# -- Bulk enrolment: the template and the password links ------------------------------


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_upload_page_offers_a_template_with_the_columns(client, world):
    spring = world["spring"]
    login(client, world["coordinator_x"])
    assert "Download a CSV template" in text(client.get(f"/cohorts/{spring.id}/imports/new"))
    response = client.get(f"/cohorts/{spring.id}/imports/template.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert read_csv(response.data) == [["name", "email", "team", "job_role"]]


def import_file(client, cohort: Cohort, content: str) -> EnrolmentImport:
    upload_csv(client, cohort, content)
    upload = db.session.scalar(sa.select(EnrolmentImport).order_by(EnrolmentImport.id.desc()))
    assert client.post(f"/cohorts/{cohort.id}/imports/{upload.id}/confirm").status_code == 200
    return upload


def test_the_password_links_file_is_given_once_and_recorded(client, world):
    summer = world["summer"]
    login(client, world["coordinator_x"])
    content = 'name,email,team\n"=HYPERLINK(""x"")",eq@example.org,Duty\nBo Ng,bo@example.org,\n'
    upload = import_file(client, summer, content)
    url = f"/cohorts/{summer.id}/imports/{upload.id}/password-links.csv"
    response = client.post(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response.data)
    assert header == ["name", "email", "team", "password link"]
    assert [row[:3] for row in rows] == [["'=HYPERLINK(\"x\")", "eq@example.org", "Duty"],
                                         ["Bo Ng", "bo@example.org", ""]]  # fmt: skip
    client.post("/logout")
    assert client.get(rows[1][3].removeprefix("http://localhost")).status_code == 200
    login(client, world["coordinator_x"])
    again = client.post(url)
    assert again.status_code == 303
    page = text(client.get(again.headers["Location"]))
    assert "is given only once" in page
    events = actions(f"cohort {summer.id}")
    assert events.count("download-password-links") == 1


def test_all_links_are_emailed_with_one_button(client, world, app):
    summer = world["summer"]
    login(client, world["coordinator_x"])
    upload = import_file(client, summer, "name,email\nBo Ng,bo@example.org\n")
    url = f"/cohorts/{summer.id}/imports/{upload.id}/email-links"
    assert client.post(url).status_code == 303  # no mail set up: nothing is queued
    assert "email-password-links" not in actions(f"cohort {summer.id}")
    with mail_to(app) as smtp:
        page = text(client.post(url, follow_redirects=True))
        queue.wait_for_jobs()
    [message] = smtp.mailbox.messages
    assert message["To"] == "bo@example.org"
    assert message["Subject"] == f"Set your password for {app.config['SERVICE_NAME']}"
    assert message.get_content().startswith("Hello Bo Ng,")
    assert "We are sending 1 email " in page
    assert "email-password-links" in actions(f"cohort {summer.id}")
    bo = db.session.scalar(sa.select(User).where(User.email == "bo@example.org"))
    assert bo.password_hash is None
