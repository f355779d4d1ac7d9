"""The follow-up test: the sweep's invitation FOLLOW_UP_DAYS after a passed post-test
and its one reminder (real SMTP through aiosmtpd, time through courseapp.clock), the
items drawn for each learner, taking the test through its pages, and the figures in
the learning-gain report and the learners CSV."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.assessment import attempts, follow_up, journey
from courseapp.assessment.models import Certificate, FollowUp, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.items import TAGS
from courseapp.clock import clock
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.jobs.models import Notice
from courseapp.privacy.erasure import erase_learner
from courseapp.privacy.export import personal_data
from courseapp.reports import follow_up as report
from courseapp.reports.data import Filters
from courseapp.templating import local_time
from tests import test_jobs
from tests.conftest import complete_the_work, login, right_answers, sweep

# The real SMTP server and the app on SQLite and PostgreSQL mailing to it.
smtp, mail_app = test_jobs.smtp, test_jobs.mail_app

PASSED = date(2026, 3, 2)
DAY_90 = PASSED + timedelta(days=90)


@pytest.fixture(autouse=True)
def _real_time_after() -> Iterator[None]:
    yield
    clock.reset()


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def answer(attempt: TestAttempt, right_tags: set[str] | None = None) -> None:
    """Answer the attempt's items of these areas right (all areas: None); leave the rest."""
    test = attempts.test_of(attempt)
    chosen = [i for i in test.items if right_tags is None or i.tag in right_tags]
    if chosen:
        attempts.save_answers(attempt, attempts.parse_page(chosen, right_answers(test, chosen)))


def pass_the_course(user, pathway, passed_on: date = PASSED) -> None:
    """A blank pre-test, the work done, and the post-test passed (every answer right) on
    `passed_on`, with the certificate."""
    try:
        clock.set(at(passed_on - timedelta(days=20)))
        pre = attempts.start_or_resume(user, pathway, Phase.PRE)
        attempts.submit(pre, pathway.definition.pass_mark)
        complete_the_work(user, pathway)
        clock.set(at(passed_on))
        post = attempts.start_or_resume(user, pathway, Phase.POST)
        answer(post)
        assert attempts.submit(post, pathway.definition.pass_mark) and post.passed
        assert journey.award_certificate(user, pathway, post) is not None
    finally:
        clock.reset()
    db.session.commit()


def passed_learner(make_user, org, passed_on: date = PASSED, pathway_id: str = "core", **fields):
    """A learner enrolled on the pathway who passed it on `passed_on`."""
    user = make_user(organisation=org, **fields)
    pathway = course().pathways[pathway_id]
    enrol(user, pathway)
    pass_the_course(user, pathway, passed_on)
    return user


def take(user, pathway_id: str = "core", right_tags: set[str] | None = None, on=DAY_90):
    pathway = course().pathways[pathway_id]
    clock.set(at(on, 12))
    attempt = attempts.start_or_resume(user, pathway, Phase.FOLLOW_UP)
    answer(attempt, right_tags)
    attempts.submit(attempt, pathway.definition.pass_mark)
    clock.reset()
    db.session.commit()
    return attempt


# -- The invitation and its one reminder ---------------------------------------------


