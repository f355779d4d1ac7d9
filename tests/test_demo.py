"""`flask --app courseapp seed-demo`: a demonstration at every stage that the reports can read."""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa

from courseapp.accounts.models import Role, User
from courseapp.accounts.passwords import verify_password
from courseapp.assessment import renewal
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.demo import rewordings
from courseapp.demo.journeys import Stage
from courseapp.demo.services import stage_list
from courseapp.extensions import db
from courseapp.reports import data, services
from courseapp.reports.status import status
from courseapp.rewording import copies
from courseapp.rewording.services import feedback


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_seed_demo_fills_every_stage_and_the_reports_load(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--learners", "40"])
    assert result.exit_code == 0, result.output
    assert "40 learners" in result.output

    learners = sa.select(User.id).where(User.role == Role.LEARNER)
    assert _count(learners) == 40
    submitted = sa.select(TestAttempt.id).where(TestAttempt.submitted_at.is_not(None))
    assert _count(submitted.where(TestAttempt.phase == Phase.PRE)) > 0
    assert _count(submitted.where(TestAttempt.phase == Phase.POST)) > 0
    assert _count(sa.select(Certificate.id)) == 10  # a quarter of 40
    for certificate in db.session.scalars(sa.select(Certificate)):
        # Valid for as long from its backdated date as a real certificate would be.
        pathway = course().pathways[certificate.pathway_id]
        assert certificate.valid_until == renewal.valid_until_for(pathway, certificate.issued_at)
    not_started = learners.where(
        ~User.id.in_(sa.select(TestAttempt.user_id)),
        ~User.id.in_(sa.select(ModuleProgress.user_id)),
    )
    assert _count(not_started) == 6
    failed_only = learners.where(
        User.id.in_(submitted.with_only_columns(TestAttempt.user_id).where(
            TestAttempt.phase == Phase.POST)),
        ~User.id.in_(sa.select(Certificate.user_id)),
    )  # fmt: skip
    assert _count(failed_only) == 4
    assert _count(sa.select(Enrolment.id).where(Enrolment.cohort_id.is_(None))) == 0

    pathway = course().pathways["core"]
    filters = data.Filters(pathway_id="core", organisation_ids=None)
    loaded = data.load(filters)
    board = services.dashboard(loaded.filters, pathway)
    assert board.completion.enrolled > 0
    assert board.completion.not_started > 0
    assert board.completion.completed > 0
    assert board.overall.n > 0
    assert board.overall.post_mean > board.overall.pre_mean
    assert board.ratings and board.by_tag
    # Both form orders, paired across forms: every post-test is the other form.
    assert [row.label for row in board.orders] == ["core-a then core-b", "core-b then core-a"]
    assert all(row.enrolled > 0 for row in board.orders)
    assert {(row.form_id, row.phase) for row in board.forms} >= {
        ("core-a", Phase.PRE),
        ("core-b", Phase.PRE),
    }
    for learner in loaded.learners.values():
        if learner.pre and learner.post:
            assert learner.pre.test_id != learner.post.test_id
    # Completion by the rule: the certified have done every module and the rewordings.
    for learner in loaded.learners.values():
        if learner.certified_at is not None:
            assert status(learner, pathway) == "completed"
            assert learner.rewordings >= pathway.definition.required_rewordings
    some = sa.select(ModuleProgress.id).where(
        ModuleProgress.completed_at.is_(None), ModuleProgress.check_passed_at.is_(None)
    )
    assert _count(some) > 0  # modules opened and left, under the new rule


def test_staff_share_one_random_password_and_learners_have_none(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--learners", "5"])
    assert result.exit_code == 0, result.output
    password = re.search(r"only this once:\s+(\S+)", result.output).group(1)
    staff = db.session.scalars(sa.select(User).where(User.role != Role.LEARNER)).all()
    assert {user.role for user in staff} == {Role.ADMIN, Role.COORDINATOR}
    assert all(verify_password(user.password_hash, password) for user in staff)
    assert all(user.email in result.output for user in staff)
    assert db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.password_hash.is_not(None))
    ) == len(staff)  # fmt: skip


@pytest.mark.slow
def test_refuses_a_database_with_learners_unless_forced(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--learners", "5"]).exit_code == 0
    db.session.rollback()

    refused = runner.invoke(args=["seed-demo", "--learners", "5"])
    assert refused.exit_code != 0
    assert "already has learners" in refused.output
    assert (
        db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.LEARNER)) == 5
    )

    forced = runner.invoke(args=["seed-demo", "--learners", "5", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (
        db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.LEARNER)) == 10
    )


@pytest.mark.parametrize("n", [1, 7, 40, 300])
def test_stage_shares_add_up(n):
    stages = stage_list(n)
    assert len(stages) == n
    if n == 300:
        assert stages.count(Stage.CERTIFIED) == 75
        assert stages.count(Stage.NOT_STARTED) == 45


@pytest.mark.slow
def test_demonstration_and_test_learners_write_apart(app):
    """Demonstration and test learners send the example answers, each with three
    sentences of their own around them (rewordings.personal): any two speakers differ
    in two of the three, so that the coach finds no learner's text another's (word for
    word or close), nor one learner's text for one exercise their own for another; and
    the sentences keep each example answer's verdict (checked for speakers who between
    them say every sentence, on every exercise)."""
    size = len(rewordings.OPENINGS)
    said = [rewordings.said_by((n, m)) for n in range(size) for m in range(size)]
    assert len(set(said)) == size * size
    assert all(sum(x == y for x, y in zip(a, b, strict=True)) <= 1
               for a, b in itertools.combinations(said, 2))  # fmt: skip
    exercises = course().rewording.exercises.values()
    for exercise in exercises:
        plain = rewordings.own_versions(exercise)
        verdicts = [feedback(exercise, text).verdict for text in plain]
        versions = [[rewordings.personal(text, (k, k)) for text in plain] for k in range(size)]
        for theirs in versions:
            assert [feedback(exercise, text).verdict for text in theirs] == verdicts
        for first, later in itertools.combinations(versions, 2):
            for earlier, text in zip(first, later, strict=True):
                assert copies.shared(text, (earlier,), exercise.people) is None
    # One learner's versions of every exercise, each judged against those before it.
    done: list = []
    for exercise in exercises:
        text = rewordings.own_version(exercise, 7)
        assert feedback(exercise, text, own=done).verdict == "constructive", exercise.id
        done.append((exercise, text))
