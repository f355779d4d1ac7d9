"""The summaries kept with the data (courseapp/reports/summaries.py) against a full
rebuild and against the figures defined from the raw rows (tests/report_definitions.py
and plain Python here), on SQLite and PostgreSQL, through the app's own services: tests
with retakes and granted attempts, module completions, rewordings with coordinators'
verdicts, then erasure, the retention purge, people moving team and cohort, a
deactivated account and a changed verdict."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.assessment import attempts, grants, journey, scores
from courseapp.assessment.models import PAIRED_PHASES, Answer, AttemptGrant, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.cohorts import members
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.content.services import enrol, record_completion
from courseapp.demo.answers import item_answer
from courseapp.demo.rewordings import own_versions
from courseapp.extensions import db
from courseapp.privacy import erasure, retention
from courseapp.reports import (
    currency,
    data,
    distribution,
    item_analysis,
    measures,
    services,
    summaries,
)
from courseapp.reports import statistics as stats
from courseapp.reports.choices import picked
from courseapp.reports.data import Filters, chosen_attempts, learner_ids
from courseapp.reports.models import AreaScore, LearnerSummary, Summary
from courseapp.rewording import reviewing
from courseapp.rewording import services as rewording
from courseapp.rewording.engine import CONSTRUCTIVE, UNCERTAIN
from courseapp.rewording.models import Response
from tests.report_definitions import LearnerItems, dashboard_from_learners, rating_summary
from tests.report_definitions import item_analysis as defined_items

# Versions the coach finds constructive (they do an exercise), and blaming ones.
# Beside two of each exercise's own constructive versions (demo.rewordings).
BLAMING = ("Why did you let him back in?", "You need to protect the children better.")
# Fits any case, so the coach leaves it to a coordinator (uncertain).
ANY_CASE = "What happened, and what would help you and the children now?"


def core():
    return course().pathways["core"]


def may_retake(user: User) -> bool:
    """A post-test attempt is left, and none has passed (a passed one is not retaken)."""
    return not grants.used_up(user, core()) and not journey.post_test_passed(user, core())


def take(user: User, phase: Phase, rng: random.Random, skill: float | None = None) -> TestAttempt:
    """A test taken through the app: started, answered at random, submitted. About one
    pre-test in four is answered in 40 seconds (too fast to measure anything), the rest
    in half an hour."""
    attempt = attempts.start_or_resume(user, core(), phase)
    if phase is Phase.PRE:  # a generator of its own, so that the rest of the data stays
        seconds = 40 if random.Random(user.id).random() < 0.25 else 1800
        attempt.started_at = utcnow() - timedelta(seconds=seconds)
    test = attempts.test_of(attempt)
    skill = rng.random() if skill is None else skill
    given = {item.id: item_answer(item, skill, rng) for item in test.items if rng.random() < 0.9}
    given |= {r.id: rng.randint(1, 5) for r in test.ratings if rng.random() < 0.8}
    attempts.save_answers(attempt, given)
    attempts.submit(attempt, core().definition.pass_mark)
    return attempt


def finish(user: User, exercises, rng: random.Random, valid_for_days: int | None) -> None:
    """The learner completes the course and is certified: every module, the rewordings
    asked for and a passed post-test (if they have an attempt left); the certificate
    then lapses, falls due or stays current as `valid_for_days` says."""
    for module in core().modules:
        record_completion(user, module)
    for exercise in exercises[: core().definition.required_rewordings]:
        rewording.submit(user, exercise, rng.choice(own_versions(exercise, user.id)[:2]))
    db.session.commit()
    if grants.used_up(user, core()):
        return
    passed = db.session.scalar(sa.select(TestAttempt).where(
        TestAttempt.user_id == user.id, TestAttempt.phase == Phase.POST,
        TestAttempt.passed.is_(True)))  # fmt: skip
    attempt = passed or take(user, Phase.POST, rng, skill=1.0)
    certificate = journey.award_certificate(user, core(), attempt)
    if certificate is not None:
        certificate.issued_at = utcnow() + timedelta(hours=rng.randint(1, 300))
        certificate.valid_until = (None if valid_for_days is None else
                                   utcnow().date() + timedelta(days=valid_for_days))  # fmt: skip
    db.session.commit()


def build(make_org, make_user, rng: random.Random):
    """Three organisations with teams, cohorts and learners at every stage; every
    learner's record written in transactions of its own, as requests would."""
    orgs, coordinators = [], {}
    for n in range(3):
        org = make_org(name=f"Org {n}", teams=("Duty", "Family support"))
        today = utcnow().date()  # one cohort's due date has passed, the other's end has not
        db.session.add_all([
            Cohort(organisation_id=org.id, name=f"Cohort {n}a", pathway_id="core",
                   due_on=today - timedelta(days=10 + n)),
            Cohort(organisation_id=org.id, name=f"Cohort {n}b", pathway_id="core",
                   ends_on=today + timedelta(days=30)),
        ])  # fmt: skip
        db.session.commit()
        orgs.append(org)
        coordinators[org.id] = make_user(role=Role.COORDINATOR, organisation=org, covers=(org,),
                                         password=None)  # fmt: skip
    exercises = [e for e in course().rewording.exercises.values() if "core" in e.pathways]
    learners = []
    for n in range(24):
        org = orgs[n % 3]
        cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.organisation_id == org.id))
        team, role = rng.choice([*org.teams, None]), rng.choice(list(JobRole))
        user = make_user(organisation=org, password=None, name=f"Learner {n}", team=team,
                         job_role=role)  # fmt: skip
        enrol(user, core(), rng.choice([*(c.id for c in cohorts), None]))
        db.session.commit()
        learners.append(user)
        if rng.random() < 0.85:
            take(user, Phase.PRE, rng)
            db.session.commit()
        for module in core().modules[: rng.randint(0, len(core().modules))]:
            record_completion(user, module)
        db.session.commit()
        for exercise in rng.sample(exercises, rng.randint(0, 3)):
            for _ in range(rng.randint(1, 2)):
                texts = (*own_versions(exercise, user.id)[:2], *BLAMING, ANY_CASE)
                rewording.submit(user, exercise, rng.choice(texts))
                db.session.commit()
        if rng.random() < 0.7:
            for _ in range(rng.randint(1, grants.base_attempts())):
                if may_retake(user):
                    take(user, Phase.POST, rng)
                    db.session.commit()
            if grants.used_up(user, core()):
                grants.grant(coordinators[org.id], user, core(), "Unwell on the day")
                db.session.commit()
                if rng.random() < 0.7:
                    take(user, Phase.POST, rng)
                    db.session.commit()
    for n, user in enumerate(learners[::4]):  # some complete the course, on different days
        finish(user, exercises, rng, valid_for_days=(-5, 20, 400, None)[n % 4])
    for response in db.session.scalars(sa.select(Response).order_by(Response.id)):
        if rng.random() < 0.4:
            verdict = rng.choice([CONSTRUCTIVE, "blaming"])
            reviewer = coordinators[response.user.organisation_id]
            reviewing.add_note(response, reviewer, None, "Checked with the team", verdict)
    rewording.submit(learners[0], exercises[0], ANY_CASE)  # still waiting for a coordinator
    db.session.commit()
    return orgs, learners, coordinators