def test_the_invitation_goes_on_day_90_not_before_and_once(mail_app, smtp, make_org, make_user):
    learner = passed_learner(make_user, make_org(), email="amira@example.org", name="Amira Shah")
    sent = lambda: smtp.mailbox.to("amira@example.org")  # noqa: E731
    clock.set(at(DAY_90 - timedelta(days=1), 6))
    sweep()  # the sweep reads the clock
    assert sent() == [] and db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0
    clock.set(at(DAY_90, 6))
    sweep()
    sweep()  # twice run, once sent
    sweep(DAY_90 + timedelta(days=1))
    [invitation] = sent()
    title = course().pathways["core"].title
    assert invitation["Subject"] == f"A short follow-up test for {title}"
    body = invitation.get_content()
    assert invitation.get_content_type() == "text/plain"
    assert "passed the post-test" in body and "2 March 2026" in body
    assert "http://localhost/pathways/core/tests/follow-up" in body
    assert mail_app.config["SERVICE_NAME"] in body
    assert invitation["List-Unsubscribe"].strip().startswith("<http://localhost/unsubscribe/")
    assert invitation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [row] = db.session.scalars(sa.select(FollowUp)).all()
    assert (row.user_id, row.pathway_id, row.invited_on) == (learner.id, "core", DAY_90)
    notices = db.session.execute(sa.select(Notice.kind, Notice.period)).all()
    assert notices == [("follow-up-invitation", "core")]
    # The home page shows the invitation too.
    client = mail_app.test_client()
    login(client, learner)
    home = client.get("/").get_data(as_text=True)
    assert "You are invited to a short follow-up test" in home
    assert "/pathways/core/tests/follow-up" in home


def test_a_missed_day_is_caught_up_but_an_old_pass_is_not_invited(
    mail_app, smtp, make_org, make_user
):
    org = make_org()
    passed_learner(make_user, org, email="late@example.org")
    passed_learner(make_user, org, passed_on=PASSED - timedelta(days=60), email="old@example.org")
    sweep(DAY_90 + timedelta(days=3))
    assert len(smtp.mailbox.to("late@example.org")) == 1
    assert smtp.mailbox.to("old@example.org") == []


def test_one_reminder_then_nothing(mail_app, smtp, make_org, make_user):
    passed_learner(make_user, make_org(), email="ben@example.org")
    sweep(DAY_90)
    sweep(DAY_90 + timedelta(days=13))
    assert len(smtp.mailbox.to("ben@example.org")) == 1
    for days in (14, 14, 15, 20, 40, 120):
        sweep(DAY_90 + timedelta(days=days))
    _invitation, reminder = smtp.mailbox.to("ben@example.org")
    assert reminder["Subject"].startswith("Reminder: your follow-up test for ")
    assert "only reminder" in reminder.get_content()
    assert reminder["List-Unsubscribe"] is not None
    kinds = db.session.scalars(sa.select(Notice.kind).order_by(Notice.id)).all()
    assert kinds == ["follow-up-invitation", "follow-up-reminder"]


def test_no_reminder_once_the_test_is_taken(mail_app, smtp, make_org, make_user):
    learner = passed_learner(make_user, make_org(), email="cat@example.org")
    sweep(DAY_90)
    take(learner, on=DAY_90 + timedelta(days=2))
    sweep(DAY_90 + timedelta(days=14))
    assert len(smtp.mailbox.to("cat@example.org")) == 1


def test_unsubscribed_learners_get_no_email_but_still_see_the_invitation(
    mail_app, smtp, make_org, make_user
):
    learner = passed_learner(make_user, make_org(), email="dee@example.org")
    learner.reminders_off_at = at(PASSED)
    db.session.commit()
    sweep(DAY_90)
    sweep(DAY_90 + timedelta(days=14))
    assert smtp.mailbox.to("dee@example.org") == []
    assert db.session.scalar(sa.select(FollowUp.user_id)) == learner.id
    client = mail_app.test_client()
    login(client, learner)
    assert "You are invited to a short follow-up test" in client.get("/").get_data(as_text=True)


# -- The items drawn --------------------------------------------------------------------


