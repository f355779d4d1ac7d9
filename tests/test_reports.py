"""Coordinator reports: every figure from known fixtures, scoping, CSV rules, audit, and a
fixed number of queries whatever the number of learners."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment.models import PAIRED_PHASES, Answer, Certificate, Phase, TestAttempt
from courseapp.audit.models import AuditEvent
from courseapp.catalogue import course
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.jobs.queue import wait_for_jobs
from courseapp.reports import data as report_data
from courseapp.reports import distribution, services
from courseapp.rewording.models import Response
from tests.conftest import login

NOW = datetime(2026, 11, 1, 9, 0)


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test here works inside the test app (for the course and the database)."""


def core():
    return course().pathways["core"]


def core_test():
    return course().bank.tests["core-test"]


def add_learner(org, name, *, pre=None, post=None, modules=0, certified_days=None, team=None,
                item_scores=None, pre_too_fast=False):  # fmt: skip
    """A learner on the core pathway with the given first pre-test and best post-test
    scores (0..1), module completions and certificate, written straight to the tables.
    A certified learner has also submitted the rewordings the pathway requires.
    `pre_too_fast`: the pre-test was answered in a minute (TestAttempt.too_fast)."""
    user = User(name=name, email=f"{name.lower().replace(' ', '.')}@example.org",
                role=Role.LEARNER, job_role=JobRole.SOCIAL_WORKER, organisation=org,
                team=team)  # fmt: skip
    db.session.add(user)
    db.session.flush()
    db.session.add(Enrolment(user_id=user.id, pathway_id="core", enrolled_at=NOW))
    for module in core().modules[:modules]:
        db.session.add(ModuleProgress(user_id=user.id, module_id=module.id, completed_at=NOW))
    for phase, score in ((Phase.PRE, pre), (Phase.POST, post)):
        if score is None:
            continue
        passed = score >= 0.7 if phase is Phase.POST else None
        too_fast = pre_too_fast and phase is Phase.PRE
        attempt = TestAttempt(user_id=user.id, pathway_id="core", test_id="core-test", phase=phase,
                              number=1, item_order=[], option_orders={}, submitted_at=NOW,
                              started_at=NOW - timedelta(minutes=1 if too_fast else 30),
                              score=score, passed=passed, too_fast=too_fast)  # fmt: skip
        db.session.add(attempt)
        db.session.flush()
        items = core_test().items
        scores = (item_scores or {}).get(phase) or {i.id: score for i in items}
        db.session.add_all(
            Answer(attempt_id=attempt.id, item_id=item_id, response="a", score=value)
            for item_id, value in scores.items()
        )
    if certified_days is not None:
        db.session.add(Certificate(user_id=user.id, pathway_id="core", minutes=240,
                                   issued_at=NOW + timedelta(days=certified_days)))  # fmt: skip
        exercises = [e for e in course().rewording.exercises.values() if "core" in e.pathways]
        db.session.add_all(
            Response(user_id=user.id, exercise_id=e.id, version=1, text=e.model_answers[0],
                     verdict="constructive", flags=[], strengths=[])
            for e in exercises[: core().definition.required_rewordings]
        )  # fmt: skip
    db.session.commit()
    return user


def load(org_ids=None, **filters):
    return report_data.load(
        report_data.Filters(pathway_id="core", organisation_ids=org_ids, **filters)
    )


def with_discrimination():
    """The dashboard with discrimination worked out, as the job does."""
    data = load()
    return services.dashboard(data.filters, core(), distribution.work_out(data.filters))


@pytest.fixture
def cohort_of_five(make_org):
    org = make_org(name="Northshire", teams=("Duty", "Family support"))
    people = [
        add_learner(org, "Ann One", pre=0.5, post=0.75, modules=11, certified_days=10),
        add_learner(org, "Ben Two", pre=1.0, post=1.0, modules=11, certified_days=20),
        add_learner(org, "Cat Three", pre=0.6, post=0.4, modules=11),
        add_learner(org, "Dan Four", pre=0.2, modules=3, team=org.teams[0]),
        add_learner(org, "Eve Five"),
    ]
    return org, people