def kept() -> dict:
    rows = db.session.execute(sa.select(Summary)).scalars()
    return {
        tuple(getattr(r, c) for c in (*summaries.CELL, *summaries.KEY)): (
            r.n, r.total, r.squares, r.cross)
        for r in rows if r.n
    }  # fmt: skip


def same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key][0] == b[key][0], key
        assert a[key][1:] == pytest.approx(b[key][1:], abs=1e-9), key


def check_rebuild() -> None:
    """What was kept change by change equals what a rebuild makes from the raw data."""
    before = kept()
    shares = {(r.user_id, r.pathway_id): r.figures for r in db.session.scalars(
        sa.select(LearnerSummary))}  # fmt: skip
    areas = dict(((a, k), s) for a, k, s in db.session.execute(sa.select(
        AreaScore.attempt_id, AreaScore.area, AreaScore.score)))  # fmt: skip
    summaries.rebuild()
    db.session.commit()
    same(before, kept())
    assert shares.keys() == {(r.user_id, r.pathway_id) for r in db.session.scalars(
        sa.select(LearnerSummary))}  # fmt: skip
    assert areas == pytest.approx(dict(((a, k), s) for a, k, s in db.session.execute(
        sa.select(AreaScore.attempt_id, AreaScore.area, AreaScore.score))))  # fmt: skip


