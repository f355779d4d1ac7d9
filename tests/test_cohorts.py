"""Cohorts: creating them, joining with a cohort's code, and enrolling from a CSV file."""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.services import user_for_password_token
from courseapp.audit.models import AuditEvent
from courseapp.cohorts import import_file, imports
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import queue
from tests.conftest import count, login, upload_csv
from tests.mailbox import mail_to

HEADER = "name,email,team,job_role\n"
DATA = Path(__file__).parent / "data"  # files as spreadsheets save them


@pytest.fixture
def world(make_org, make_user):
    """Two organisations, each with a coordinator and a cohort, and an administrator."""
    x = make_org(name="Organisation X", teams=("Duty", "Early help"))
    y = make_org(name="Organisation Y", teams=("Team Y",))
    cohort_x = Cohort(organisation=x, name="Primary schools briefing", pathway_id="briefing")
    cohort_y = Cohort(organisation=y, name="Spring", pathway_id="core")
    db.session.add_all([cohort_x, cohort_y])
    db.session.commit()
    return {
        "x": x,
        "y": y,
        "cohort_x": cohort_x,
        "cohort_y": cohort_y,
        "learner_x": make_user(organisation=x, email="kim@x.example.org"),
        "learner_y": make_user(organisation=y, email="yan@y.example.org"),
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=y, covers=(y,)),
        "admin": make_user(role=Role.ADMIN),
    }


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def latest_import() -> EnrolmentImport:
    return db.session.scalar(sa.select(EnrolmentImport).order_by(EnrolmentImport.id.desc()))


def cohort_enrolments(cohort: Cohort) -> list[Enrolment]:
    return list(db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)))


# -- Access ---------------------------------------------------------------------------


def _routes(world, upload_id):
    x, cohort = world["x"], world["cohort_x"]
    base = f"/cohorts/{cohort.id}"
    return [
        ("GET", f"/organisations/{x.id}/cohorts/new"),
        ("GET", base),
        ("POST", f"{base}/join-code/new"),
        ("POST", f"{base}/join-code/switch"),
        ("GET", f"{base}/imports/new"),
        ("GET", f"{base}/imports/{upload_id}"),
        ("POST", f"{base}/imports/{upload_id}/confirm"),
    ]


EXPECTED = {
    "anonymous": [302] * 7,
    "learner_x": [403] * 7,
    "coordinator_y": [404] * 7,
    "coordinator_x": [200, 200, 303, 303, 200, 200, 303],
    "admin": [200, 200, 303, 303, 200, 200, 303],
}


@pytest.mark.parametrize("who", EXPECTED)
def test_cohort_routes_by_role(client, world, who):
    cohort = world["cohort_x"]
    pending = EnrolmentImport(cohort=cohort, rows=[])
    db.session.add(pending)
    db.session.commit()
    if who != "anonymous":
        login(client, world[who])
    statuses = [
        client.open(path, method=method).status_code for method, path in _routes(world, pending.id)
    ]
    assert statuses == EXPECTED[who]


def test_an_import_is_only_found_under_its_own_cohort(client, world):
    other = Cohort(organisation=world["x"], name="Other", pathway_id="core")
    pending = EnrolmentImport(cohort=world["cohort_x"], rows=[])
    db.session.add_all([other, pending])
    db.session.commit()
    login(client, world["coordinator_x"])
    assert client.get(f"/cohorts/{other.id}/imports/{pending.id}").status_code == 404
    assert client.post(f"/cohorts/{other.id}/imports/{pending.id}/confirm").status_code == 404
    assert client.get(f"/cohorts/{world['cohort_x'].id}/imports/{pending.id}").status_code == 200


# -- Creating a cohort ----------------------------------------------------------------


