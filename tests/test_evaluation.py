"""The course evaluation: a learner gives it once, after the certificate, and coordinators
see it only as totals for groups of five or more, never who wrote what."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.catalogue import course
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.content.services import enrol
from courseapp.evaluation import services
from courseapp.evaluation.models import EvaluationAnswer, EvaluationRecord, Outcome
from courseapp.extensions import db
from courseapp.forms import TAMPERED_MESSAGE
from courseapp.privacy.erasure import erase_learner
from tests.conftest import count, login
from tests.test_concurrency import at_once

URL = "/pathways/core/evaluation"
REPORT = "/reports/evaluation"
GOOD = {"useful": "4", "relevant": "5", "do_differently": "Ask about the children first"}


@pytest.fixture
def finished(make_user):
    """A learner who has finished the core pathway (a certificate), in a cohort if given."""

    def _make(organisation, cohort=None, team=None, **fields):
        user = make_user(organisation=organisation, team=team, **fields)
        pathway = course().pathways["core"]
        if cohort is not None:
            enrol_in_cohort(user, cohort, pathway)
        else:
            enrol(user, pathway)
        db.session.add(Certificate(user_id=user.id, pathway_id="core", minutes=240))
        db.session.commit()
        return user

    return _make


@pytest.fixture
def org(make_org):
    return make_org(name="Northshire Council", teams=("Duty", "Assessment"))


@pytest.fixture
def coordinator(make_user, org):
    return make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))


def teams(org):
    """The organisation's teams, Duty then Assessment."""
    named = {team.name: team for team in org.teams}
    return named["Duty"], named["Assessment"]


def give(user, useful=4, relevant=4, differently="", improve=""):
    services.submit(
        user,
        course().pathways["core"],
        services.Feedback(useful, relevant, differently, improve),
    )
    db.session.commit()


# -- Giving feedback ---------------------------------------------------------------------


def test_a_learner_sends_feedback_once_and_it_is_kept_without_their_name(client, finished, org):
    learner = finished(org, team=teams(org)[0])
    login(client, learner)
    page = client.get(URL).get_data(as_text=True)
    assert "saved without your name" in page
    assert "never see who wrote what" in page
    response = client.post(URL, data=GOOD)
    assert response.status_code == 303
    [answer] = db.session.scalars(sa.select(EvaluationAnswer)).all()
    assert (answer.useful, answer.relevant) == (4, 5)
    assert answer.do_differently == "Ask about the children first"
    assert answer.organisation_id == org.id and answer.team_id == teams(org)[0].id
    assert answer.month.day == 1
    columns = set(EvaluationAnswer.__table__.columns.keys())
    assert not {"user_id", "created_at"} & columns
    [record] = db.session.scalars(sa.select(EvaluationRecord)).all()
    assert (record.user_id, record.outcome) == (learner.id, Outcome.SENT)
    again = client.get(URL).get_data(as_text=True)
    assert "Thank you for your feedback" in again
    assert "Thank you for your feedback" in client.post(URL, data=GOOD).get_data(as_text=True)
    assert count(EvaluationAnswer) == 1


def test_the_service_refuses_a_second_evaluation(app, finished, org):
    learner = finished(org)
    give(learner)
    with pytest.raises(services.AlreadyEvaluated):
        give(learner)
    assert count(EvaluationAnswer) == 1


def test_the_unique_key_holds_one_record_per_learner_and_pathway(app, finished, org):
    learner = finished(org)
    give(learner)
    db.session.add(EvaluationRecord(user_id=learner.id, pathway_id="core", outcome=Outcome.SENT))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("declined_first", [False, True])
def test_two_submissions_at_once_keep_one_answer(any_db_app, make_org, finished, declined_first):
    org = make_org()
    for n in range(3):
        learner = finished(org)
        if declined_first:
            services.decline(learner, course().pathways["core"])
        db.session.commit()
        clients = [any_db_app.test_client(), any_db_app.test_client()]
        for client in clients:
            assert login(client, learner).status_code == 302
        db.session.rollback()
        assert sorted(post_at_once(clients)) == [200, 303]
        assert count(EvaluationAnswer) == n + 1


def post_at_once(clients) -> list[int]:
    statuses: list[int] = []
    at_once(*(lambda c=c: statuses.append(c.post(URL, data=GOOD).status_code) for c in clients))
    return statuses