def check_definitions(filters: Filters) -> None:
    """Every summed figure for these filters, against its definition from raw rows."""
    found = summaries.totals(filters)
    ids = set(db.session.scalars(learner_ids(filters)))
    chosen = list(db.session.scalars(sa.select(TestAttempt).where(
        TestAttempt.id.in_(chosen_attempts(filters)))))  # fmt: skip
    marks = defaultdict(dict)
    for answer in db.session.scalars(sa.select(Answer).where(
            Answer.attempt_id.in_([a.id for a in chosen]))):  # fmt: skip
        marks[answer.attempt_id][answer.item_id] = answer
    tests = course().bank.tests
    forms = {f: tests[f] for f in sorted({a.test_id for a in chosen})}
    _rows, items = item_analysis.analyse(forms, found, distribution.work_out(filters))
    by_item = {(row.form_id, row.item_id): row for row in items}
    for form_id, test in forms.items():
        for phase in PAIRED_PHASES:
            taken = [a for a in chosen if a.test_id == form_id and a.phase is phase]
            assert found.get("takers", form_id, phase.value)[0] == len(taken)
            records = [LearnerItems(a.score, {i: m.score or 0.0 for i, m in marks[a.id].items()
                                              if test.item(i)}) for a in taken]  # fmt: skip
            expected = defined_items(records, [i.id for i in test.items])
            k = len(test.items)
            totals = [a.score * k for a in taken]
            moments = {}
            for item in test.items:
                got = getattr(by_item[(form_id, item.id)], phase.value)
                assert got.n == expected[item.id].n
                assert got.facility == pytest.approx(expected[item.id].facility)
                assert got.discrimination == pytest.approx(expected[item.id].discrimination)
                item_scores = [(marks[a.id][item.id].score or 0.0)
                               if item.id in marks[a.id] else 0.0 for a in taken]  # fmt: skip
                moments[item.id] = measures.ItemMoments(
                    math.fsum(item_scores), math.fsum(s * s for s in item_scores),
                    math.fsum(s * t for s, t in zip(item_scores, totals, strict=True)))  # fmt: skip
                assert got.corrected_r == pytest.approx(
                    measures.corrected_item_total(totals, moments[item.id]), abs=1e-9
                )
                chose = Counter(key for a in taken if item.id in marks[a.id]
                                for key in picked(item, marks[a.id][item.id].response))  # fmt: skip
                for key, n in chose.items():
                    assert found.get("option", form_id, phase.value, item.id, key)[0] == n
            if len(taken) > 1:
                reliability = measures.reliability(totals, list(moments.values()))
                form_row = next(r for r in _rows if r.form_id == form_id and r.phase is phase)
                assert form_row.reliability.alpha == pytest.approx(reliability.alpha, abs=1e-9)
    for attempt in chosen:  # each chosen attempt's area scores, as the learner's page has them
        kept_areas = dict(db.session.execute(sa.select(AreaScore.area, AreaScore.score).where(
            AreaScore.attempt_id == attempt.id)).all())  # fmt: skip
        assert kept_areas == pytest.approx(
            {tag: s.score for tag, s in scores.tag_scores(attempt).items()}
        )

    by_learner = defaultdict(dict)
    for attempt in chosen:
        by_learner[attempt.phase][attempt.user_id] = {
            i: m.response for i, m in marks[attempt.id].items() if i in course().bank.ratings
        }
    ratings = services.rating_summaries(found, list(course().bank.ratings))
    for rating_id, summary in ratings.items():
        pairs = [(by_learner[Phase.PRE].get(u, {}).get(rating_id),
                  by_learner[Phase.POST].get(u, {}).get(rating_id))
                 for u in {*by_learner[Phase.PRE], *by_learner[Phase.POST]}]  # fmt: skip
        expected = rating_summary(pairs)
        assert summary.pre_counts == expected.pre_counts
        assert summary.post_counts == expected.post_counts
        assert summary.n_paired == expected.n_paired
        assert summary.mean_change == pytest.approx(expected.mean_change)

    done = Counter(db.session.scalars(sa.select(ModuleProgress.module_id).where(
        ModuleProgress.user_id.in_(ids), ModuleProgress.completed_at.is_not(None))))  # fmt: skip
    for module in core().modules:
        assert found.get("module", subject=module.id)[0] == done[module.id]

    responses = list(db.session.scalars(sa.select(Response).where(Response.user_id.in_(ids))))
    latest = {}
    for r in responses:
        if (r.user_id, r.exercise_id) not in latest or r.version > latest[
            (r.user_id, r.exercise_id)
        ].version:
            latest[(r.user_id, r.exercise_id)] = r
    board = services.rewording(found)
    assert board.learners_attempted == len({r.user_id for r in responses})
    assert board.exercises_attempted == len({r.exercise_id for r in responses})
    assert board.final_total == len(latest)
    assert board.final_constructive == sum(r.final_verdict == CONSTRUCTIVE for r in latest.values())
    assert board.waiting == sum(r.final_verdict == UNCERTAIN for r in latest.values())
    judged = [r for r in responses if r.coordinator_verdict is not None]
    assert board.coordinator_verdicts == sum(r.verdict != UNCERTAIN for r in judged)
    overturned = [r for r in judged if r.verdict not in (UNCERTAIN, r.coordinator_verdict)]
    assert board.overturned == len(overturned)
    assert board.settled == sum(r.verdict == UNCERTAIN for r in judged)
    flags = Counter(flag for r in responses for flag in r.flags)
    assert dict(board.top_flags) == {f: flags[f] for f, _ in board.top_flags}
    assert sorted(flags.values(), reverse=True)[:5] == [n for _, n in board.top_flags]
    check_dashboard(filters)