def test_coordinator_creates_a_cohort(client, world):
    x = world["x"]
    login(client, world["coordinator_x"])
    response = client.post(
        f"/organisations/{x.id}/cohorts/new",
        data={
            "name": "  Secondary schools, summer term ",
            "pathway": "briefing",
            "starts_on": ["1", "4", "2026"],
            "ends_on": ["30", "6", "2026"],
        },
    )
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name.like("Secondary%")))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    assert cohort.name == "Secondary schools, summer term" and cohort.organisation_id == x.id
    assert str(cohort.starts_on) == "2026-04-01" and str(cohort.ends_on) == "2026-06-30"
    assert cohort.join_enabled and cohort.join_code != x.join_code
    page = text(client.get(f"/cohorts/{cohort.id}"))
    assert "Briefing for schools and early years" in page
    assert "1 April 2026" in page and "30 June 2026" in page
    assert cohort.display_join_code in page and f"/register/{cohort.join_code}" in page
    assert "Enrol learners from a CSV file" in page
    organisation_page = text(client.get(f"/organisations/{x.id}"))
    assert f'href="/cohorts/{cohort.id}"' in organisation_page
    assert "Create a cohort" in organisation_page


def test_dates_are_optional(client, world):
    login(client, world["coordinator_x"])
    response = client.post(
        f"/organisations/{world['x'].id}/cohorts/new",
        data={"name": "Rolling", "pathway": "core", "starts_on": ["", "", ""]},
    )
    assert response.status_code == 303
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Rolling"))
    assert cohort.starts_on is None and cohort.ends_on is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter a name for the cohort"),
        ({"pathway": ""}, "Choose a pathway"),
        ({"name": "primary SCHOOLS briefing"}, "already has a cohort called"),
        ({"starts_on": ["", "4", "2026"]}, "Start date must include a day"),
        ({"starts_on": ["31", "2", "2026"]}, "Start date must be a real date"),
        ({"ends_on": ["1", "", ""]}, "End date must include a month and a year"),
        ({"ends_on": ["x", "1", "26"]}, "End date must be a real date"),
        ({"ends_on": ["31", "3", "2026"]}, "End date must be the same as or after the start date"),
    ],
)
def test_cohort_validation(client, world, changes, message):
    data = {"name": "New cohort", "pathway": "core", "starts_on": ["1", "4", "2026"]}
    data.update(changes)
    login(client, world["coordinator_x"])
    before = count(Cohort)
    response = client.post(f"/organisations/{world['x'].id}/cohorts/new", data=data)
    assert response.status_code == 200
    assert message in text(response)
    assert count(Cohort) == before


def test_tampered_pathway_is_refused(client, world):
    login(client, world["coordinator_x"])
    response = client.post(
        f"/organisations/{world['x'].id}/cohorts/new", data={"name": "A", "pathway": "secret"}
    )
    assert response.status_code == 400
    assert count(Cohort) == 2


def test_cohort_join_code_can_be_regenerated_and_switched_off(client, world, app):
    cohort = world["cohort_x"]
    old = cohort.join_code
    visitor = app.test_client()
    login(client, world["coordinator_x"])
    client.post(f"/cohorts/{cohort.id}/join-code/new")
    db.session.refresh(cohort)
    assert cohort.join_code != old
    assert visitor.get(f"/register/{old}").status_code == 404
    assert visitor.get(f"/register/{cohort.join_code}").status_code == 200
    client.post(f"/cohorts/{cohort.id}/join-code/switch")
    db.session.refresh(cohort)
    assert not cohort.join_enabled
    assert visitor.get(f"/register/{cohort.join_code}").status_code == 404


# -- Joining with a cohort's code -----------------------------------------------------


def registration(**changes):
    data = {
        "name": "Alex Example",
        "email": "alex@example.org",
        "job_role": "SOCIAL_WORKER",  # would be the core pathway without a cohort
        "team": "none",
        "password": "kettle lantern orchard",
    }
    data.update(changes)
    return data