def test_only_a_learner_with_the_certificate_is_asked(client, make_user, org):
    learner = make_user(organisation=org)
    enrol(learner, course().pathways["core"])
    db.session.commit()
    login(client, learner)
    assert client.get(URL).status_code == 404
    assert client.post(URL, data=GOOD).status_code == 404
    assert client.get("/pathways/nowhere/evaluation").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"relevant": "3"}, "Select how useful the course was"),
        ({"useful": "3"}, "Select how relevant the course was to your role"),
        (
            {"useful": "3", "relevant": "3", "do_differently": "x" * 1001},
            "What you will do differently must be 1,000 characters or fewer",
        ),
        (
            {"useful": "3", "relevant": "3", "improve": "y" * 1001},
            "What we could improve must be 1,000 characters or fewer",
        ),
    ],
)
def test_answers_are_checked(client, finished, org, data, message):
    login(client, finished(org))
    response = client.post(URL, data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(EvaluationAnswer) == count(EvaluationRecord) == 0


def test_answers_of_exactly_the_limit_are_kept(client, finished, org):
    login(client, finished(org))
    data = {"useful": "1", "relevant": "2", "improve": "z" * 1000}
    assert client.post(URL, data=data).status_code == 303
    assert db.session.scalar(sa.select(EvaluationAnswer.improve)) == "z" * 1000


@pytest.mark.parametrize("value", ["6", "0", "very", "-1"])
def test_a_tampered_rating_is_refused(client, finished, org, value):
    login(client, finished(org))
    response = client.post(URL, data=GOOD | {"useful": value})
    assert response.status_code == 400
    assert TAMPERED_MESSAGE in response.get_data(as_text=True)
    assert count(EvaluationAnswer) == 0


def test_the_home_page_asks_until_answered_or_declined(client, finished, org):
    learner = finished(org)
    login(client, learner)
    assert "Give feedback" in client.get("/").get_data(as_text=True)
    assert URL in client.get("/pathways/core/certificate").get_data(as_text=True)
    response = client.post(f"{URL}/no-thanks")
    assert response.status_code == 303
    assert "Give feedback" not in client.get("/").get_data(as_text=True)
    # Still possible from the certificate, until sent.
    assert URL in client.get("/pathways/core/certificate").get_data(as_text=True)
    assert client.post(URL, data=GOOD).status_code == 303
    assert URL not in client.get("/pathways/core/certificate").get_data(as_text=True)
    record = db.session.scalar(sa.select(EvaluationRecord))
    assert record.outcome is Outcome.SENT
    client.post(f"{URL}/no-thanks")
    db.session.refresh(record)
    assert record.outcome is Outcome.SENT and count(EvaluationAnswer) == 1


def test_the_home_page_asks_once_sent(client, finished, org):
    login(client, finished(org))
    client.post(URL, data=GOOD)
    assert "Give feedback" not in client.get("/").get_data(as_text=True)


# -- The report ----------------------------------------------------------------------------


@pytest.fixture
def two_cohorts(org, finished):
    """Cohort Autumn with 5 responses (all in team Duty), cohort Spring with 4 (in team
    Assessment): Autumn and Duty are shown, Spring and Assessment are not."""
    duty, assessment = teams(org)
    autumn = create_cohort(org, "Autumn", "core")
    spring = create_cohort(org, "Spring", "core")
    for n in range(5):
        learner = finished(org, autumn, duty, name=f"Autumn Learner {n}")
        give(learner, 5, 4, f"autumn plan {n}", f"autumn idea {n}")
    for n in range(4):
        learner = finished(org, spring, assessment, name=f"Spring Learner {n}")
        give(learner, 1, 2, f"spring plan {n}", f"spring idea {n}")
    return autumn, spring


def test_groups_of_five_are_shown_and_smaller_ones_are_not(client, coordinator, two_cohorts):
    login(client, coordinator)
    page = client.get(REPORT).get_data(as_text=True)
    assert "Fewer than 5 responses" in page
    assert "5.0 out of 5" in page and "4.0 out of 5" in page  # Autumn, and Duty
    assert "1.0 out of 5" not in page and "2.0 out of 5" not in page  # Spring, Assessment
    for n in range(5):
        assert f"autumn plan {n}" in page and f"autumn idea {n}" in page
    for n in range(4):
        assert f"spring plan {n}" not in page and f"spring idea {n}" not in page


def test_a_fifth_response_shows_the_group(client, coordinator, two_cohorts, finished, org):
    _autumn, spring = two_cohorts
    give(finished(org, spring, teams(org)[1]), 1, 2, "spring plan 4")
    login(client, coordinator)
    page = client.get(REPORT).get_data(as_text=True)
    assert "Fewer than 5 responses" not in page
    assert "1.0 out of 5" in page and "2.0 out of 5" in page
    assert "spring plan 0" in page and "spring plan 4" in page


def test_teams_follow_the_same_rule(client, coordinator, org, finished):
    """Five in team Duty spread over cohorts of fewer than five: the team is shown, the
    cohorts and their written answers are not."""
    duty, assessment = teams(org)
    cohorts = [create_cohort(org, name, "core") for name in ("Autumn", "Spring")]
    for n in range(5):
        give(finished(org, cohorts[n % 2], duty), 3, 3, f"duty plan {n}")
    for _ in range(4):
        give(finished(org, None, assessment), 2, 2)
    login(client, coordinator)
    totals = export(client, "totals")
    by_team = {row["group"]: row for row in totals if row["grouped by"] == "team"}
    assert by_team["Duty"]["responses"] == "5"
    assert by_team["Duty"]["average usefulness (1 to 5)"] == "3.0"
    assert by_team["Assessment"]["responses"] == "fewer than 5 responses"
    assert by_team["Assessment"]["average usefulness (1 to 5)"] == ""
    cohort_rows = [row for row in totals if row["grouped by"] == "cohort"]
    assert {row["responses"] for row in cohort_rows} == {"fewer than 5 responses"}
    page = client.get(REPORT).get_data(as_text=True)
    assert "duty plan" not in page
    assert export(client, "answers") == []


def test_no_total_for_the_organisation_is_shown(client, coordinator, two_cohorts):
    """9 responses in all, 5 shown: a total of 9 would give away the 4."""
    login(client, coordinator)
    page = client.get(REPORT).get_data(as_text=True)
    assert ">9<" not in page and " 9 responses" not in page
    rows = export(client, "totals")
    assert {row["group"] for row in rows} == {"Autumn", "Spring", "Duty", "Assessment"}


def test_a_team_and_a_cohort_together_are_refused(client, coordinator, two_cohorts, org):
    autumn, _spring = two_cohorts
    login(client, coordinator)
    page = client.get(REPORT, query_string={"team": teams(org)[0].id, "cohort": autumn.id})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Choose a team or a cohort, not both" in text
    assert "autumn plan" not in text and "5.0 out of 5" not in text
    both = {"team": teams(org)[0].id, "cohort": autumn.id}
    assert client.get(f"{REPORT}/totals.csv", query_string=both).status_code == 400


def test_a_team_filter_shows_that_team_without_written_answers(
    client, coordinator, two_cohorts, org
):
    login(client, coordinator)
    page = client.get(REPORT, query_string={"team": teams(org)[0].id}).get_data(as_text=True)
    assert "By team" in page and "By cohort" not in page
    assert "autumn plan" not in page and "listed by cohort, not by team" in page


def test_the_report_names_nobody(client, coordinator, two_cohorts):
    learners = db.session.execute(
        sa.text("SELECT name, email FROM users WHERE role = 'LEARNER'")
    ).all()
    assert len(learners) == 9
    login(client, coordinator)
    bodies = [
        client.get(REPORT).get_data(as_text=True),
        client.get(f"{REPORT}/totals.csv").get_data(as_text=True),
        client.get(f"{REPORT}/answers.csv").get_data(as_text=True),
    ]
    for name, email in learners:
        for body in bodies:
            assert name not in body and email not in body


def test_written_answers_are_escaped(client, coordinator, org, finished):
    cohort = create_cohort(org, "Autumn", "core")
    for n in range(5):
        give(finished(org, cohort), 3, 3, f"<script>alert({n})</script>")
    login(client, coordinator)
    page = client.get(REPORT).get_data(as_text=True)
    assert "<script>alert(0)</script>" not in page
    assert "&lt;script&gt;alert(0)&lt;/script&gt;" in page


def export(client, kind: str, **query) -> list[dict[str, str]]:
    response = client.get(f"{REPORT}/{kind}.csv", query_string=query)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_files_have_their_columns_and_are_safe_in_a_spreadsheet(
    client, coordinator, org, finished
):
    cohort = create_cohort(org, "=Autumn", "core")
    texts = ['=HYPERLINK("http://x.invalid")', "+1", "-2", "@SUM(A1)", "plain words"]
    for text in texts:
        give(finished(org, cohort, teams(org)[0]), 4, 4, text, "")
    login(client, coordinator)
    raw = client.get(f"{REPORT}/totals.csv").data.decode("utf-8-sig")
    assert raw.splitlines()[0] == (
        "grouped by,organisation,group,responses,average usefulness (1 to 5),"
        "average relevance to role (1 to 5)"
    )
    totals = export(client, "totals")
    assert {"grouped by": "cohort", "organisation": "Northshire Council", "group": "'=Autumn",
            "responses": "5", "average usefulness (1 to 5)": "4.0",
            "average relevance to role (1 to 5)": "4.0"} in totals  # fmt: skip
    answers = export(client, "answers")
    assert list(answers[0]) == ["organisation", "cohort", "question", "answer"]
    written = sorted(row["answer"] for row in answers)
    assert written == sorted(["'=HYPERLINK(\"http://x.invalid\")", "'+1", "'-2", "'@SUM(A1)",
                              "plain words"])  # fmt: skip
    assert {row["question"] for row in answers} == {"What will you do differently in your work?"}


def test_exports_are_recorded_in_the_audit_log(client, coordinator, two_cohorts):
    login(client, coordinator)
    client.get(f"{REPORT}/answers.csv")
    actions = db.session.scalars(sa.text("SELECT action FROM audit_events")).all()
    assert "export-evaluation-answers" in actions


def test_another_organisations_coordinator_sees_none_of_it(
    client, make_org, make_user, two_cohorts, org
):
    autumn, _spring = two_cohorts
    other = make_org(name="Eastbrook Trust")
    stranger = make_user(role=Role.COORDINATOR, organisation=other, covers=(other,))
    login(client, stranger)
    page = client.get(REPORT).get_data(as_text=True)
    assert "autumn plan" not in page and "Autumn" not in page
    assert "No one has given feedback on this course yet" in page
    for query in ({"organisation": org.id}, {"team": teams(org)[0].id}, {"cohort": autumn.id}):
        assert client.get(REPORT, query_string=query).status_code == 404
        assert client.get(f"{REPORT}/answers.csv", query_string=query).status_code == 404
    assert export(client, "answers") == []


def test_an_unknown_pathway_is_not_found(client, coordinator):
    login(client, coordinator)
    assert client.get(REPORT, query_string={"pathway": "nowhere"}).status_code == 404
    assert client.get(REPORT, query_string={"pathway": "core"}).status_code == 200


def test_an_administrator_sees_every_organisation(client, make_user, two_cohorts):
    login(client, make_user(role=Role.ADMIN))
    page = client.get(REPORT).get_data(as_text=True)
    assert "autumn plan 0" in page and "Northshire Council" in page


def test_learners_may_not_open_the_report(client, finished, org):
    login(client, finished(org))
    assert client.get(REPORT).status_code == 403
    assert client.get(f"{REPORT}/totals.csv").status_code == 403


def test_the_report_is_in_the_reports_navigation(client, coordinator):
    login(client, coordinator)
    assert 'href="/reports/evaluation' in client.get("/reports/").get_data(as_text=True)


def test_the_report_takes_the_same_number_of_queries_however_many_answer(
    client, coordinator, org, finished, count_queries
):
    cohort = create_cohort(org, "Autumn", "core")
    counts = []
    for total in (5, 15):
        while count(EvaluationAnswer) < total:
            give(finished(org, cohort, teams(org)[0]), 3, 3, "a plan")
        login(client, coordinator)
        with count_queries() as queries:
            assert client.get(REPORT).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- Privacy ------------------------------------------------------------------------------


def test_the_data_download_holds_the_record_but_not_the_answers(client, finished, org):
    learner = finished(org)
    login(client, learner)
    client.post(URL, data=GOOD)
    data = client.get("/account/your-data.json").get_json()
    [entry] = data["course_evaluations"]
    assert entry["pathway"] == "core" and entry["outcome"] == "feedback sent"
    assert "Ask about the children first" not in client.get("/account/your-data.json").get_data(
        as_text=True
    )


def test_erasing_a_learner_removes_the_record_and_keeps_the_unlinked_answer(
    app, finished, org, make_user
):
    learner = finished(org)
    give(learner, 3, 3, "kept without a name")
    erase_learner(learner, make_user(role=Role.ADMIN))
    db.session.commit()
    assert count(EvaluationRecord) == 0
    assert db.session.scalar(sa.select(EvaluationAnswer.do_differently)) == "kept without a name"


def test_the_privacy_notice_says_what_is_kept_and_why_it_cannot_be_erased(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Your feedback on a course" in page
    assert "we cannot find them to show you, include them in your data download" in page