def test_drawing_prefers_unseen_then_least_recently_seen_and_balances_areas(app):
    """Over many learners with every pattern of forms taken (the pre-test, one to three
    post-tests alternating forms, sometimes another pathway too), on both pathways and
    several lengths: every area gets the same number of items (or all it has), no item
    twice, every unseen item before any seen one, and seen ones oldest first."""
    bank = course().bank
    rng = random.Random(18)
    for _ in range(400):
        pathway = rng.choice(list(course().pathways.values()))
        forms = list(pathway.definition.test_forms)
        order = rng.randrange(2)
        sittings = [attempts.form_id_for(order, forms, Phase.PRE, 1)]
        sittings += [attempts.form_id_for(order, forms, Phase.POST, n)
                     for n in range(1, rng.randint(1, 3) + 1)]  # fmt: skip
        if rng.random() < 0.3:  # also took the other pathway's forms
            other = next(p for p in course().pathways.values() if p is not pathway)
            sittings += list(other.definition.test_forms)
        seen: dict[str, datetime] = {}
        for day, form_id in enumerate(sittings):
            for item in bank.tests[form_id].items:
                seen[item.id] = at(PASSED) + timedelta(days=day)
        pool = follow_up.pool(pathway)
        per_area = rng.randint(1, 5)
        drawn = follow_up.draw(pool, seen, per_area, rng)
        assert len(drawn) == len(set(drawn))
        by_area = Counter(bank.items[i].tag for i in drawn)
        available = Counter(item.tag for item in pool)
        assert by_area == {tag: min(per_area, n) for tag, n in available.items()}
        for tag in available:
            chosen = [i for i in drawn if bank.items[i].tag == tag]
            left = [i.id for i in pool if i.tag == tag and i.id not in chosen]
            unseen_left = [i for i in left if i not in seen]
            assert not unseen_left or all(i not in seen for i in chosen)
            seen_chosen = [seen[i] for i in chosen if i in seen]
            if seen_chosen:
                assert not unseen_left
                assert max(seen_chosen) <= min((seen[i] for i in left), default=max(seen_chosen))
    # Areas in the course's order, as the learner meets them.
    areas = [bank.items[i].tag for i in drawn]
    assert areas == sorted(areas, key=TAGS.index)


def test_the_briefing_follow_up_uses_only_unseen_questions_where_the_bank_has_them(
    app, make_org, make_user
):
    """The briefing forms leave unseen principle items in the bank: those are drawn."""
    org = make_org()
    learner = passed_learner(make_user, org, pathway_id="briefing")
    pathway = course().pathways["briefing"]
    seen = set(follow_up.last_seen(learner.id))
    assert follow_up.invite(learner.id, pathway, DAY_90)
    drawn = db.session.scalar(sa.select(FollowUp.item_ids))
    tags = Counter(course().bank.items[i].tag for i in drawn)
    assert tags == {"briefing": 2, "principle-1": 2, "principle-2": 2, "principle-3": 2}
    principles = [i for i in drawn if course().bank.items[i].tag != "briefing"]
    assert not set(principles) & seen


def test_the_items_are_fixed_per_learner(app, client, make_org, make_user):
    learner = passed_learner(make_user, make_org())
    pathway = course().pathways["core"]
    assert follow_up.invite(learner.id, pathway, DAY_90, random.Random(1))
    assert not follow_up.invite(learner.id, pathway, DAY_90, random.Random(2))  # once only
    db.session.commit()
    drawn = db.session.scalar(sa.select(FollowUp.item_ids))
    assert len(drawn) == 22  # two in each of the core pathway's eleven areas
    login(client, learner)
    first = client.post("/pathways/core/tests/follow-up")
    again = client.post("/pathways/core/tests/follow-up")  # a double click, or a resume
    assert first.location == again.location and first.location.endswith("/pages/1")
    attempt = db.session.scalar(sa.select(TestAttempt).where(TestAttempt.phase == Phase.FOLLOW_UP))
    assert attempt.item_order == drawn and attempt.test_id == "follow-up"
    fields = [re.findall(r'name="(item-[^"]*)"', client.get(first.location).text) for _ in "ab"]
    assert fields[0] and fields[0] == fields[1]
    shown = attempts.pages(attempt)
    assert [i.id for page in shown for i in page] == drawn


# -- Taking it through its pages -------------------------------------------------------