def test_joining_with_a_cohort_code_enrols_on_its_pathway(client, world):
    cohort = world["cohort_x"]
    typed = cohort.join_code.lower()[:4] + "-" + cohort.join_code.lower()[4:]
    response = client.post("/register", data={"code": typed})
    assert response.headers["Location"] == f"/register/{cohort.join_code}"
    page = text(client.get(response.headers["Location"]))
    assert "Organisation X: Primary schools briefing" in page and "Early help" in page
    response = client.post(f"/register/{cohort.join_code}", data=registration())
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "alex@example.org"))
    assert user.organisation_id == world["x"].id
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert [(e.pathway_id, e.cohort_id) for e in enrolments] == [("briefing", cohort.id)]


def test_joining_with_the_organisation_code_still_enrols_by_job_role(client, world):
    x = world["x"]
    client.post(f"/register/{x.join_code}", data=registration())
    user = db.session.scalar(sa.select(User).where(User.email == "alex@example.org"))
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert [(e.pathway_id, e.cohort_id) for e in enrolments] == [("core", None)]


def test_switched_off_cohort_code_is_refused(client, world):
    cohort = world["cohort_x"]
    cohort.join_enabled = False
    db.session.commit()
    response = client.post("/register", data={"code": cohort.join_code})
    assert "not recognised or has been switched off" in text(response)
    assert client.post(f"/register/{cohort.join_code}", data=registration()).status_code == 404
    assert count(User) == 5


# -- CSV upload and preview -----------------------------------------------------------

PROBLEM_FILE = HEADER + (
    "Ada Lovelace,ada@example.org,duty,teacher\n"  # row 2: fine (case-insensitive)
    ",nameless@example.org,,\n"  # row 3: missing name
    "No Email,,,\n"  # row 4: missing email
    "Bad Email,not-an-email,,\n"  # row 5: badly formed
    "Ada Again,ADA@example.org,,\n"  # row 6: duplicate of row 2
    "Yan,yan@y.example.org,,\n"  # row 7: account in organisation Y: shown as new
    "Tess,tess@example.org,Nowhere,\n"  # row 8: unknown team
    "Rob,rob@example.org,,Astronaut\n"  # row 9: unknown job role
    "Smith, Jo,jo@example.org,Duty,Teacher\n"  # row 10: unquoted comma
    "Kim,kim@x.example.org,,Social worker\n"  # row 11: existing learner in X
)


def test_preview_lists_each_rows_problems_and_imports_nothing(client, world):
    cohort = world["cohort_x"]
    login(client, world["coordinator_x"])
    users_before = count(User)
    response = upload_csv(client, cohort, PROBLEM_FILE)
    assert response.status_code == 303
    preview = client.get(response.headers["Location"])
    page = text(preview)
    rows = {row["row"]: row for row in latest_import().rows}
    assert rows[2]["status"] == "new" and rows[2]["problems"] == []
    assert rows[7]["status"] == "new" and rows[7]["problems"] == []  # nothing said of Y
    assert rows[7]["user_id"] is None and "Organisation Y" not in page
    assert rows[11]["status"] == "existing"
    expected = {
        3: "Enter a name",
        4: "Enter an email address",
        5: "Enter an email address in the correct format",
        6: "This email address is also in row 2",
        8: "Organisation X has no team called Nowhere",
        9: "Astronaut is not one of the job roles",
        10: "This row has more cells than there are columns",
    }
    for number, problem in expected.items():
        assert rows[number]["status"] == "problem", number
        assert any(p.startswith(problem) for p in rows[number]["problems"]), number
        assert problem in page
    assert "Import 3 learners" in page
    assert count(User) == users_before
    assert cohort_enrolments(cohort) == []