def same_paired(kept: stats.PairedSummary, defined: stats.PairedSummary,
                medians: bool = False) -> None:  # fmt: skip
    assert kept.n == defined.n
    assert (kept.n_improved, kept.n_gain_undefined) == (
        defined.n_improved, defined.n_gain_undefined)  # fmt: skip
    shown = ("pre_median", "post_median") if medians else ()  # kept only overall
    for name in ("pre_mean", "post_mean", "mean_gain", *shown,
                 "mean_normalised_gain", "share_improved", "class_normalised_gain"):  # fmt: skip
        assert getattr(kept, name) == pytest.approx(getattr(defined, name), abs=1e-9), name
    for name in ("mean", "sd", "ci_low", "ci_high", "d_z"):
        assert getattr(kept.gain, name) == pytest.approx(getattr(defined.gain, name), abs=1e-6)


def check_dashboard(filters: Filters) -> None:
    """The dashboard's completion, gain, by-area, by-order, per-organisation and
    certificate figures, read from the summaries, against each learner's own row."""
    board = services.dashboard(filters, core())
    defined = dashboard_from_learners(data.load(filters), core())
    c = board.completion
    assert (c.not_started, c.completed, c.enrolled) == (
        defined["statuses"]["not started"], defined["statuses"]["completed"],
        sum(defined["statuses"].values()))  # fmt: skip
    assert c.in_progress == defined["statuses"]["in progress"] + defined["statuses"][
        "attempts used up"]  # fmt: skip
    assert c.median_days == pytest.approx(defined["median_days"], abs=1 / 48)  # to the hour
    assert (c.passed, c.overdue) == (defined["passed"], defined["overdue"])
    same_paired(board.overall, defined["overall"], medians=True)
    assert (board.excluded_missing_pre, board.excluded_missing_post,
            board.excluded_too_fast) == defined["missing"]  # fmt: skip
    for row, order in zip(board.orders, (0, 1), strict=True):
        assert row.enrolled == defined["orders"][order][0]
        same_paired(row.paired, defined["orders"][order][1])
    assert {t for t, s in board.by_tag.items() if s.n} == set(defined["by_tag"])
    for tag, summary in defined["by_tag"].items():
        same_paired(board.by_tag[tag], summary)
    rows = {row.name: row for row in services.compare_organisations(filters)}
    assert rows.keys() == defined["organisations"].keys()
    for name, (n, done, paired) in defined["organisations"].items():
        assert rows[name].enrolled == n
        assert rows[name].completion_rate == stats.suppress_small_group(done / n, n)
        for got, want in ((rows[name].mean_pre, paired.pre_mean),
                          (rows[name].mean_post, paired.post_mean)):  # fmt: skip
            assert got == stats.suppress_small_group(pytest.approx(want), paired.n)
    assert currency.counts(board.certified_until) == defined["currency"]


def every_filter(orgs) -> list[Filters]:
    first = orgs[0]
    cohort = db.session.scalars(sa.select(Cohort).where(Cohort.organisation_id == first.id)).first()
    everyone = Filters("core", None)
    return [
        everyone,
        *(Filters("core", frozenset({org.id})) for org in orgs),
        Filters("core", frozenset({first.id}), team_id=first.teams[0].id),
        Filters("core", frozenset({first.id}), cohort_id=cohort.id),
        Filters("core", None, job_role=JobRole.SOCIAL_WORKER),
        Filters("core", None, include_deactivated=True),
        Filters("core", None, search="learner 1"),  # summed from the learners' own shares
    ]


def check(orgs) -> None:
    for filters in every_filter(orgs):
        check_definitions(filters)
    check_rebuild()


