"""Certificate renewal: how long a certificate stays current (pathways.yaml), "valid
until" on the certificate and its verification, the sweep's reminders 60 and 14 days
before it lapses, the renewal round on lapse, and certificate currency in the reports."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from courseapp.accounts.models import Role
from courseapp.assessment import attempts, grants, journey, renewal
from courseapp.assessment.certificates import certificate_document
from courseapp.assessment.models import Certificate, Phase, Renewal
from courseapp.catalogue import course
from courseapp.clock import clock
from courseapp.cohorts import members
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.config import PROJECT_ROOT
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.jobs.models import Notice
from courseapp.jobs.renewals import reminder_due
from courseapp.reports.currency import certificate_currency
from tests.conftest import (
    app_with_schema,
    build_app,
    complete_the_work,
    login,
    postgres_url,
    right_answers,
    sqlite_url,
)
from tests.conftest import sweep as run_sweep
from tests.mailbox import SMTPServer

ISSUED = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VALID_UNTIL = date(2027, 3, 10)  # 24 months on, the core pathway's setting


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def mail_app(tmp_path, smtp) -> Iterator[Flask]:
    app = build_app(postgres_url(), tmp_path, **smtp.settings())
    with app_with_schema(app), app.app_context():
        yield app
    clock.reset()


def pass_post_test(user, pathway):
    """Take the post-test with every answer right; the certificate, if the work is done."""
    attempt = attempts.start_or_resume(user, pathway, Phase.POST)
    test = attempts.test_of(attempt)
    entries = [*test.ratings, *test.items]
    attempts.save_answers(attempt, attempts.parse_page(entries, right_answers(test, entries)))
    assert attempts.submit(attempt, pathway.definition.pass_mark)
    return journey.award_certificate(user, pathway, attempt)


def certified(make_org, make_user, email="amira@example.org", org=None):
    """A learner who completed the core pathway on ISSUED."""
    from courseapp.content.services import enrol

    clock.set(ISSUED)
    org = org or make_org()
    learner = make_user(organisation=org, name="Amira Shah", email=email)
    core = course().pathways["core"]
    enrol(learner, core)
    pre = attempts.start_or_resume(learner, core, Phase.PRE)
    attempts.submit(pre, core.definition.pass_mark)
    complete_the_work(learner, core)
    certificate = pass_post_test(learner, core)
    db.session.commit()
    return org, learner, certificate


def sweep(on: date) -> None:
    clock.set(datetime(on.year, on.month, on.day, 6, 0, tzinfo=UTC))
    run_sweep(on)


# -- Valid until, fixed when issued ---------------------------------------------------


def test_valid_until_is_fixed_when_the_certificate_is_issued(mail_app, make_org, make_user):
    _org, _learner, certificate = certified(make_org, make_user)
    assert certificate.valid_until == VALID_UNTIL
    assert renewal.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    # A pathway without the setting: its certificates never lapse.
    briefing = course().pathways["briefing"]
    assert renewal.valid_until_for(briefing, ISSUED) is None


def test_reminder_stages_never_send_a_stale_sixty_day_reminder():
    assert reminder_due(VALID_UNTIL, VALID_UNTIL - timedelta(days=61)) is None
    assert reminder_due(VALID_UNTIL, VALID_UNTIL - timedelta(days=60)) == "renewal-60-days"
    assert reminder_due(VALID_UNTIL, VALID_UNTIL - timedelta(days=15)) == "renewal-60-days"
    assert reminder_due(VALID_UNTIL, VALID_UNTIL - timedelta(days=14)) == "renewal-14-days"
    assert reminder_due(VALID_UNTIL, VALID_UNTIL) == "renewal-14-days"
    assert reminder_due(VALID_UNTIL, VALID_UNTIL + timedelta(days=1)) is None


def test_certificate_page_pdf_and_verification_show_valid_until(mail_app, make_org, make_user):
    _org, learner, certificate = certified(make_org, make_user)
    client = mail_app.test_client()
    login(client, learner)
    clock.set(datetime(2026, 1, 5, tzinfo=UTC))
    page = client.get("/pathways/core/certificate").get_data(as_text=True)
    assert "Valid until" in page and "10 March 2027" in page
    with mail_app.test_request_context():
        document = certificate_document(certificate, course().pathways["core"], learner)
    words = " ".join(
        box.text for box in document.pages[0]._page_box.descendants() if hasattr(box, "text")
    )
    assert "Valid until" in words and "10 March 2027" in words
    visitor = mail_app.test_client()
    verified = visitor.get(f"/certificates/{certificate.code}")
    text = verified.get_data(as_text=True)
    assert verified.status_code == 200 and "This certificate is genuine" in text
    assert "Valid until" in text and "10 March 2027" in text and "expired" not in text


# -- The sweep ------------------------------------------------------------------------


def test_reminders_sixty_and_fourteen_days_before_once_each(mail_app, smtp, make_org, make_user):
    certified(make_org, make_user)
    sent = lambda: smtp.mailbox.to("amira@example.org")  # noqa: E731
    sweep(VALID_UNTIL - timedelta(days=61))
    assert sent() == []
    sweep(VALID_UNTIL - timedelta(days=60))
    sweep(VALID_UNTIL - timedelta(days=60))  # twice run, once sent
    sweep(VALID_UNTIL - timedelta(days=30))
    [first] = sent()
    assert (
        first["Subject"]
        == "Your certificate for Safe & Together core e-learning is current until 10 March 2027"
    )
    body = first.get_content()
    assert first.get_content_type() == "text/plain"
    assert "current until 10 March 2027" in body and mail_app.config["SERVICE_NAME"] in body
    assert first["List-Unsubscribe"].strip().startswith("<http://localhost/unsubscribe/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sweep(VALID_UNTIL - timedelta(days=14))
    sweep(VALID_UNTIL - timedelta(days=1))
    assert len(sent()) == 2
    kinds = set(db.session.scalars(sa.select(Notice.kind)))
    assert kinds == {"renewal-60-days", "renewal-14-days"}


def test_a_missed_fortnight_sends_the_fourteen_day_reminder_only(
    mail_app, smtp, make_org, make_user
):
    certified(make_org, make_user)
    sweep(VALID_UNTIL - timedelta(days=10))  # the sweep did not run for fifty days
    sweep(VALID_UNTIL - timedelta(days=9))
    [only] = smtp.mailbox.to("amira@example.org")
    assert db.session.scalars(sa.select(Notice.kind)).all() == ["renewal-14-days"]
    assert "10 March 2027" in only.get_content()


def test_unsubscribed_learners_get_no_reminder_but_are_still_renewed(
    mail_app, smtp, make_org, make_user
):
    _org, _learner, _certificate = certified(make_org, make_user)
    client = mail_app.test_client()
    sweep(VALID_UNTIL - timedelta(days=60))
    [reminder] = smtp.mailbox.to("amira@example.org")
    link = reminder["List-Unsubscribe"].strip().strip("<>").removeprefix("http://localhost")
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    sweep(VALID_UNTIL - timedelta(days=14))
    assert len(smtp.mailbox.to("amira@example.org")) == 1
    sweep(VALID_UNTIL + timedelta(days=1))
    [_reminder, lapsed] = smtp.mailbox.to("amira@example.org")
    assert lapsed["Subject"].startswith("Renew your certificate")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Renewal)) == 1


def test_on_lapse_it_verifies_as_expired_and_the_learner_starts_again(
    mail_app, smtp, make_org, make_user
):
    _org, learner, certificate = certified(make_org, make_user)
    core = course().pathways["core"]
    code = certificate.code
    visitor = mail_app.test_client()
    clock.set(datetime(2027, 3, 11, 9, tzinfo=UTC))
    expired = visitor.get(f"/certificates/{code}")
    text = expired.get_data(as_text=True)
    assert expired.status_code == 200
    assert "has expired" in text and "current until 10 March 2027" in text
    assert "Certificate not found" not in text
    sweep(VALID_UNTIL + timedelta(days=1))
    sweep(VALID_UNTIL + timedelta(days=2))  # twice run, once sent
    [email] = smtp.mailbox.to("amira@example.org")
    body = email.get_content()
    assert "was current until 10 March 2027" in body and "enrolled you on" in body
    assert email["List-Unsubscribe"] is None  # it tells of a new enrolment: always sent
    [round_] = db.session.scalars(sa.select(Renewal)).all()
    assert round_.certificate_id == certificate.id and round_.pathway_id == "core"
    # A new round on the same pathway: the modules and the post-test again, the
    # pre-test (a baseline) not; the lapsed certificate is kept.
    db.session.expire_all()
    assert journey.certificate_for(learner, core) is None
    assert renewal.latest_certificate(learner, core.id).code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleProgress)) == 0
    assert journey.pre_test_done(learner, core)
    assert not journey.post_test_passed(learner, core)
    assert len(attempts.round_attempts(learner, core, Phase.POST)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1
    # The learner's home page shows the refresher and the expired certificate.
    client = mail_app.test_client()
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert "Refresher." in home and "was current until 10 March 2027" in home
    assert "work through this course again" in home and "View your expired certificate" in home
    assert "Start the course" in home and "You have completed this course" not in home
    page = client.get("/pathways/core/certificate").get_data(as_text=True)
    assert "This certificate expired" in page
    complete_the_work(learner, core)
    renewed = pass_post_test(learner, core)
    db.session.commit()
    assert renewed.id != certificate.id and renewed.renewal_of_id == certificate.id
    assert renewed.valid_until == renewal.add_months(date(2027, 3, 12), 24)
    assert visitor.get(f"/certificates/{code}").status_code == 200  # still genuine, expired
    home = client.get("/").get_data(as_text=True)
    assert "Refresher." not in home and "You have completed this course" in home
    # The renewed certificate is reminded about in its own time, the old one never again.
    sweep(VALID_UNTIL + timedelta(days=40))
    assert len(smtp.mailbox.to("amira@example.org")) == 1


def test_a_renewing_learner_is_not_overdue_by_the_due_date_they_met(
    mail_app, smtp, make_org, make_user
):
    """A cohort's due date is for finishing the course the first time: renewing a lapsed
    certificate does not make it overdue again, on the learner's home page or in the
    reports; and the email says the modules start again."""
    org, learner, _certificate = certified(make_org, make_user)
    cohort = create_cohort(org, "Spring", "core", due_on=date(2025, 4, 1))
    enrol_in_cohort(learner, cohort, course().pathways["core"])
    db.session.commit()
    sweep(VALID_UNTIL - timedelta(days=60))
    sweep(VALID_UNTIL + timedelta(days=1))
    for email in smtp.mailbox.to("amira@example.org"):
        body = " ".join(email.get_content().split())
        assert "Everything you have done so far is kept" not in body
        assert "start its modules again from the beginning" in body
        assert "take the post-test again" in body
    client = mail_app.test_client()
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert "Refresher." in home
    assert "Overdue" not in home and "Due: finish by" not in home
    assert members.overdue_learners("core") == set()
    client = mail_app.test_client()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    overview = client.get("/reports/?pathway=core").get_data(as_text=True)
    assert re.search(r"Overdue\s*</dt>\s*<dd[^>]*>\s*<strong>0 of 1</strong>", overview)
    assert "Overdue" not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_the_renewal_round_needs_the_work_and_has_its_own_attempts(mail_app, make_org, make_user):
    _org, learner, _certificate = certified(make_org, make_user)
    core = course().pathways["core"]
    sweep(VALID_UNTIL + timedelta(days=1))
    assert journey.post_test_locked_reason(learner, core) == journey.MODULES_FIRST
    attempt = attempts.start_or_resume(learner, core, Phase.POST)
    attempt.passed = True
    assert journey.award_certificate(learner, core, attempt) is None
    # Every attempt of the new round failed: the learner is out of attempts in this
    # round (whatever they passed before), so a coordinator can grant another.
    attempt.passed = None
    attempts.submit(attempt, core.definition.pass_mark)
    while len(attempts.round_attempts(learner, core, Phase.POST)) < attempts.attempts_allowed(
        Phase.POST, learner, core
    ):
        attempts.submit(attempts.start_or_resume(learner, core, Phase.POST), 70)
    db.session.commit()
    assert journey.journey(learner, core).post.used_up
    assert grants.used_up(learner, core)


def test_the_data_download_lists_valid_until_and_the_renewal(mail_app, make_org, make_user):
    from tests.test_privacy import download

    _org, learner, _certificate = certified(make_org, make_user)
    sweep(VALID_UNTIL + timedelta(days=1))
    client = mail_app.test_client()
    login(client, learner)
    [listed] = download(client)["certificates"]
    assert listed["valid_until"] == "2027-03-10"
    assert listed["renewal_started"].startswith("2027-03-11")


# -- A separate refresher pathway (a test catalogue) ----------------------------------


@pytest.fixture
def refresher_app(tmp_path, smtp) -> Iterator[Flask]:
    """The course with a short refresher: the core pathway renews with it."""
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    pathways = tmp_path / "content/pathways.yaml"
    text = pathways.read_text().replace("  renew_with: core\n", "  renew_with: core-refresher\n")
    text += (
        "\n- id: core-refresher\n  title: Core refresher\n  audience: Anyone renewing the core"
        " certificate.\n  for_job_roles: [SOCIAL_WORKER]\n  modules:\n    - three-principles\n"
        "  valid_for_months: 24\n  renew_with: core-refresher\n"
    )
    pathways.write_text(text)
    module = tmp_path / "content/modules/three-principles.md"
    module.write_text(
        module.read_text().replace("pathways: [core]", "pathways: [core, core-refresher]", 1)
    )
    app = build_app(postgres_url(), tmp_path, CONTENT_DIR=tmp_path / "content", **smtp.settings())
    with app_with_schema(app), app.app_context():
        yield app
    clock.reset()


def test_a_refresher_pathway_is_enrolled_on_lapse(refresher_app, smtp, make_org, make_user):
    _org, learner, _certificate = certified(make_org, make_user)
    sweep(VALID_UNTIL + timedelta(days=1))
    enrolled = set(db.session.scalars(sa.select(Enrolment.pathway_id)))
    assert enrolled == {"core", "core-refresher"}
    [email] = smtp.mailbox.to("amira@example.org")
    assert "enrolled you on Core refresher" in email.get_content()
    client = refresher_app.test_client()
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert "To renew it, complete this refresher." in home
    assert "Expired: your certificate was current until 10 March 2027" in home
    assert [r.pathway_id for r in db.session.scalars(sa.select(Renewal))] == ["core-refresher"]
    # Once the refresher is done, its certificate makes the learner current again.
    clock.advance(timedelta(days=3))
    db.session.add(Certificate(user_id=learner.id, pathway_id="core-refresher",
                               valid_until=date(2029, 3, 14), minutes=60))  # fmt: skip
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "You renewed it with Core refresher" in home and "Expired:" not in home
    assert "valid until 14 March 2029" in home
    core = course().pathways["core"]
    [found] = certificate_currency([learner.id], core).values()
    assert found.status is renewal.Currency.CURRENT and found.valid_until == date(2029, 3, 14)


# -- The pathways.yaml setting ---------------------------------------------------------


def _check(folder):
    app = build_app(sqlite_url(folder), folder, CONTENT_DIR=folder / "content",
                    QUIZZES_DIR=PROJECT_ROOT / "quizzes")  # fmt: skip
    return app.test_cli_runner().invoke(args=["content", "check"])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("valid_for_months: 24", "valid_for_months: two years", "valid_for_months"),
        ("valid_for_months: 24", "valid_for_months: 0", "valid_for_months"),
        ("renew_with: core", "renew_with: core-refresher", "unknown pathway 'core-refresher'"),
        (
            "valid_for_months: 24\n  renew_with: core",
            "renew_with: core",
            "needs 'valid_for_months'",
        ),
    ],
)
def test_pathways_yaml_validation_names_the_line(tmp_path, old, new, expected):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    path = tmp_path / "content/pathways.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if new in row)
    result = _check(tmp_path)
    assert result.exit_code != 0
    assert f"content/pathways.yaml:{line}:" in result.output and expected in result.output


# -- Reports --------------------------------------------------------------------------


def test_coordinators_see_current_due_and_lapsed(mail_app, make_org, make_user):
    org, _amira, _certificate = certified(make_org, make_user)
    clock.set(datetime(2025, 6, 1, tzinfo=UTC))
    _org, _due, due_certificate = certified(make_org, make_user, "ben@example.org", org)
    due_certificate.valid_until = date(2027, 4, 1)
    _org, _lapsed, lapsed_certificate = certified(make_org, make_user, "cara@example.org", org)
    lapsed_certificate.valid_until = date(2027, 2, 1)
    db.session.commit()
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    clock.set(datetime(2027, 3, 1, 9, tzinfo=UTC))
    client = mail_app.test_client()
    login(client, coordinator)
    page = client.get("/reports/learners?pathway=core").get_data(as_text=True)
    assert "Due for renewal" in page and "Lapsed" in page
    exported = client.get("/reports/export/learners.csv?pathway=core")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    by_email = {row["email"]: row for row in rows}
    assert by_email["amira@example.org"]["certificate status"] == "Due for renewal"
    assert by_email["amira@example.org"]["valid until"] == "2027-03-10"
    assert by_email["ben@example.org"]["certificate status"] == "Due for renewal"
    assert by_email["cara@example.org"]["certificate status"] == "Lapsed"
    clock.set(datetime(2026, 12, 1, 9, tzinfo=UTC))
    exported = client.get("/reports/export/learners.csv?pathway=core").get_data(as_text=True)
    assert "Current" in exported  # the next day's export is worked out afresh
    overview = client.get("/reports/?pathway=core").get_data(as_text=True)
    assert "Certificates and renewal" in overview


def test_another_organisations_coordinator_cannot_see_them(mail_app, make_org, make_user):
    _org, learner, _certificate = certified(make_org, make_user)
    other = make_org()
    outsider = make_user(role=Role.COORDINATOR, organisation=other, covers=(other,))
    client = mail_app.test_client()
    login(client, outsider)
    assert client.get(f"/reports/learners/{learner.id}").status_code == 404
    exported = client.get("/reports/export/learners.csv?pathway=core").get_data(as_text=True)
    assert "amira@example.org" not in exported
    page = client.get("/reports/learners?pathway=core").get_data(as_text=True)
    assert "Amira Shah" not in page
