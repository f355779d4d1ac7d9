"""The follow-up invitations sent by two real RQ workers (`flask worker`) running the
daily sweep at once, on a real Redis, to a real SMTP server: each once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from courseapp.assessment.models import FollowUp
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Notice
from tests.test_follow_up import DAY_90, passed_learner
from tests.test_worker import _workers, redis_url, setup  # noqa: F401 - fixtures


def test_two_workers_sweeping_at_once_invite_each_learner_once(setup, make_org, make_user):  # noqa: F811
    app, smtp, url, redis = setup
    org = make_org()
    learners = [passed_learner(make_user, org) for _ in range(5)]
    for day in (DAY_90, DAY_90, DAY_90 + timedelta(days=1), DAY_90):
        queue.enqueue_now("daily_sweep", on=day.isoformat())
    _workers(app, url, redis, smtp, count=2)
    assert sorted(m["To"] for m in smtp.mailbox.messages) == sorted(u.email for u in learners)
    assert all(m["Subject"].startswith("A short follow-up test") for m in smtp.mailbox.messages)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == len(learners)
    assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == len(learners)
