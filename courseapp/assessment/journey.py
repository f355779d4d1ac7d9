"""A learner's way through a pathway: pre-test, modules, post-test, certificate,
and what is locked until when."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import attempts as attempts_service
from courseapp.assessment import renewal
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.catalogue.course import Module, Pathway
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.content.completion import PathwayCompletion
from courseapp.content.services import PathwayProgress, Status
from courseapp.extensions import db
from courseapp.rewording.models import Response

PRE_TEST_FIRST = "Complete the pre-test to unlock the modules"
MODULES_FIRST = "Complete every module to unlock the post-test"


def rewordings_first(left: int) -> str:
    exercises = "rewording exercise" if left == 1 else "rewording exercises"
    return f"Do {left} more {exercises} to unlock the post-test"


def is_enrolled(user: User, pathway: Pathway) -> bool:
    return pathway in content.enrolled_pathways(user)


# Built once: every module page asks it.
_PRE_TEST_DONE = sa.select(
    sa.exists().where(
        TestAttempt.user_id == sa.bindparam("user_id"),
        TestAttempt.pathway_id == sa.bindparam("pathway_id"),
        TestAttempt.phase == Phase.PRE,
        TestAttempt.submitted_at.is_not(None),
    )
)


def pre_test_done(user: User, pathway: Pathway) -> bool:
    if not attempts_service.has_tests(pathway):
        return True
    return db.session.scalar(_PRE_TEST_DONE, {"user_id": user.id, "pathway_id": pathway.id})


def modules_locked_reason(user: User, pathway: Pathway, module: Module | None = None) -> str | None:
    """Why this learner cannot open the pathway's modules (or this module) yet, or None.
    Only learners enrolled on the pathway are gated; coordinators previewing the course
    are not, and nor is the module open before the pre-test."""
    if module is not None and pathway.open_before_pre_test(module):
        return None
    if is_enrolled(user, pathway) and not pre_test_done(user, pathway):
        return PRE_TEST_FIRST
    return None


@dataclass(frozen=True)
class TestStep:
    phase: Phase
    title: str
    status: Status
    locked_reason: str | None
    latest: TestAttempt | None
    attempts_left: int
    used_up: bool = False  # every attempt taken and failed (see assessment.grants)


@dataclass(frozen=True)
class Journey:
    pathway: Pathway
    progress: PathwayProgress
    completion: PathwayCompletion
    pre: TestStep | None
    post: TestStep | None
    certificate: Certificate | None

    @property
    def all_modules_complete(self) -> bool:
        return self.progress.completed == len(self.progress.tasks)


def rewordings_done(user: User, pathway: Pathway) -> int:
    """How many of the pathway's rewording exercises the learner has done: sent a
    version that the coach or a coordinator found constructive
    (Response.counts_as_done), in any round (a renewal round asks for the modules and
    the post-test again, and the rewording practice already done is kept)."""
    ids = [e.id for e in content.course().rewording.exercises.values() if pathway.id in e.pathways]
    return db.session.scalar(_REWORDINGS_DONE, {"user_id": user.id, "ids": ids})


# Built once, as the other reads of a pathway's page: each request only binds its values.
_REWORDINGS_DONE = sa.select(sa.func.count(sa.distinct(Response.exercise_id))).where(
    Response.user_id == sa.bindparam("user_id"),
    Response.exercise_id.in_(sa.bindparam("ids", expanding=True)),
    Response.counts_as_done,
)
_POST_TEST_PASSED = (
    TestAttempt.user_id == sa.bindparam("user_id"),
    TestAttempt.pathway_id == sa.bindparam("pathway_id"),
    TestAttempt.phase == Phase.POST,
    TestAttempt.passed.is_(True),
)
_PASSED_EVER = sa.select(sa.exists().where(*_POST_TEST_PASSED))
_PASSED_SINCE = sa.select(
    sa.exists().where(*_POST_TEST_PASSED, TestAttempt.started_at >= sa.bindparam("since"))
)


def post_test_passed(user: User, pathway: Pathway) -> bool:
    """Passed in the current round (see assessment.renewal)."""
    since = renewal.round_start(user, pathway)
    values = {"user_id": user.id, "pathway_id": pathway.id}
    if since is None:
        return db.session.scalar(_PASSED_EVER, values)
    return db.session.scalar(_PASSED_SINCE, values | {"since": since})


def completion(
    user: User, pathway: Pathway, progress: PathwayProgress, certified: bool | None = None
) -> PathwayCompletion:
    """The learner's completion (content.completion). `certified`: whether they hold
    this round's certificate, if the caller knows (looked up if None; whether the work
    before the post-test is done does not need it)."""
    if certified is None:
        certified = certificate_for(user, pathway) is not None
    return PathwayCompletion(
        pathway, progress.completed, rewordings_done(user, pathway),
        post_test_passed(user, pathway), certified,
    )  # fmt: skip


def _work_locked_reason(done: PathwayCompletion) -> str | None:
    if done.modules_completed < len(done.pathway.modules):
        return MODULES_FIRST
    if done.rewordings_left:
        return rewordings_first(done.rewordings_left)
    return None


def _step(
    user: User, pathway: Pathway, phase: Phase, locked_reason: str | None, passed: bool = False
) -> TestStep | None:
    if not attempts_service.has_tests(pathway):
        return None
    taken = attempts_service.round_attempts(user, pathway, phase)
    latest = taken[-1] if taken else None
    if latest is None:
        status = Status.LOCKED if locked_reason else Status.NOT_STARTED
    elif not latest.submitted:
        status = Status.IN_PROGRESS
    else:
        status = Status.COMPLETED
    left = attempts_service.attempts_allowed(phase, user, pathway) - len(taken)
    title = "Pre-test" if phase is Phase.PRE else "Post-test"
    used_up = phase is Phase.POST and left <= 0 and status is Status.COMPLETED and not passed
    reason = locked_reason if latest is None else None
    return TestStep(phase, title, status, reason, latest, left, used_up)


def journey(user: User, pathway: Pathway) -> Journey:
    locked = modules_locked_reason(user, pathway)
    progress = content.pathway_progress(user, pathway, locked_reason=locked)
    certificate = certificate_for(user, pathway)
    done = completion(user, pathway, progress, certificate is not None)
    pre = _step(user, pathway, Phase.PRE, None)
    post = _step(user, pathway, Phase.POST, _work_locked_reason(done), done.post_test_passed)
    return Journey(pathway, progress, done, pre, post, certificate)


def post_test_locked_reason(user: User, pathway: Pathway) -> str | None:
    if not pre_test_done(user, pathway):
        return PRE_TEST_FIRST
    progress = content.pathway_progress(user, pathway)
    return _work_locked_reason(completion(user, pathway, progress, certified=False))


def certificate_for(user: User, pathway: Pathway) -> Certificate | None:
    """The certificate of the learner's current round on the pathway: None while a
    renewal round is under way (the lapsed one is renewal.latest_certificate)."""
    latest = renewal.latest_certificate(user, pathway.id)
    since = renewal.round_start(user, pathway)
    if latest is None or (since is not None and latest.issued_at < since):
        return None
    return latest


def award_certificate(user: User, pathway: Pathway, attempt: TestAttempt) -> Certificate | None:
    """A certificate once the pathway is complete (content.completion): the post-test
    passed, every module complete and the rewordings submitted (once only)."""
    if not attempt.passed:  # a pre-test, or a post-test not passed: nothing to read
        return None
    progress = content.pathway_progress(user, pathway)
    existing = certificate_for(user, pathway)
    if not completion(user, pathway, progress, existing is not None).complete:
        return None
    if existing is not None:
        return existing
    earlier = renewal.latest_certificate(user, pathway.id)
    now = utcnow()
    certificate = Certificate(
        user_id=user.id, pathway_id=pathway.id, attempt_id=attempt.id, issued_at=now,
        valid_until=renewal.valid_until_for(pathway, now),
        renewal_of_id=earlier.id if earlier else None, minutes=pathway.minutes,
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    return certificate