def test_taking_the_follow_up_test_changes_neither_certificate_nor_completion(
    app, client, make_org, make_user
):
    org = make_org()
    learner = passed_learner(make_user, org)
    stranger = passed_learner(make_user, org)
    pathway = course().pathways["core"]
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == learner.id))
    assert certificate is not None
    follow_up.invite(learner.id, pathway, DAY_90)
    db.session.commit()
    other = app.test_client()
    login(other, stranger)  # not invited: no such test for them
    assert other.get("/pathways/core/tests/follow-up").status_code == 404
    login(client, learner)
    start = client.get("/pathways/core/tests/follow-up").get_data(as_text=True)
    assert "Follow-up test" in start and "no pass mark" in start
    page_url = client.post("/pathways/core/tests/follow-up").location
    attempt_id = int(page_url.split("/")[2])
    assert other.get(page_url).status_code == 404  # someone else's attempt is not found
    attempt = db.session.get(TestAttempt, attempt_id)
    entries = attempts.pages(attempt)[0]
    data = right_answers(attempts.test_of(attempt), entries)
    assert client.post(page_url, data=data).status_code == 302
    check = client.get(f"/attempts/{attempt_id}/check").get_data(as_text=True)
    assert "Check your answers \u2013 Follow-up test" in check
    # Unanswered questions need the box ticked, as on the post-test.
    refused = client.post(f"/attempts/{attempt_id}/submit")
    assert refused.status_code == 200 and "Confirm that you want to submit" in refused.text
    done = client.post(f"/attempts/{attempt_id}/submit", data={"confirm_unanswered": "y"})
    twice = client.post(f"/attempts/{attempt_id}/submit", data={"confirm_unanswered": "y"})
    assert done.status_code == twice.status_code == 303
    db.session.expire_all()
    attempt = db.session.get(TestAttempt, attempt_id)
    assert attempt.score == pytest.approx(len(entries) / 22) and attempt.passed is None
    results = client.get(done.location).get_data(as_text=True)
    assert "Your follow-up test results" in results and "Feedback on each question" in results
    assert "Follow-up" in results and "Pre-test" in results
    # Taken: the start page says when, leads to the results and no longer invites.
    taken_on = local_time(attempt.submitted_at, org)
    again = client.post("/pathways/core/tests/follow-up", follow_redirects=True).text
    start = client.get("/pathways/core/tests/follow-up").text
    for page in (again, start):
        assert f"You took the follow-up test on {taken_on}" in page
        assert f'href="/attempts/{attempt_id}/results"' in page
        assert "Some time has passed" not in page and "You can take it once" not in page
    assert "You have already taken this test" in again and "all your attempts" not in again
    same = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == learner.id))
    assert (same.id, same.attempt_id, same.issued_at) == (
        certificate.id, certificate.attempt_id, certificate.issued_at,
    )  # fmt: skip
    assert "You are invited to a short follow-up test" not in client.get("/").text


# -- Reports -------------------------------------------------------------------------------


@pytest.fixture
def follow_up_cohort(app, make_org, make_user):
    """Five learners (blank pre-test 0%, post-test all right 100%) who took a follow-up
    test of 22 items (2 in each of 11 areas): Al and Bo all right, Cy only principle 1
    right, Di and Ed nothing right. Fay was invited and has not taken it. Gus, in another
    organisation, took it all right."""
    org, other = make_org(name="Northby"), make_org(name="Southby")
    pathway = course().pathways["core"]
    people = {}
    for name, right in (("Al", None), ("Bo", None), ("Cy", {"principle-1"}), ("Di", set()),
                        ("Ed", set()), ("Fay", False), ("Gus", None)):  # fmt: skip
        person = passed_learner(make_user, other if name == "Gus" else org, name=name,
                                email=f"{name.lower()}@example.org")  # fmt: skip
        follow_up.invite(person.id, pathway, DAY_90)
        if right is not False:
            take(person, right_tags=right, on=date(2026, 6, 20))
        people[name] = person
    db.session.commit()
    return org, other, people