def test_bom_crlf_and_header_case_are_accepted(client, world):
    content = "\ufeffName,E-mail,Team,Job Role\r\nAda,ada@example.org,Duty,TEACHER\r\n\r\n"
    content = content.replace("E-mail", "Email")
    login(client, world["coordinator_x"])
    response = upload_csv(client, world["cohort_x"], content.encode("utf-8"))
    assert response.status_code == 303
    (row,) = latest_import().rows
    assert row["name"] == "Ada" and row["status"] == "new"
    assert row["job_role_name"] == "TEACHER" and row["team_id"] is not None


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"PK\x03\x04\x00\x00binary", "learners.csv", "must be a CSV file"),
        (HEADER.encode() + b"Jos\xe9,jose@example.org,,\n", "learners.csv", "not saved as UTF-8"),
        (HEADER.encode(), "learners.xlsx", "must be a CSV file"),
        (b"", "learners.csv", "The selected file is empty"),
        (b"\n\n", "learners.csv", "The selected file is empty"),
        (HEADER.encode(), "learners.csv", "has no learners in it"),
        (b"full name,email\nAda,ada@example.org\n", "learners.csv", "must be the column names"),
        (b"name,email,email\nAda,a@example.org,b@example.org\n", "x.csv", "column names"),
        (b'name,email\n"Ada,ada@example.org\n', "learners.csv", None),  # unclosed quote
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(client, world, content, filename, message):
    login(client, world["coordinator_x"])
    response = upload_csv(client, world["cohort_x"], content, filename)
    if message is None:  # Python's csv reads an unclosed quote to the end; one bad row
        assert response.status_code == 303
        return
    assert response.status_code == 200
    assert message in text(response)
    assert count(EnrolmentImport) == 0


def test_a_file_not_saved_as_utf8_says_how_to_save_it(client, world):
    """As Excel's "CSV (Comma delimited)" saves on Windows: Windows-1252."""
    login(client, world["coordinator_x"])
    content = (DATA / "learners-windows-1252.csv").read_bytes()
    response = upload_csv(client, world["cohort_x"], content)
    page = text(response)
    assert response.status_code == 200 and "must be a CSV file" not in page
    assert "not saved as UTF-8" in page and "CSV UTF-8 (Comma delimited)" in page
    assert count(EnrolmentImport) == 0


def test_a_file_with_semicolons_between_its_columns_is_read(client, world):
    """As Excel saves a CSV file where a comma is the decimal mark."""
    login(client, world["coordinator_x"])
    content = (DATA / "learners-semicolons.csv").read_bytes()
    assert upload_csv(client, world["cohort_x"], content).status_code == 303
    ada, jo = latest_import().rows
    assert (ada["name"], ada["email"], ada["status"]) == ("Ada Lovelace", "ada@example.org", "new")
    assert ada["team_id"] is not None and ada["job_role_name"] == "TEACHER"
    assert (jo["name"], jo["status"]) == ("Smith, Jo", "new")


def test_a_file_must_be_chosen(client, world):
    login(client, world["coordinator_x"])
    response = client.post(
        f"/cohorts/{world['cohort_x'].id}/imports/new", content_type="multipart/form-data"
    )
    assert "Select a CSV file" in text(response)