def test_completion_and_funnel(cohort_of_five):
    board = services.dashboard(load().filters, core())
    c = board.completion
    assert (c.enrolled, c.not_started, c.in_progress, c.completed) == (5, 1, 2, 2)
    assert c.rate == pytest.approx(0.4)
    assert c.median_days == pytest.approx(15)
    assert board.funnel[0] == (core().modules[0].title, 4)
    assert board.funnel[-1] == (core().modules[-1].title, 3)


def test_paired_gains_and_exclusions(cohort_of_five):
    board = services.dashboard(load().filters, core())
    o = board.overall
    assert o.n == 3
    assert board.excluded_missing_post == 1 and board.excluded_missing_pre == 0
    assert o.pre_mean == pytest.approx((0.5 + 1.0 + 0.6) / 3)
    assert o.post_mean == pytest.approx((0.75 + 1.0 + 0.4) / 3)
    assert o.mean_gain == pytest.approx((0.25 + 0.0 - 0.2) / 3)
    # Normalised gain: Ann 0.25/0.5 = 0.5; Cat -0.2/0.4 = -0.5; Ben (pre 100%) undefined.
    assert o.mean_normalised_gain == pytest.approx(0.0)
    assert o.n_gain_undefined == 1
    assert o.n_improved == 1 and o.share_improved == pytest.approx(1 / 3)


def test_a_pre_test_answered_too_fast_is_in_no_pre_test_figure_and_has_no_gain(
    app, client, cohort_of_five, make_user
):
    """Two more learners clicked through their pre-tests in a minute: they count as having
    taken it (their status), and are counted apart, but in no pair, no pre-test figure
    and no gain, on every page and export."""
    org, _ = cohort_of_five
    app.config["TEST_SECONDS_PER_QUESTION"] = 5  # as the pages say it
    fay = add_learner(org, "Fay Six", pre=0.1, post=0.9, modules=11, pre_too_fast=True)
    add_learner(org, "Gus Seven", pre=0.3, pre_too_fast=True)
    board = with_discrimination()
    o = board.overall
    assert (o.n, board.excluded_missing_pre, board.excluded_missing_post) == (3, 0, 1)
    assert board.excluded_too_fast == 2
    assert o.pre_mean == pytest.approx((0.5 + 1.0 + 0.6) / 3)
    assert board.completion.not_started == 1  # Eve; Gus has taken his pre-test
    takers = {row.phase: row.reliability.n for row in board.forms}
    assert takers == {Phase.PRE: 4, Phase.POST: 4}  # Fay's post-test counts
    item = board.items[0]
    assert (item.pre.n, item.post.n) == (4, 4)
    assert item.pre.discrimination is not None

    login(client, make_user(role=Role.ADMIN))
    gain = " ".join(client.get("/reports/gain").get_data(as_text=True).split())
    assert "2 whose first pre-test was answered too fast" in gain
    assert "in under 5 seconds a question" in gain
    learners = " ".join(client.get("/reports/learners").get_data(as_text=True).split())
    assert "10% (too fast)" in learners and "30% (too fast)" in learners
    page = " ".join(client.get(f"/reports/learners/{fay.id}").get_data(as_text=True).split())
    assert "Time taken" in page and "1 minute" in page and "30 minutes" in page
    assert "10% (too fast)" in page and "leave it out of the gain" in page
    assert "By area: first pre-test and best post-test" in page  # her post-test's areas
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/reports/export/learners.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    column = {
        name: header.index(name)
        for name in ("pre-test %", "pre-test too fast", "post-test %", "gain (points)")
    }
    assert [body["Fay Six"][i] for i in column.values()] == ["10.0", "yes", "90.0", ""]
    assert [body["Ann One"][i] for i in column.values()] == ["50.0", "no", "75.0", "25.0"]
    answers = client.get("/reports/export/responses.csv").get_data(as_text=True)
    tests_of_fay = {row.split(",")[9] for row in answers.splitlines() if "Fay Six" in row}
    assert tests_of_fay == {"post-test"}


def test_per_tag_gains(make_org):
    org = make_org()
    items = core_test().items
    weak = {i.id for i in items if i.tag == "component-5"}
    pre = {i.id: 0.0 for i in items}
    post = {i.id: (0.0 if i.id in weak else 1.0) for i in items}
    add_learner(org, "Fay Six", pre=0.0, post=1 - len(weak) / len(items),
                item_scores={Phase.PRE: pre, Phase.POST: post})  # fmt: skip
    board = services.dashboard(load().filters, core())
    assert board.by_tag["component-5"].post_mean == 0.0
    assert board.by_tag["principle-1"].post_mean == 1.0
    assert board.by_tag["principle-1"].n == 1