@pytest.mark.slow
def test_summaries_equal_a_rebuild_and_the_figures_defined_from_raw_data(
    any_db_app, make_org, make_user
):
    any_db_app.config["TEST_SECONDS_PER_QUESTION"] = 5
    rng = random.Random(17)
    orgs, learners, coordinators = build(make_org, make_user, rng)
    for model, where in (
        (Summary, True),
        (AttemptGrant, True),
        (Response, Response.coordinator_verdict.is_not(None)),
        (Response, (Response.verdict == UNCERTAIN) & Response.coordinator_verdict.is_not(None)),
        (Response, (Response.verdict == UNCERTAIN) & Response.coordinator_verdict.is_(None)),
        (TestAttempt, TestAttempt.number > 1),
    ):  # retakes
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) > 0
    board = services.dashboard(Filters("core", None), core())
    assert board.completion.completed >= 3 and board.completion.overdue >= 1
    assert board.overall.n >= 5 and board.completion.median_days is not None
    assert board.excluded_too_fast >= 2
    assert len(currency.counts(board.certified_until)) == 3  # current, due and lapsed
    check(orgs)

    # People move team, cohort and organisation's job role; one account is deactivated.
    mover, other, quitter = learners[0], learners[3], learners[6]
    mover.team = orgs[0].teams[1] if mover.team is orgs[0].teams[0] else orgs[0].teams[0]
    other.job_role = JobRole.TEACHER
    quitter.active = False
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == other.id))
    targets = db.session.scalars(sa.select(Cohort).where(
        Cohort.organisation_id == other.organisation_id,
        Cohort.id != enrolment.cohort_id)).all()  # fmt: skip
    if enrolment.cohort_id is None:
        enrolment.cohort_id = targets[0].id
    else:
        members.move(coordinators[other.organisation_id], enrolment, targets[0])
    db.session.commit()
    check(orgs)

    # A coordinator changes a verdict again; another learner's retake becomes their best.
    response = db.session.scalars(sa.select(Response).order_by(Response.id.desc())).first()
    reviewer = coordinators[response.user.organisation_id]
    flipped = "blaming" if response.final_verdict == CONSTRUCTIVE else CONSTRUCTIVE
    reviewing.add_note(response, reviewer, None, "Looked again", flipped)
    db.session.commit()
    rejudged = db.session.scalars(sa.select(Response).where(  # as rules changed would
        Response.coordinator_verdict.is_(None)).order_by(Response.id)).first()  # fmt: skip
    rejudged.verdict = "blaming" if rejudged.verdict == CONSTRUCTIVE else CONSTRUCTIVE
    rejudged.flags = [*rejudged.flags, "rules-changed"]
    db.session.commit()
    retaker = next(u for u in learners[1:] if may_retake(u)
                   and scores.reporting_attempts(u, core())[0] is not None)  # fmt: skip
    take(retaker, Phase.POST, random.Random(1))
    db.session.commit()
    check(orgs)

    # An erasure, then the retention purge of attempts started long ago.
    admin = make_user(role=Role.ADMIN, password=None)
    erasure.erase_learner(learners[9], admin)
    db.session.commit()
    old = utcnow() - timedelta(days=4000)
    for attempt in db.session.scalars(sa.select(TestAttempt).where(
            TestAttempt.user_id.in_([u.id for u in learners[12:18]]))):  # fmt: skip
        attempt.started_at = old
    for response in db.session.scalars(sa.select(Response).where(
            Response.user_id.in_([u.id for u in learners[12:15]]))):  # fmt: skip
        response.created_at = old
    db.session.commit()
    purged = retention.purge(old + timedelta(days=1))
    db.session.commit()
    assert purged.test_attempts > 0
    check(orgs)

    # A team is deleted: its members' share moves to "no team".
    db.session.delete(orgs[1].teams[0])
    db.session.commit()
    db.session.expire_all()
    check(orgs)

    # The command rebuilds the same summaries.
    before = kept()
    db.session.rollback()
    result = any_db_app.test_cli_runner().invoke(args=["reports", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    learners_left = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.LEARNER))  # fmt: skip
    assert f"Summaries rebuilt for {learners_left} learners" in result.output
    same(before, kept())


def test_lists_of_any_length_reach_postgresql(any_db_app):
    """PostgreSQL takes at most 65,535 bound parameters: a national report's lists of
    learners and attempts are written into the SQL instead (a learners CSV of 100,000
    learners failed with a 503 before)."""
    from courseapp.reports.currency import certificate_currency
    from courseapp.reports.summaries import area_scores_of

    many = list(range(1, 70_001))
    assert area_scores_of(many) == {}
    assert certificate_currency(many, course().pathways["core"]) == {}