def test_too_many_rows_are_refused(client, world, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_ROWS", 3)
    content = HEADER + "".join(f"P{n},p{n}@example.org,,\n" for n in range(4))
    login(client, world["coordinator_x"])
    response = upload_csv(client, world["cohort_x"], content)
    assert "no more than 3 learners" in text(response)


def test_too_large_files_are_refused(client, world, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_BYTES", 100)
    login(client, world["coordinator_x"])
    response = upload_csv(client, world["cohort_x"], HEADER + "A,a@example.org,,\n" * 10)
    assert "must be smaller than 1 MB" in text(response)


def test_a_huge_request_is_refused_before_it_is_read(client, world, monkeypatch):
    monkeypatch.setattr("courseapp.cohorts.routes.UPLOAD_REQUEST_LIMIT", 1000)
    login(client, world["coordinator_x"])
    response = upload_csv(client, world["cohort_x"], HEADER + "A,a@example.org,,\n" * 200)
    assert response.status_code == 413
    assert "must be smaller than 1 MB" in text(response)
    assert count(EnrolmentImport) == 0


def test_checking_a_file_takes_the_same_queries_whatever_its_size(client, world, count_queries):
    login(client, world["coordinator_x"])
    sizes = []
    for n in (3, 60):
        content = HEADER + "".join(f"P{i},p{i}@example.org,Duty,Teacher\n" for i in range(n))
        with count_queries() as queries:
            assert upload_csv(client, world["cohort_x"], content).status_code == 303
        sizes.append(len(queries))
    assert sizes[0] == sizes[1]


# -- Confirming -----------------------------------------------------------------------


def confirm(client, cohort: Cohort, upload_id: int):
    return client.post(f"/cohorts/{cohort.id}/imports/{upload_id}/confirm")


def test_confirm_imports_every_valid_row_and_lists_password_links(client, world, make_user):
    cohort, x = world["cohort_x"], world["x"]
    kim = world["learner_x"]
    db.session.add(Enrolment(user_id=kim.id, pathway_id="briefing"))  # not yet in a cohort
    db.session.commit()
    coordinator = world["coordinator_x"]
    login(client, coordinator)
    upload_csv(client, cohort, PROBLEM_FILE)
    pending = latest_import()
    response = confirm(client, cohort, pending.id)
    assert response.status_code == 200
    page = text(response)
    ada = db.session.scalar(sa.select(User).where(User.email == "ada@example.org"))
    assert ada.password_hash is None and ada.role is Role.LEARNER
    assert ada.organisation_id == x.id and ada.team.name == "Duty"
    assert ada.job_role is JobRole.TEACHER
    enrolled = {(e.user_id, e.pathway_id) for e in cohort_enrolments(cohort)}
    assert enrolled == {(ada.id, "briefing"), (kim.id, "briefing")}
    assert count(Enrolment) == 2  # Kim's enrolment moved into the cohort, not duplicated
    assert db.session.scalar(sa.select(User).where(User.email == "tess@example.org")) is None
    links = re.findall(r"<code[^>]*>([^<]+)</code>", page)
    assert len(links) == 1 and "ada@example.org" in page
    assert "kim@x.example.org" not in page  # existing accounts keep their password
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "csv-import"))
    assert event.actor_id == coordinator.id and event.subject == f"cohort {cohort.id}"
    db.session.refresh(pending)
    assert pending.confirmed_at is not None
    assert "Imported learners" in text(client.get(f"/cohorts/{cohort.id}/imports/{pending.id}"))
    cohort_page = text(client.get(f"/cohorts/{cohort.id}"))
    assert re.search(r"Learners enrolled\s*</dt>\s*<dd[^>]*>\s*2\s*</dd>", cohort_page)
    client.post("/logout")
    assert client.get(links[0].removeprefix("http://localhost")).status_code == 200


def test_links_are_emailed_when_mail_is_configured(client, world, app):
    with mail_to(app) as smtp:
        login(client, world["coordinator_x"])
        upload_csv(
            client, world["cohort_x"], HEADER + "Ada,ada@example.org,,\nBo,bo@example.org,,\n"
        )
        upload_id = latest_import().id
        page = text(confirm(client, world["cohort_x"], upload_id))
        queue.wait_for_jobs()
        assert "Send all links by email" in page
        assert smtp.mailbox.messages == []  # the coordinator chooses when
        url = f"/cohorts/{world['cohort_x'].id}/imports/{upload_id}/email-links"
        page = text(client.post(url, follow_redirects=True))
        queue.wait_for_jobs()
    assert "We are sending 2 emails" in page and "/password/" not in page
    assert len(smtp.mailbox.messages) == 2
    for address in ("ada@example.org", "bo@example.org"):
        [message] = smtp.mailbox.to(address)
        assert message["Subject"] == f"Set your password for {app.config['SERVICE_NAME']}"
        [token] = re.findall(r"http://localhost/password/(\S+)", message.get_content())
        assert user_for_password_token(token).email == address


