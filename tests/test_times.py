"""Times kept as aware UTC, shown and filtered in the organisation's time zone, and one
clock that tests can move."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment.models import Certificate
from courseapp.clock import clock, day_after, day_start, local, utcnow
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from courseapp.reports import data as report_data
from courseapp.rewording.models import Response
from courseapp.rewording.reviewing import QueueFilters, review_queue
from courseapp.rewording.services import exercises
from courseapp.templating import time_taken
from tests.conftest import login

# 00:30 on 1 June 2026 in London (BST, UTC+1) is 23:30 on 31 May in UTC.
HALF_PAST_MIDNIGHT_BST = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)


@pytest.fixture
def frozen_clock():
    yield clock
    clock.reset()


def test_the_clock_is_aware_utc_and_can_be_set_and_moved(frozen_clock):
    assert utcnow().tzinfo is UTC
    clock.set(datetime(2026, 1, 1, 12, 0))  # naive: taken as UTC
    assert utcnow() == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    clock.advance(timedelta(days=2, minutes=5))
    assert utcnow() == datetime(2026, 1, 3, 12, 5, tzinfo=UTC)
    clock.reset()
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_days_in_a_zone():
    assert day_start(date(2026, 6, 1), "Europe/London") == datetime(2026, 5, 31, 23, tzinfo=UTC)
    assert day_after(date(2026, 6, 1), "Europe/London") == datetime(2026, 6, 1, 23, tzinfo=UTC)
    assert day_start(date(2026, 12, 1), "Europe/London") == datetime(2026, 12, 1, tzinfo=UTC)
    assert local(HALF_PAST_MIDNIGHT_BST, "Europe/London").date() == date(2026, 6, 1)
    assert day_after(date.max, "Europe/London").year == 9999  # no overflow


def test_times_come_back_aware_in_utc(any_db_app, make_org, frozen_clock):
    clock.set(HALF_PAST_MIDNIGHT_BST)
    org = make_org()
    db.session.expire_all()
    stored = db.session.get(Organisation, org.id).created_at
    assert stored == HALF_PAST_MIDNIGHT_BST and stored.utcoffset() == timedelta(0)
    # A time given in another zone is stored as the same moment.
    org.created_at = datetime(2026, 6, 1, 0, 30, tzinfo=local(stored, "Europe/London").tzinfo)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).created_at == HALF_PAST_MIDNIGHT_BST


def test_an_organisation_has_a_valid_time_zone(app, make_org):
    assert make_org().timezone == "Europe/London"
    assert make_org(timezone="Pacific/Auckland").timezone == "Pacific/Auckland"
    with pytest.raises(ValueError, match="not a time zone"):
        Organisation(name="Nowhere", sector=Sector.OTHER, timezone="Mars/Olympus_Mons")


def test_a_certificate_issued_at_half_past_midnight_bst_shows_that_day(
    client, make_learner, frozen_clock
):
    learner = make_learner(modules=True)
    db.session.add(Certificate(user_id=learner.id, pathway_id="core", minutes=240))
    clock.set(HALF_PAST_MIDNIGHT_BST)
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.issued_at == HALF_PAST_MIDNIGHT_BST
    verify = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "1 June 2026" in verify and "31 May 2026" not in verify
    login(client, learner)
    page = client.get("/pathways/core/certificate").get_data(as_text=True)
    assert "1 June 2026" in page and "31 May 2026" not in page


def _enrolled(org: Organisation, name: str, when: datetime) -> User:
    user = User(name=name, email=f"{name.lower()}@example.org", role=Role.LEARNER,
                job_role=JobRole.SOCIAL_WORKER, organisation=org)  # fmt: skip
    db.session.add(user)
    db.session.flush()
    db.session.add(Enrolment(user_id=user.id, pathway_id="core", enrolled_at=when))
    return user


def test_report_date_filters_count_days_in_the_organisations_zone(any_db_app, make_org):
    london = make_org()
    auckland = make_org(timezone="Pacific/Auckland")  # UTC+12 in June
    _enrolled(london, "Early", HALF_PAST_MIDNIGHT_BST)  # 1 June in London
    _enrolled(london, "Late", datetime(2026, 5, 31, 22, 59, tzinfo=UTC))  # 31 May, 23:59 BST
    _enrolled(auckland, "Kiwi", datetime(2026, 5, 31, 12, 30, tzinfo=UTC))  # 1 June, 00:30 NZST
    db.session.commit()

    def names(**days) -> set[str]:
        filters = report_data.Filters(pathway_id="core", organisation_ids=None, **days)
        return {learner.name for learner in report_data.load(filters).learners.values()}

    assert names(enrolled_from=date(2026, 6, 1)) == {"Early", "Kiwi"}
    assert names(enrolled_to=date(2026, 5, 31)) == {"Late"}
    assert names(enrolled_from=date(2026, 5, 31), enrolled_to=date(2026, 5, 31)) == {"Late"}


def test_report_page_date_filter_at_the_bst_boundary(client, make_org, make_user):
    org = make_org()
    _enrolled(org, "Early", HALF_PAST_MIDNIGHT_BST)
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    on_the_day = "enrolled_from=1&enrolled_from=6&enrolled_from=2026"
    assert "Early" in client.get(f"/reports/learners?{on_the_day}").get_data(as_text=True)
    day_before = "enrolled_to=31&enrolled_to=5&enrolled_to=2026"
    assert "Early" not in client.get(f"/reports/learners?{day_before}").get_data(as_text=True)


def test_review_queue_dates_count_days_in_the_organisations_zone(any_db_app, make_org, make_user):
    org = make_org()
    learner = _enrolled(org, "Writer", HALF_PAST_MIDNIGHT_BST)
    db.session.add(Response(user_id=learner.id, exercise_id=next(iter(exercises())), version=1,
                            text="She kept the children safe.", verdict="constructive",
                            flags=[], strengths=[], created_at=HALF_PAST_MIDNIGHT_BST))  # fmt: skip
    coordinator = make_user(role=Role.COORDINATOR, covers=(org,))
    db.session.commit()
    assert review_queue(coordinator, QueueFilters(since=date(2026, 6, 1))).responses
    assert not review_queue(coordinator, QueueFilters(until=date(2026, 5, 31))).responses


def test_an_administrator_chooses_the_time_zone_of_a_new_organisation(client, make_user):
    login(client, make_user(role=Role.ADMIN))
    refused = client.post(
        "/organisations/new", data={"name": "A", "sector": "HEALTH", "timezone": "Europe/Londn"}
    )
    assert "Enter a time zone name" in refused.get_data(as_text=True)
    client.post("/organisations/new", data={"name": "B", "sector": "HEALTH", "timezone": ""})
    client.post(
        "/organisations/new", data={"name": "C", "sector": "HEALTH", "timezone": "Europe/Dublin"}
    )
    zones = dict(db.session.execute(sa.select(Organisation.name, Organisation.timezone)).all())
    assert zones == {"B": "Europe/London", "C": "Europe/Dublin"}


def test_the_learners_csv_gives_dates_in_the_organisations_zone(client, make_org, make_user):
    org = make_org()
    _enrolled(org, "Early", HALF_PAST_MIDNIGHT_BST)
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, covers=(org,)))
    exported = client.get("/reports/export/learners.csv").data.decode("utf-8-sig")
    assert "2026-06-01" in exported and "2026-05-31" not in exported


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0 seconds"), (1, "1 second"), (59.9, "59 seconds"), (60, "1 minute"),
     (61, "1 minute"), (3599, "59 minutes"), (3600, "1 hour"), (3660, "1 hour 1 minute"),
     (7325, "2 hours 2 minutes"), (86399, "23 hours 59 minutes"), (86400, "1 day"),
     (3 * 86400 + 5, "3 days"), (-5, "0 seconds")],
)  # fmt: skip
def test_how_long_a_test_took_is_written_in_words(seconds, shown):
    assert time_taken(seconds) == shown
