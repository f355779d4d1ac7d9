"""The follow-up test: some days after a learner passes a pathway's post-test, the daily
sweep invites them to a short test drawn from the item bank, to see what has stayed
with them. It has no pass mark and changes neither the certificate nor completion.

The items are drawn once, at the invitation, and kept on the FollowUp row: the same
number from each area of the model the pathway's forms test, preferring items the
learner has never been shown, then those shown longest ago. Taking the test is the
same as taking a pre- or post-test (assessment.attempts), with one attempt.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from courseapp.accounts.models import User
from courseapp.assessment.models import FollowUp, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.bank import Test
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import TAGS, ItemBase, TestForm
from courseapp.extensions import db

# The test_id of follow-up attempts: their items are the learner's own, not a form's.
FOLLOW_UP_TEST_ID = "follow-up"
TITLE = "Follow-up test"


def pool(pathway: Pathway) -> list[ItemBase]:
    """The bank's items in the areas (tags) the pathway's forms test, in bank order."""
    bank = course().bank
    tags = {
        item.tag
        for form_id in pathway.definition.test_forms
        if form_id in bank.tests
        for item in bank.tests[form_id].items
    }
    return [item for item in bank.items.values() if item.tag in tags]


def last_seen(user_id: int) -> dict[str, datetime]:
    """When the learner was last shown each item, over every attempt they have started."""
    seen: dict[str, datetime] = {}
    rows = db.session.execute(
        sa.select(TestAttempt.item_order, TestAttempt.started_at).where(
            TestAttempt.user_id == user_id
        )
    )
    for item_order, started_at in rows:
        for item_id in item_order or []:
            if item_id not in seen or started_at > seen[item_id]:
                seen[item_id] = started_at
    return seen


def draw(
    items: list[ItemBase], seen: Mapping[str, datetime], per_area: int, rng: random.Random
) -> list[str]:
    """Up to `per_area` items from each area, area by area in the course's order: first
    items never seen, then those seen longest ago; ties are broken at random."""
    by_area: dict[str, list[ItemBase]] = defaultdict(list)
    for item in items:
        by_area[item.tag].append(item)
    drawn: list[str] = []
    for tag in TAGS:
        candidates = list(by_area.get(tag, []))
        rng.shuffle(candidates)
        candidates.sort(key=lambda item: (item.id in seen, seen.get(item.id, datetime.min)))
        drawn += [item.id for item in candidates[:per_area]]
    return drawn


def find(user: User, pathway: Pathway) -> FollowUp | None:
    return db.session.scalar(
        sa.select(FollowUp).where(FollowUp.user_id == user.id, FollowUp.pathway_id == pathway.id)
    )


def invite(user_id: int, pathway: Pathway, on: date, rng: random.Random | None = None) -> bool:
    """Draw the learner's items and record the invitation, once: True if this call
    recorded it (another run, or another worker at the same moment, finds it)."""
    rng = rng or random.Random(secrets.randbits(64))  # noqa: S311 - choosing questions
    per_area = int(current_app.config["FOLLOW_UP_ITEMS_PER_AREA"])
    item_ids = draw(pool(pathway), last_seen(user_id), per_area, rng)
    if not item_ids:
        return False
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(FollowUp)
        .values(user_id=user_id, pathway_id=pathway.id, invited_on=on, item_ids=item_ids)
        .on_conflict_do_nothing(index_elements=["user_id", "pathway_id"])
        .returning(FollowUp.id)
    )
    return db.session.execute(statement).scalar() is not None


def test_from(pathway_id: str, item_ids: list[str]) -> Test:
    """A follow-up test made of these items (any the bank no longer has left out)."""
    bank = course().bank
    items = tuple(bank.items[i] for i in item_ids if i in bank.items)
    form = TestForm.model_construct(
        id=FOLLOW_UP_TEST_ID, title=TITLE, pathway=pathway_id,
        items=[item.id for item in items], self_ratings=[],
    )  # fmt: skip
    return Test(form, items, ())


def test_for(user: User, pathway: Pathway) -> Test | None:
    """The learner's follow-up test, once they have been invited to it."""
    invitation = find(user, pathway)
    return test_from(pathway.id, invitation.item_ids) if invitation else None


@dataclass(frozen=True)
class Invitation:
    pathway: Pathway
    follow_up: FollowUp
    started: bool  # an attempt is open


def open_invitations(user: User) -> list[Invitation]:
    """The learner's follow-up tests not yet submitted, for their home page."""
    if not user.is_authenticated:
        return []
    attempts = {
        pathway_id: submitted
        for pathway_id, submitted in db.session.execute(
            sa.select(TestAttempt.pathway_id, TestAttempt.submitted_at).where(
                TestAttempt.user_id == user.id, TestAttempt.phase == Phase.FOLLOW_UP
            )
        )
    }
    found = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.user_id == user.id).order_by(FollowUp.id)
    )
    pathways = course().pathways
    return [
        Invitation(pathways[f.pathway_id], f, f.pathway_id in attempts)
        for f in found
        if f.pathway_id in pathways and attempts.get(f.pathway_id) is None
    ]