def test_a_failure_part_way_imports_nothing(client, world, monkeypatch):
    cohort = world["cohort_x"]
    login(client, world["coordinator_x"])
    content = HEADER + "".join(f"P{n},p{n}@example.org,,\n" for n in range(5))
    upload_csv(client, cohort, content)
    pending = latest_import()
    users_before = count(User)
    real_enrol_row = imports._enrol_row
    calls = []

    def failing_enrol_row(*args):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        enrolment = real_enrol_row(*args)
        db.session.flush()  # rows 1 and 2 really reach the database first
        return enrolment

    monkeypatch.setattr(imports, "_enrol_row", failing_enrol_row)
    assert confirm(client, cohort, pending.id).status_code == 500
    assert len(calls) == 3
    assert count(User) == users_before
    assert count(Enrolment) == 0
    assert count(AuditEvent) == 0
    db.session.refresh(pending)
    assert pending.confirmed_at is None  # it can be tried again
    monkeypatch.setattr(imports, "_enrol_row", real_enrol_row)
    assert confirm(client, cohort, pending.id).status_code == 200
    assert len(cohort_enrolments(cohort)) == 5


def test_confirming_twice_imports_once(client, world):
    cohort = world["cohort_x"]
    login(client, world["coordinator_x"])
    upload_csv(client, cohort, HEADER + "Ada,ada@example.org,,\nBo,bo@example.org,,\n")
    pending = latest_import()
    assert confirm(client, cohort, pending.id).status_code == 200
    again = confirm(client, cohort, pending.id)
    assert again.status_code == 303
    assert "already been imported" in text(client.get(again.headers["Location"]))
    assert count(User) == 7 and len(cohort_enrolments(cohort)) == 2
    assert count(AuditEvent) == 1