def test_item_facility_discrimination_and_flags(make_org):
    org = make_org()
    items = core_test().items
    first, second = items[0].id, items[1].id
    # Four learners: the item `second` is right only for the weakest at post-test.
    for n, total in enumerate((0.9, 0.7, 0.5, 0.2)):
        post_scores = {i.id: 1.0 for i in items} | {second: 1.0 if n == 3 else 0.0}
        pre_scores = {i.id: 0.0 for i in items} | {first: 1.0, second: 1.0}
        add_learner(org, f"Learner {n}", pre=0.3, post=total,
                    item_scores={Phase.PRE: pre_scores, Phase.POST: post_scores})  # fmt: skip
    board = with_discrimination()
    rows = {row.item_id: row for row in board.items}
    assert rows[first].pre.facility == 1.0 and "easy-at-pre" in rows[first].flags
    assert rows[second].post.facility == 0.25
    assert rows[second].post.discrimination == pytest.approx(-1.0)
    assert {"worse-after", "negative-discrimination"} <= set(rows[second].flags)


def test_item_statistics_summed_in_sql_match_their_definition(make_org):
    """The dashboard sums marks in SQL; tests/report_definitions.item_analysis defines
    the figures in Python. On learners with tied totals and partial marks, they agree."""
    import random

    from tests.report_definitions import LearnerItems, item_analysis

    org = make_org()
    items = core_test().items
    rng = random.Random(7)
    records = []
    for n in range(23):
        marks = {i.id: rng.choice((0.0, 0.5, 1.0)) for i in items if rng.random() < 0.9}
        total = rng.choice((0.25, 0.5, 0.5, 0.75, 1.0))  # ties on the group boundaries
        add_learner(org, f"Learner {n}", pre=0.3, post=total,
                    item_scores={Phase.PRE: {items[0].id: 0.0}, Phase.POST: marks})  # fmt: skip
        records.append(LearnerItems(total, marks))
    expected = item_analysis(records, [i.id for i in items])
    board = with_discrimination()
    for row in board.items:
        assert row.post.n == expected[row.item_id].n
        assert row.post.facility == pytest.approx(expected[row.item_id].facility)
        assert row.post.discrimination == pytest.approx(expected[row.item_id].discrimination)


def test_self_ratings_shift(make_org):
    org = make_org()
    rating = core_test().ratings[0]
    user = add_learner(org, "Gil Seven", pre=0.5, post=0.8)
    for attempt, value in zip(db.session.scalars(sa.select(TestAttempt).where(
            TestAttempt.user_id == user.id).order_by(TestAttempt.phase.desc())), (2, 4),
            strict=True):  # fmt: skip
        db.session.add(Answer(attempt_id=attempt.id, item_id=rating.id, response=value))
    db.session.commit()
    board = services.dashboard(load().filters, core())
    row = next(r for r in board.ratings if r.rating_id == rating.id)
    assert row.summary.n_paired == 1
    assert row.summary.mean_change == 2.0
    assert sum(row.summary.pre_counts.values()) == 1


def test_self_rating_summaries_summed_in_sql_match_their_definition(make_org):
    """The dashboard counts self-ratings in SQL; tests/report_definitions.rating_summary
    defines the figures from each learner's (pre, post) pair. Some learners rate only
    before, some only after, some both."""
    import random

    from tests.report_definitions import rating_summary

    org = make_org()
    ratings = core_test().ratings
    rng = random.Random(11)
    # The board lists the self-ratings of the pathway's forms; those nobody answered
    # here have no pairs.
    pairs = {rating_id: [] for rating_id in course().bank.ratings}
    for n in range(17):
        user = add_learner(org, f"Rater {n}", pre=0.5, post=0.7)
        attempts = db.session.scalars(sa.select(TestAttempt).where(
            TestAttempt.user_id == user.id).order_by(TestAttempt.phase.desc()))  # fmt: skip
        chosen = {
            rating.id: [rng.choice((None, 1, 2, 3, 4, 5)) for _ in PAIRED_PHASES]
            for rating in ratings
        }
        for attempt, index in zip(attempts, (0, 1), strict=True):
            for rating in ratings:
                if (value := chosen[rating.id][index]) is not None:
                    db.session.add(Answer(attempt_id=attempt.id, item_id=rating.id, response=value))
        for rating in ratings:
            pairs[rating.id].append(tuple(chosen[rating.id]))
        db.session.commit()
    board = services.dashboard(load().filters, core())
    for row in board.ratings:
        expected = rating_summary(pairs[row.rating_id])
        assert row.summary.pre_counts == expected.pre_counts
        assert row.summary.post_counts == expected.post_counts
        assert row.summary.n_paired == expected.n_paired
        assert row.summary.mean_change == pytest.approx(expected.mean_change)


