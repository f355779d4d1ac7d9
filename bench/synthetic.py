"""Synthetic organisations for the scaling benchmark, written with bulk inserts: every
learner enrolled on the core pathway with a pre-test (41 items and 7 self-ratings
answered), a quarter with a post-test too, most part way through the modules, some
certified. Answers are drawn by the demo's model of learners (courseapp.demo.answers)
and marked by the item kinds' own scoring, so the reports have real figures."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment.kinds import kind_of
from courseapp.assessment.models import Answer, Certificate, Phase, TestAttempt
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.demo.answers import Profiles, answer_test
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team

POST_SHARE = 0.25
CHUNK = 5000


@dataclass(frozen=True)
class SyntheticOrganisation:
    id: int
    coordinator: str
    learners: int
    answers: int


def _insert(model, rows: list[dict]) -> None:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        db.session.execute(sa.insert(model), chunk)


def add_organisation(
    name: str, learners: int, password: str, seed: int = 1
) -> SyntheticOrganisation:
    """An organisation with five teams, a coordinator and `learners` learners."""
    rng = random.Random(seed)  # noqa: S311 - repeatable synthetic data
    pathway = content.course().pathways["core"]
    test = content.course().bank.tests[pathway.definition.pre_test]
    profiles = Profiles.draw(rng, list(test.items), list(test.ratings))
    now = utcnow().replace(microsecond=0)
    org = Organisation(name=name, sector=Sector.LOCAL_AUTHORITY)
    org.teams = [Team(name=f"Team {n}") for n in range(1, 6)]
    coordinator = User(name=f"Coordinator of {name}", email=f"coordinator@{seed}.example.org",
                       password_hash=hash_password(password), role=Role.COORDINATOR,
                       job_role=JobRole.TRAINING, organisation=org)  # fmt: skip
    coordinator.covered_organisations = [org]
    db.session.add_all([org, coordinator])
    db.session.flush()
    teams = [team.id for team in org.teams]

    _insert(User, [
        {"name": f"Learner {n}", "email": f"learner{n}@{seed}.example.org", "role": Role.LEARNER,
         "job_role": JobRole.SOCIAL_WORKER, "organisation_id": org.id, "team_id": teams[n % 5],
         "session_token": secrets.token_urlsafe(32), "active": True, "created_at": now}
        for n in range(learners)
    ])  # fmt: skip
    ids = list(db.session.scalars(
        sa.select(User.id).where(User.organisation_id == org.id, User.role == Role.LEARNER)
        .order_by(User.id)
    ))  # fmt: skip
    _insert(Enrolment, [{"user_id": i, "pathway_id": pathway.id, "enrolled_at": now} for i in ids])

    progress, attempts, planned = [], [], []
    for user_id in ids:
        ability = rng.gauss(0, 0.8)
        done = rng.randint(0, len(pathway.modules))
        progress += [{"user_id": user_id, "module_id": m.id, "started_at": now, "updated_at": now,
                      "completed_at": now} for m in pathway.modules[:done]]  # fmt: skip
        phases = [Phase.PRE] + ([Phase.POST] if rng.random() < POST_SHARE else [])
        for phase in phases:
            answers = answer_test(test, profiles, phase, ability, rng)
            marks = {item.id: kind_of(item).score(item, answers[item.id])
                     for item in test.items if item.id in answers}  # fmt: skip
            score = sum(marks.values()) / len(test.items)
            attempts.append({
                "user_id": user_id, "pathway_id": pathway.id, "test_id": test.id,
                "phase": phase, "number": 1, "item_order": [], "option_orders": {},
                "started_at": now, "submitted_at": now, "score": score,
                "passed": score * 100 >= pathway.definition.pass_mark if phase is Phase.POST
                else None,
            })  # fmt: skip
            planned.append((answers, marks))
    _insert(ModuleProgress, progress)
    _insert(TestAttempt, attempts)
    attempt_ids = list(db.session.scalars(
        sa.select(TestAttempt.id).where(TestAttempt.user_id.in_(ids)).order_by(TestAttempt.id)
    ))  # fmt: skip
    answer_rows = [
        {"attempt_id": attempt_id, "item_id": item_id, "response": response,
         "score": marks.get(item_id), "saved_at": now}
        for attempt_id, (answers, marks) in zip(attempt_ids, planned, strict=True)
        for item_id, response in answers.items()
    ]  # fmt: skip
    _insert(Answer, answer_rows)
    _insert(Certificate, [
        {"user_id": row["user_id"], "pathway_id": pathway.id, "code": secrets.token_hex(6),
         "issued_at": now + timedelta(days=30)}
        for row in attempts if row["passed"]
    ])  # fmt: skip
    db.session.commit()
    return SyntheticOrganisation(org.id, coordinator.email, len(ids), len(answer_rows))