def test_confirmations_at_the_same_moment_import_once(app, world):
    """Four tabs press the button at once: one import, the others are told it is done."""
    cohort_id = world["cohort_x"].id
    clients = [app.test_client() for _ in range(4)]
    for each in clients:
        login(each, world["coordinator_x"])
    upload_csv(
        clients[0], world["cohort_x"], HEADER + "".join(f"P{n},p{n}@x.org,,\n" for n in range(20))
    )
    url = f"/cohorts/{cohort_id}/imports/{latest_import().id}/confirm"
    db.session.rollback()
    barrier = threading.Barrier(len(clients))
    statuses = []

    def press(each):
        barrier.wait()
        statuses.append(each.post(url).status_code)

    threads = [threading.Thread(target=press, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 303, 303, 303]
    assert count(User) == 25 and count(Enrolment) == 20 and count(AuditEvent) == 1


def test_the_confirmation_claim_is_atomic(app, world):
    """Two tabs: both loaded the import before either confirmed; only one may win."""
    cohort = world["cohort_x"]
    pending = EnrolmentImport(cohort=cohort, rows=[])
    db.session.add(pending)
    db.session.commit()
    imports._claim(pending)
    db.session.commit()
    set_committed_value(pending, "confirmed_at", None)  # the second tab's stale copy
    with pytest.raises(imports.AlreadyConfirmed):
        imports._claim(pending)


def test_changes_since_the_preview_are_shown_before_anything_is_imported(client, world, make_user):
    cohort = world["cohort_x"]
    login(client, world["coordinator_x"])
    upload_csv(client, cohort, HEADER + "Ada,ada@example.org,,\nBo,bo@example.org,,\n")
    pending = latest_import()
    make_user(organisation=world["x"], email="bo@example.org")  # Bo joined X meanwhile
    users_before = count(User)
    response = confirm(client, cohort, pending.id)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Some rows have changed" in page
    assert cohort_enrolments(cohort) == []
    assert latest_import().rows[1]["status"] == "existing"
    assert confirm(client, cohort, pending.id).status_code == 200
    assert len(cohort_enrolments(cohort)) == 2
    assert count(User) == users_before + 1  # Ada is new; Bo keeps his own account


def test_staff_accounts_are_never_enrolled_as_learners(client, world, app, make_user):
    """A coordinator's own address, or a staff account the coordinator can see on the
    organisation's page, is a row that cannot be imported. A coordinator elsewhere is
    treated as anyone's address elsewhere (shown as new, left alone, told by email); an
    administrator's too, but is not told they belong to another organisation."""
    x, cohort = world["x"], world["cohort_x"]
    me, admin, elsewhere = world["coordinator_x"], world["admin"], world["coordinator_y"]
    colleague = make_user(role=Role.COORDINATOR, organisation=world["y"], covers=(x,))
    content = HEADER + "".join(
        f"{name},{person.email},,\n"
        for name, person in (("Me", me), ("Col", colleague), ("Else", elsewhere), ("Ad", admin))
    )
    with mail_to(app) as smtp:
        login(client, me)
        preview = text(client.get(upload_csv(client, cohort, content).headers["Location"]))
        rows = latest_import().rows
        assert [row["status"] for row in rows] == ["problem", "problem", "new", "new"]
        for row in rows[:2]:
            assert row["problems"] == [imports.STAFF_ACCOUNT]
        assert imports.STAFF_ACCOUNT in preview
        assert imports.summary(latest_import()).existing == 0
        users_before = count(User)
        page = text(confirm(client, cohort, latest_import().id))
        queue.wait_for_jobs()
    assert count(User) == users_before and cohort_enrolments(cohort) == []
    assert "0 learners enrolled in" in page
    assert [message["To"] for message in smtp.mailbox.messages] == [elsewhere.email]
    for person in (me, colleague, elsewhere, admin):
        db.session.refresh(person)
        assert person.role is not Role.LEARNER


def test_learners_already_in_the_cohort_are_left_alone(client, world):
    cohort, kim = world["cohort_x"], world["learner_x"]
    db.session.add(Enrolment(user_id=kim.id, pathway_id="briefing", cohort_id=cohort.id))
    db.session.commit()
    login(client, world["coordinator_x"])
    upload_csv(client, cohort, HEADER + f"Kim,{kim.email},,\n")
    (row,) = latest_import().rows
    assert row["status"] == "unchanged"
    page = text(client.get(f"/cohorts/{cohort.id}/imports/{latest_import().id}"))
    assert "There is nobody to import" in page


def test_an_account_in_another_organisation_is_neither_revealed_nor_changed(
    client, world, app, monkeypatch
):
    """The preview shows someone else's learner as new; confirming leaves their account
    alone, and only they are told (by email, if it is set up)."""
    told = []
    monkeypatch.setattr(  # the note to the holder; not the new learner's password link
        "courseapp.accounts.services.send_email",
        lambda *a: told.append(a) if a[1].startswith("Someone tried") else None,
    )
    app.config["MAIL_SERVER"] = "smtp.example.org"
    cohort, yan = world["cohort_x"], world["learner_y"]
    login(client, world["coordinator_x"])
    content = HEADER + "Yan,YAN@y.example.org,,\nUna,una@unknown.example.org,,\n"
    preview = text(client.get(upload_csv(client, cohort, content).headers["Location"]))
    rows = latest_import().rows
    assert [row["status"] for row in rows] == ["new", "new"]
    assert "Organisation Y" not in preview and "another organisation" in preview
    users_before = count(User)
    page = text(confirm(client, cohort, latest_import().id))
    assert count(User) == users_before + 1  # Una only
    db.session.refresh(yan)
    assert yan.organisation_id == world["y"].id
    assert yan.id not in {e.user_id for e in cohort_enrolments(cohort)}
    assert [to for to, *_ in told] == ["yan@y.example.org"]
    assert "Organisation Y" not in page and "yan@" not in page
    assert "1 learner enrolled in" in page