def test_organisations_compared_with_small_groups_suppressed(make_org):
    big, small = make_org(name="Big"), make_org(name="Small")
    for n in range(5):
        add_learner(big, f"Big {n}", pre=0.4, post=0.8, modules=11, certified_days=3)
    for n in range(4):
        add_learner(small, f"Small {n}", pre=0.4, post=0.8)
    rows = {row.name: row for row in services.compare_organisations(load().filters)}
    assert rows["Big"].completion_rate == 1.0 and rows["Big"].mean_post == pytest.approx(0.8)
    assert rows["Small"].completion_rate == "suppressed"
    assert rows["Small"].mean_pre == "suppressed"


def test_filters_by_team(cohort_of_five):
    org, _ = cohort_of_five
    (only,) = load(team_id=org.teams[0].id).learners.values()
    assert only.name == "Dan Four"
    assert len(load(job_role=JobRole.TEACHER).learners) == 0


def test_search_matches_part_of_a_name_or_email_literally(cohort_of_five, make_org):
    org, _ = cohort_of_five
    add_learner(org, "Fay 100% Six")
    assert [p.name for p in load(search="two").learners.values()] == ["Ben Two"]
    assert [p.name for p in load(search="CAT.THREE@").learners.values()] == ["Cat Three"]
    # % and _ are the learner's characters, not wildcards; quotes are just text.
    assert [p.name for p in load(search="100%").learners.values()] == ["Fay 100% Six"]
    assert load(search="_").learners == {}
    assert load(search="' OR '1'='1").learners == {}


def test_search_on_the_learner_list(client, cohort_of_five, make_user):
    org, _ = cohort_of_five
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    page = client.get("/reports/learners", query_string={"search": "  ann  "})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 learner" in text and "Ann One" in text and "Ben Two" not in text
    too_long = client.get("/reports/learners", query_string={"search": "x" * 201})
    assert "Search for 200 characters or fewer" in too_long.get_data(as_text=True)
    assert "5 learners" in too_long.get_data(as_text=True)  # the bad filter is not applied


def test_coordinator_sees_only_their_organisations(client, make_org, make_user):
    x, y = make_org(name="Org X"), make_org(name="Org Y")
    add_learner(x, "Xena Ex", pre=0.5, post=0.9)
    other = add_learner(y, "Yann Why", pre=0.5, post=0.9)
    login(client, make_user(role=Role.COORDINATOR, organisation=x, covers=(x,)))
    page = client.get("/reports/learners").get_data(as_text=True)
    assert "Xena Ex" in page and "Yann Why" not in page
    assert client.get(f"/reports/learners/{other.id}").status_code == 404
    assert client.get(f"/reports/?organisation={y.id}").status_code == 200
    assert "Yann Why" not in client.get(f"/reports/learners?organisation={y.id}").get_data(
        as_text=True
    )
    exported = client.get("/reports/export/learners.csv").get_data(as_text=True)
    assert "Xena Ex" in exported and "Yann Why" not in exported


def test_learners_csv_format(client, make_org, make_user):
    org = make_org(name="Csv Org")
    add_learner(org, "=HYPERLINK(evil)", pre=0.0, post=0.5)
    add_learner(org, "Zero Person", pre=0.0)
    admin = make_user(role=Role.ADMIN)
    login(client, admin)
    response = client.get("/reports/export/learners.csv")
    assert response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert "'=HYPERLINK(evil)" in body
    evil, zero = body["'=HYPERLINK(evil)"], body["Zero Person"]
    pre, post, gain = (
        header.index("pre-test %"),
        header.index("post-test %"),
        header.index("gain (points)"),
    )
    assert evil[pre] == "0.0" and evil[post] == "50.0" and evil[gain] == "50.0"
    assert zero[pre] == "0.0" and zero[post] == "" and zero[gain] == ""
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "export-learners" in events


