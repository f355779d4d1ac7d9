"""A person's own data as a download, and the privacy notice."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.rewording.models import Response, ReviewNote
from tests import learner_records as records
from tests.conftest import app_with_schema, build_app, login, sqlite_url

DOWNLOAD = "/account/your-data.json"


@pytest.fixture
def record(make_org, make_user):
    org = make_org(name="Northshire Council")
    other = make_org(name="Southvale Council")
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    other_coordinator = make_user(role=Role.COORDINATOR, organisation=other, covers=(other,))
    return records.full_record(org, coordinator, (other, other_coordinator))


def download(client) -> dict:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def test_a_learner_downloads_everything_held_about_them(client, record):
    login(client, record.learner)
    data = download(client)
    profile = data["profile"]
    assert profile["name"] == records.NAME and profile["email"] == records.EMAIL
    assert profile["organisation"] == "Northshire Council"
    assert profile["job_role"] == "Social worker" and profile["account_type"] == "Learner"
    assert profile["created"] and profile["last_sign_in"] and profile["email_confirmed"]
    assert [(e["pathway"], e["cohort"]) for e in data["enrolments"]] == [("core", "Spring cohort")]
    assert data["enrolments"][0]["enrolled"]
    progress = data["module_progress"]
    assert progress and all(row["completed"] for row in progress)
    assert any(row["last_part_opened"] for row in progress)

    tests = data["test_attempts"]
    assert [(t["phase"], t["attempt_number"]) for t in tests] == [("pre", 1), ("post", 1)]
    stored = db.session.scalar(sa.select(sa.func.count(Answer.id)))
    assert sum(len(t["answers"]) for t in tests) == stored - len(tests[0]["answers"])  # colleague
    assert [t["score_percent"] for t in tests] == [None, 100]  # the pre-test's is never shown
    for test in tests:
        assert test["submitted"]
        assert all(a["question"] and "response" in a for a in test["answers"])
    # Marks item by item only where the results show the answers: the passed post-test,
    # not the pre-test, whose form is other learners' post-test.
    assert {a["mark"] for a in tests[0]["answers"]} == {None}
    assert {a["mark"] for a in tests[1]["answers"]} == {1.0, None}  # None: self-ratings
    assert tests[1]["passed"] is True

    first, second = data["rewordings"]
    assert (first["version"], first["text"]) == (1, records.FIRST_DRAFT)
    assert (second["version"], second["text"]) == (2, records.SECOND_DRAFT)
    assert second["self_rating"] == "partly"
    for version in (first, second):
        assert version["verdict"] in ("constructive", "needs_work")
        assert isinstance(version["flags"], list) and isinstance(version["strengths"], list)
    assert first["coordinator_comments"] == [
        {
            "mark": "discuss",
            "comment": records.COMMENT,
            "written": first["coordinator_comments"][0]["written"],
        }
    ]
    assert second["coordinator_comments"] == []

    [certificate] = data["certificates"]
    assert certificate["code"] == record.certificate.code and certificate["pathway"] == "core"
    assert certificate["cpd_hours"] == record.certificate.cpd_hours
    assert certificate["issued"]

    [reflection] = data["cpd_reflections"]
    assert reflection["about"] == "module" and reflection["what_i_learnt"] == records.REFLECTION
    assert reflection["discussed_with"] == f"Discussed with {records.COLLEAGUE}."
    assert reflection["shared_with_coordinator"] is True and reflection["written"]


def test_the_download_holds_nobody_elses_data(client, record):
    login(client, record.colleague)
    text = client.get(DOWNLOAD).get_data(as_text=True)
    data = json.loads(text)
    assert data["profile"]["email"] == records.COLLEAGUE_EMAIL
    assert records.NAME not in text and records.EMAIL not in text
    assert records.FIRST_DRAFT not in text and record.certificate.code not in text
    assert [t["phase"] for t in data["test_attempts"]] == ["pre"]
    assert data["rewordings"] == [] and data["certificates"] == []
    assert data["cpd_reflections"] == [] and records.REFLECTION not in text


def test_the_download_needs_a_signed_in_user(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_download_their_own_data_too(client, make_org, make_user, role):
    org = make_org()
    person = make_user(
        role=role, organisation=org, covers=(org,) if role is Role.COORDINATOR else ()
    )
    login(client, person)
    data = download(client)
    assert data["profile"]["email"] == person.email
    assert data["profile"]["account_type"] == role.label


def _bulk_history(user_id: int, size: int) -> None:
    """`size` test attempts with ten answers each and `size` rewordings with two comments."""
    now = utcnow()
    for n in range(1, size + 1):
        attempt = TestAttempt(user_id=user_id, pathway_id="core", test_id="core-test",
                              phase=Phase.POST, number=n, item_order=[], option_orders={},
                              submitted_at=now, score=0.5)  # fmt: skip
        response = Response(user_id=user_id, exercise_id="let-him-in", version=n,
                            text=f"Version {n}", verdict="needs_work", flags=[],
                            strengths=[])  # fmt: skip
        db.session.add_all([attempt, response])
        db.session.flush()
        db.session.add_all(
            Answer(attempt_id=attempt.id, item_id=f"item-{i}", response="a", score=0.5)
            for i in range(10)
        )
        db.session.add_all(
            ReviewNote(response_id=response.id, comment=f"Comment {i}") for i in range(2)
        )
    db.session.commit()


def test_the_download_takes_the_same_number_of_queries_however_much_there_is(
    client, make_org, make_user, count_queries
):
    org = make_org()
    small, large = make_user(organisation=org), make_user(organisation=org)
    _bulk_history(small.id, 1)
    _bulk_history(large.id, 40)
    counts = []
    for person, expected in ((small, 1), (large, 40)):
        login(client, person)
        with count_queries() as queries:
            data = download(client)
        assert len(data["test_attempts"]) == len(data["rewordings"]) == expected
        assert sum(len(r["coordinator_comments"]) for r in data["rewordings"]) == 2 * expected
        counts.append(len(queries))
        client.post("/logout")
    assert counts[0] == counts[1] <= 15  # one query per kind of record kept


def test_your_account_links_to_the_download_and_the_notice(client, make_user):
    login(client, make_user())
    page = client.get("/account").get_data(as_text=True)
    assert f'href="{DOWNLOAD}"' in page and "Download your data" in page
    assert 'href="/privacy"' in page


def test_the_notice_is_linked_from_the_footer_and_the_registration_page(client, make_org):
    org = make_org()
    for path in ("/", "/login", f"/register/{org.join_code}"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in page, path
    register = client.get(f"/register/{org.join_code}").get_data(as_text=True)
    assert "how we look after your information" in register


def test_the_notice_explains_each_part_in_plain_terms(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for heading in ("What we keep", "Why we keep it", "How long we keep it", "Who can see it",
                    "Your rights", "Please use made-up details in exercises"):  # fmt: skip
        assert f">{heading}</h2>" in page, heading
    assert "2 years (730 days)" in page
    assert "shows only your name, the course and the date" in page


@pytest.mark.parametrize(("days", "said"), [(400, "400 days"), (365, "1 year (365 days)")])
def test_the_notice_names_the_retention_period_from_the_settings(tmp_path, days, said):
    app = build_app(sqlite_url(tmp_path), tmp_path, ATTEMPT_RETENTION_DAYS=days)
    with app_with_schema(app):
        page = app.test_client().get("/privacy").get_data(as_text=True)
    assert f"once they are {said} old" in page
    assert "730" not in page


def test_the_notice_says_what_backups_keep_and_for_how_long(tmp_path):
    app = build_app(sqlite_url(tmp_path), tmp_path, BACKUP_RETENTION_DAYS=28)
    with app_with_schema(app):
        page = app.test_client().get("/privacy").get_data(as_text=True)
    assert "Copies of the database made as backups" in page
    assert "we keep backups for 28 days" in page
