"""Two app instances (replicas) sharing one PostgreSQL database and one Redis serve the
same dashboard figures after a test is submitted to either: the summaries are written
in the submitting replica's transaction, and nothing either keeps is per process."""

from __future__ import annotations

import random
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from courseapp.accounts.models import Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.content.services import enrol
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector
from courseapp.reports.cache import REPORT_CACHE, RedisStore
from tests.conftest import PASSWORD, build_app, login, postgres_url, redis_test_url
from tests.test_report_summaries import take


@pytest.fixture
def replicas(tmp_path: Path):
    url = redis_test_url()
    with redis.Redis.from_url(url) as store:
        store.flushdb()
    database = postgres_url()
    apps = [build_app(database, tmp_path, REDIS_URL=url) for _ in range(2)]
    with apps[0].app_context():
        db.create_all()
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        store = app.extensions.get(REPORT_CACHE)
        if isinstance(store, RedisStore):
            store.client.close()


def _figures(client, org_id: int) -> str:
    """The dashboard's main content, as a coordinator reads it."""
    page = client.get(f"/reports/?organisation={org_id}").get_data(as_text=True)
    main = re.search(r"<main.*?</main>", page, re.S).group()
    return re.sub(r'nonce="[^"]*"', "", main)


def _learner(app, org_id: int, n: int) -> int:
    with app.app_context():
        user = User(name=f"Learner {n}", email=f"learner{n}@example.org", role=Role.LEARNER,
                    organisation_id=org_id, password_hash=None,
                    email_confirmed_at=utcnow())  # fmt: skip
        db.session.add(user)
        db.session.flush()
        enrol(user, course().pathways["core"])
        db.session.commit()
        return user.id


def _submit(app, user_id: int, phase: Phase, seed: int) -> None:
    with app.app_context():
        take(db.session.get(User, user_id), phase, random.Random(seed))
        db.session.commit()


def test_two_replicas_serve_the_same_dashboard_after_a_submission_to_either(replicas):
    first, second = replicas
    with first.app_context():
        org = Organisation(name="Shared org", sector=Sector.LOCAL_AUTHORITY)
        db.session.add(org)
        db.session.flush()
        coordinator = User(name="Coordinator", email="coordinator@example.org",
                           role=Role.COORDINATOR, organisation_id=org.id,
                           password_hash=hash_password(PASSWORD))  # fmt: skip
        coordinator.covered_organisations = [org]
        db.session.add(coordinator)
        db.session.commit()
        org_id = org.id
    learners = [_learner(first, org_id, n) for n in range(6)]
    for n, user_id in enumerate(learners):
        _submit(first if n % 2 else second, user_id, Phase.PRE, n)
    readers = [app.test_client() for app in replicas]
    for reader in readers:
        login(reader, SimpleNamespace(email="coordinator@example.org"))
    before = [_figures(reader, org_id) for reader in readers]
    assert before[0] == before[1]
    assert "Passed the post-test" in before[0]

    for n, (writer, user_id) in enumerate(zip((first, second, first), learners, strict=False)):
        _submit(writer, user_id, Phase.POST, 100 + n)
        seen = [_figures(reader, org_id) for reader in readers]
        assert seen[0] == seen[1]  # whichever replica took the submission
        assert seen[0] != before[0]  # and both show it
        before = seen