def test_item_csv_and_learner_view_are_audited(client, make_org, make_user):
    org = make_org()
    person = add_learner(org, "Audit Me", pre=0.4, post=0.7)
    admin = make_user(role=Role.ADMIN)
    login(client, admin)
    items = client.get("/reports/export/items.csv")
    assert items.data.startswith(b"\xef\xbb\xbfform,item,tag,question")
    assert client.get(f"/reports/learners/{person.id}").status_code == 200
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"export-items", "view-learner"} <= actions
    log = client.get("/audit").get_data(as_text=True)
    assert "view-learner" in log and f"user {person.id}" in log


def test_only_admins_read_the_audit_log(client, make_user, make_org):
    org = make_org()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    assert client.get("/audit").status_code == 403


REPORT_PAGES = {
    "/reports/": ["Who has started and finished", "Completed the course", "Overdue",
                  "Passed the post-test", "Average gain", "Organisations compared", "<svg"],
    "/reports/learners": ["Progress by learner"],
    "/reports/gain": ["Did they learn?", "n = 3", "Mean pre-test score", "Hake"],
    "/reports/questions": ["Question statistics", "How many got it right",
                           "Gain by form order", "scores and reliability",
                           "Does it separate stronger from weaker learners"],
    "/reports/confidence": ["Confidence and attitudes"],
    "/reports/rewording": ["Learners who tried an exercise", "Most frequent problems"],
}  # fmt: skip


def test_report_pages_show_their_sections_and_the_sub_navigation(client, cohort_of_five, make_user):
    login(client, make_user(role=Role.ADMIN))
    for url, texts in REPORT_PAGES.items():
        page = client.get(url).get_data(as_text=True)
        for text in texts:
            assert text in page, (url, text)
        nav = re.search(r'<nav[^>]*aria-label="Report pages".*?</nav>', page, re.S).group()
        current = re.findall(r'href="([^"]*)"[^>]*aria-current="page"', nav)
        assert current == [url], (url, current)
        for other in REPORT_PAGES:
            assert f'href="{other}"' in nav, (url, other)
        assert 'name="team"' in page  # the filters, on every page


def test_the_gain_page_shows_no_figure_about_fewer_than_five_learners(
    client, cohort_of_five, make_user
):
    """As the page says: with 3 learners paired, no mean, median, share, normalised gain
    or area figure (a coordinator with a cohort of one could read her scores off it)."""
    login(client, make_user(role=Role.ADMIN))
    page = " ".join(client.get("/reports/gain").get_data(as_text=True).split())
    values = re.findall(r'<dd class="govuk-summary-list__value">(.*?)</dd>', page)
    assert len(values) == 9
    assert all("fewer than 5" in value and "%" not in value for value in values), values
    assert "By area of the model" not in page and "<svg" not in page


@pytest.mark.parametrize(
    "change",
    ["enrolment", "module completed", "test submitted", "certificate", "rewording"],
)
def test_figures_are_kept_until_the_data_under_them_changes(
    client, cohort_of_five, make_user, count_queries, change
):
    """A repeat request is answered from the figures kept (no summaries are read again),
    and anything the figures rest on changing makes them be worked out afresh. Pages
    never read the answers."""
    org, people = cohort_of_five
    login(client, make_user(role=Role.ADMIN))
    client.get("/reports/")
    wait_for_jobs()  # discrimination worked out: the next view shows it, and keeps it
    client.get("/reports/")
    with count_queries() as repeat:
        kept = client.get("/reports/").get_data(as_text=True)
    assert not [q for q in repeat if "report_summaries" in q or "answers" in q]
    eve = people[4]
    if change == "enrolment":
        add_learner(org, "Fay Six")
    elif change == "module completed":
        db.session.add(ModuleProgress(user_id=eve.id, module_id="welcome", completed_at=NOW))
    elif change == "test submitted":
        add_learner(org, "Gil Seven", pre=0.2)
    elif change == "certificate":
        db.session.add(Certificate(user_id=eve.id, pathway_id="core", issued_at=NOW, minutes=240))
    else:
        db.session.add(Response(user_id=eve.id, exercise_id="let-him-in", version=1, text="Hi",
                                verdict="constructive", flags=[], strengths=[]))  # fmt: skip
    db.session.commit()
    with count_queries() as fresh:
        page = client.get("/reports/").get_data(as_text=True)
    assert [q for q in fresh if "report_summaries" in q]  # worked out afresh
    assert not [q for q in fresh if "answers" in q]
    assert page != kept