def test_follow_up_figures_match_a_hand_worked_example(follow_up_cohort):
    org, _other, _people = follow_up_cohort
    figures = report.figures(Filters("core", frozenset({org.id})), course().pathways["core"])
    assert (figures.invited, figures.took, figures.not_taken) == (6, 5, 1)
    overall = figures.overall
    assert overall.n == 5 and overall.pre == 0.0 and overall.post == pytest.approx(1.0)
    # Al 1, Bo 1, Cy 2/22 (two principle-1 items of 22), Di 0, Ed 0.
    assert overall.follow_up == pytest.approx((1 + 1 + 2 / 22) / 5)  # 41.8%
    areas = {row.tag: row for row in figures.areas}
    assert len(areas) == 11 and all(row.n == 5 for row in areas.values())
    assert areas["principle-1"].follow_up == pytest.approx(3 / 5)
    assert areas["principle-2"].follow_up == pytest.approx(2 / 5)
    assert areas["principle-1"].pre == 0.0 and areas["principle-1"].post == pytest.approx(1.0)


def test_gain_page_shows_pre_post_and_follow_up(client, follow_up_cohort, make_user):
    org, _other, _people = follow_up_cohort
    coordinator = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,))
    login(client, coordinator)
    page = client.get("/reports/gain?pathway=core").get_data(as_text=True)
    assert "Did it last?" in page
    assert "Pre-test, post-test and follow-up by area of the model" in page
    flat = " ".join(page.split())
    assert "Invited to the follow-up test: <strong>6</strong>" in flat
    assert "Took it: <strong>5</strong>" in flat
    assert "Invited but have not taken it: <strong>1</strong>" in flat
    assert "41.8%" in page and "60.0%" in page and "40.0%" in page


def test_learners_csv_has_the_follow_up_score_and_date(client, follow_up_cohort, make_user):
    org, _other, _people = follow_up_cohort
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    response = client.get("/reports/export/learners.csv?pathway=core")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    score, day = header.index("follow-up %"), header.index("follow-up date")
    assert set(body) == {"Al", "Bo", "Cy", "Di", "Ed", "Fay"}
    assert [body[n][score] for n in ("Al", "Cy", "Di", "Fay")] == ["100.0", "9.1", "0.0", ""]
    assert body["Cy"][day] == "2026-06-20" and body["Fay"][day] == ""


def test_another_organisations_coordinator_sees_none_of_it(client, follow_up_cohort, make_user):
    _org, other, people = follow_up_cohort
    login(client, make_user(role=Role.COORDINATOR, organisation=other, covers=(other,)))
    assert client.get(f"/reports/learners/{people['Cy'].id}").status_code == 404
    page = " ".join(client.get("/reports/gain?pathway=core").get_data(as_text=True).split())
    assert "Invited to the follow-up test: <strong>1</strong>" in page
    csv_text = client.get("/reports/export/learners.csv?pathway=core").get_data(as_text=True)
    assert "gus@example.org" in csv_text and "cy@example.org" not in csv_text


def test_the_invitation_is_in_the_data_download_and_erased_with_the_learner(
    any_db_app, make_org, make_user
):
    org = make_org()
    learner = passed_learner(make_user, org)
    follow_up.invite(learner.id, course().pathways["core"], DAY_90)
    take(learner, right_tags=set())
    data = personal_data(learner, course())
    [invitation] = data["follow_up_invitations"]
    assert invitation["invited_on"] == DAY_90.isoformat() and len(invitation["questions"]) == 22
    assert [a["phase"] for a in data["test_attempts"]].count("follow-up") == 1
    erase_learner(learner, make_user(role=Role.ADMIN, organisation=org))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 0


def test_gain_page_queries_do_not_grow_with_follow_ups(client, make_org, make_user, count_queries):
    login(client, make_user(role=Role.ADMIN))
    pathway = course().pathways["core"]
    counts = []
    for name, size in (("Small", 1), ("Large", 4)):
        org = make_org(name=name)
        for _ in range(size):
            person = passed_learner(make_user, org)
            follow_up.invite(person.id, pathway, DAY_90)
            take(person, right_tags={"evidence"})
        with count_queries() as queries:
            page = client.get(f"/reports/gain?pathway=core&organisation={org.id}")
        assert page.status_code == 200 and "Did it last?" in page.text
        counts.append(len(queries))
    assert counts[0] == counts[1]