def bulk_learners(org, count):
    """Many learners with pre and post attempts and answers, inserted in bulk."""
    items = [item.id for item in core_test().items]
    users = [{"name": f"Bulk {n}", "email": f"bulk{org.id}.{n}@example.org", "role": "LEARNER",
              "organisation_id": org.id, "session_token": f"token-{org.id}-{n}", "active": True,
              "created_at": NOW} for n in range(count)]  # fmt: skip
    db.session.execute(sa.insert(User), users)
    ids = db.session.scalars(sa.select(User.id).where(User.organisation_id == org.id)).all()
    db.session.execute(
        sa.insert(Enrolment),
        [{"user_id": i, "pathway_id": "core", "enrolled_at": NOW} for i in ids],
    )
    db.session.execute(sa.insert(TestAttempt), [
        {"user_id": i, "pathway_id": "core", "test_id": "core-test", "phase": phase, "number": 1,
         "item_order": [], "option_orders": {}, "started_at": NOW, "submitted_at": NOW,
         "score": 0.5}
        for i in ids for phase in ("PRE", "POST")
    ])  # fmt: skip
    attempt_ids = db.session.scalars(
        sa.select(TestAttempt.id).where(TestAttempt.user_id.in_(ids))
    ).all()
    db.session.execute(sa.insert(Answer), [
        {"attempt_id": a, "item_id": item, "response": "a", "score": 0.5, "saved_at": NOW}
        for a in attempt_ids for item in items
    ])  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize(
    "url", ["/reports/", "/reports/questions", "/reports/questions/core-test/p1-why-together"]
)
def test_dashboard_query_count_does_not_grow_with_learners(
    client, make_org, make_user, count_queries, url
):
    """10 learners, then 1,000 (each with a pre- and post-test of every item answered):
    the same number of statements, and none reads the answers."""
    small, large = make_org(name="Small org"), make_org(name="Large org")
    bulk_learners(small, 10)
    bulk_learners(large, 1000)
    login(client, make_user(role=Role.ADMIN))
    counts = []
    for org in (small, large):
        with count_queries() as queries:
            response = client.get(f"{url}?organisation={org.id}")
        assert response.status_code == 200
        counts.append(len(queries))
        assert not [q for q in queries if "answers" in q]
    assert counts[0] == counts[1]


def _organisations(make_org, first: int, count: int, teams: int, learners: int) -> None:
    """Organisations with teams, learners (tests taken) and a rewording from each."""
    for n in range(first, first + count):
        org = make_org(name=f"Organisation {n:02}", teams=tuple(f"Team {t}" for t in range(teams)))
        bulk_learners(org, learners)
        ids = db.session.scalars(sa.select(User.id).where(User.organisation_id == org.id)).all()
        db.session.execute(sa.insert(Response), [
            {"user_id": i, "exercise_id": "let-him-in", "version": 1, "text": "Are you safe?",
             "verdict": "constructive", "flags": [], "strengths": [], "created_at": NOW}
            for i in ids
        ])  # fmt: skip
        db.session.commit()


ITEM_PAGE = "/reports/questions/core-test/p1-why-together"


@pytest.mark.parametrize("url", [*REPORT_PAGES, ITEM_PAGE, "/review"])
def test_report_and_review_query_counts_do_not_grow_with_organisations_or_teams(
    client, make_org, make_user, count_queries, url
):
    """1 organisation with 1 team and 2 learners, then 40 with 3 teams and 5 learners
    each: the page asks the database the same number of questions."""
    login(client, make_user(role=Role.ADMIN))
    counts = []
    for first, count, teams, learners in ((0, 1, 1, 2), (1, 39, 3, 5)):
        _organisations(make_org, first, count, teams, learners)
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(list(queries))
    assert len(counts[0]) == len(counts[1]), counts
    assert not [q for q in counts[1] if "answers" in q]  # pages never read the answers


def test_dashboard_without_filters_shows_no_error(client, make_user):
    login(client, make_user(role=Role.ADMIN))
    page = client.get("/reports/").get_data(as_text=True)
    assert "Not a valid choice" not in page and "There is a problem" not in page


def test_item_page_shows_each_answers_share_before_and_after(client, make_org, make_user):
    """Three learners answer the first question of the retired single form: before, two
    chose a wrong option and one the right one; after, all three chose the right one."""
    org = make_org()
    item = core_test().items[0]
    wrong = next(o.id for o in item.options if o.id != item.correct)
    for n, before in enumerate((wrong, wrong, item.correct)):
        user = add_learner(org, f"Chooser {n}", pre=0.5, post=0.8)
        for attempt in db.session.scalars(
            sa.select(TestAttempt).where(TestAttempt.user_id == user.id)
        ):
            answer = db.session.scalar(sa.select(Answer).where(
                Answer.attempt_id == attempt.id, Answer.item_id == item.id))  # fmt: skip
            answer.response = before if attempt.phase is Phase.PRE else item.correct
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    page = client.get(f"/reports/questions/core-test/{item.id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    by_option = {o.text: row for o, row in zip(item.options, rows, strict=True)}
    assert "66.7% (2)" in by_option[next(o.text for o in item.options if o.id == wrong)]
    right = by_option[next(o.text for o in item.options if o.id == item.correct)]
    assert "33.3% (1)" in right and "100.0% (3)" in right and "Right answer" in right
    assert page.count("Right answer") == 1
    assert item.stem.split()[0] in page
    assert client.get("/reports/questions/core-test/no-such-item").status_code == 404
    assert client.get(f"/reports/questions/no-such-form/{item.id}").status_code == 404


def test_learners_csv_has_cohort_certificate_hours_activity_and_attempts(
    client, make_org, make_user
):
    """The new columns, with a cohort name that a spreadsheet would run as a formula;
    and the overview counts a learner whose cohort has ended unfinished as overdue."""
    org = make_org(name="Csv Org")
    cohort = Cohort(organisation=org, name="=SUM(A1)", pathway_id="core",
                    ends_on=date(2020, 1, 31))  # fmt: skip
    db.session.add(cohort)
    done = add_learner(org, "Done Person", pre=0.4, post=0.9, modules=len(core().modules),
                       certified_days=3)  # fmt: skip
    late = add_learner(org, "Late Person", pre=0.4)
    db.session.flush()
    for person in (done, late):
        db.session.scalar(
            sa.select(Enrolment).where(Enrolment.user_id == person.id)
        ).cohort_id = cohort.id
    retake = TestAttempt(user_id=done.id, pathway_id="core", test_id="core-test",
                         phase=Phase.POST, number=2, item_order=[], option_orders={},
                         submitted_at=NOW + timedelta(days=5), score=0.5, passed=False)  # fmt: skip
    db.session.add(retake)
    # Module progress and rewordings earlier than the last attempt.
    db.session.execute(sa.update(ModuleProgress).values(updated_at=NOW))
    db.session.execute(sa.update(Response).values(created_at=NOW))
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    raw = client.get("/reports/export/learners.csv").data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert {"email", "cohort", "certificate code", "CPD hours", "last activity",
            "post-test attempts used"} <= set(header)  # fmt: skip
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == done.id))
    row = body["Done Person"]
    assert row["cohort"] == "'=SUM(A1)" and row["email"] == "done.person@example.org"
    assert row["certificate code"] == certificate.code
    assert row["CPD hours"] == str(certificate.cpd_hours) == "4.0"  # its own 240 minutes
    assert row["post-test attempts used"] == "2"
    assert row["last activity"] == (NOW + timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    other = body["Late Person"]
    assert (other["certificate code"], other["CPD hours"], other["post-test attempts used"]) == (
        "",
        "",
        "0",
    )
    overview = client.get("/reports/").get_data(as_text=True)
    assert re.search(r"Overdue\s*</dt>\s*<dd[^>]*>\s*<strong>1 of 2</strong>", overview)


def test_a_change_too_small_to_show_is_written_as_no_change(app):
    figures = app.jinja_env.from_string(
        '{% from "reports/_figures.html" import num, pct with context %}'
        "{{ num(-0.001) }} {{ pct(-0.0001) }} {{ num(-0.5) }}"
    )
    with app.test_request_context():
        assert figures.render(min_group=5) == "0.0 0.0% -0.5"
