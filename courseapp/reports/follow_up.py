"""The follow-up test in the reports: how many learners were invited and took it, and
their pre-test, post-test and follow-up scores side by side, overall and per area.

Read from the learners' attempts and the area scores written when each was submitted
(summaries.py), in a fixed number of queries whatever the number of learners. A
follow-up test's items are the learner's own (the attempt's item_order), so its area
score is the mean mark of the area's items in that learner's test, unanswered counting 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from courseapp.assessment.models import FollowUp, Phase, TestAttempt
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import TAGS
from courseapp.clock import local
from courseapp.extensions import db
from courseapp.reports import statistics as stats
from courseapp.reports import summaries
from courseapp.reports.data import Filters, chosen_attempts, learner_ids

CSV_HEADER = ["follow-up %", "follow-up date"]


@dataclass(frozen=True)
class Taken:
    """A learner's submitted follow-up test and its score 0..1."""

    attempt_id: int
    user_id: int
    score: float
    submitted_at: datetime


def submitted(filters: Filters, *columns) -> sa.Select:
    """These columns of the submitted follow-up tests of the report's learners."""
    return sa.select(*columns).where(
        TestAttempt.user_id.in_(learner_ids(filters)),
        TestAttempt.pathway_id == filters.pathway_id,
        TestAttempt.phase == Phase.FOLLOW_UP,
        TestAttempt.submitted_at.is_not(None),
    )


def taken(filters: Filters) -> dict[int, Taken]:
    """Each learner's submitted follow-up test on the report's pathway, by learner id."""
    rows = db.session.execute(
        submitted(filters, TestAttempt.id, TestAttempt.user_id, TestAttempt.score,
                  TestAttempt.submitted_at)
    )  # fmt: skip
    return {
        user_id: Taken(attempt_id, user_id, score or 0.0, submitted_at)
        for attempt_id, user_id, score, submitted_at in rows
    }


def invited(filters: Filters) -> int:
    """How many of the report's learners have been invited to the follow-up test."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            FollowUp.user_id.in_(learner_ids(filters)), FollowUp.pathway_id == filters.pathway_id
        )
    )


@dataclass(frozen=True)
class AreaRow:
    tag: str  # "" for all areas together
    n: int  # learners with a pre-test, a post-test and a follow-up test in the area
    pre: float | None
    post: float | None
    follow_up: float | None


@dataclass(frozen=True)
class Figures:
    invited: int
    took: int
    overall: AreaRow
    areas: list[AreaRow]

    @property
    def not_taken(self) -> int:
        return max(self.invited - self.took, 0)


def _row(tag: str, triples: list[tuple[float, float, float]]) -> AreaRow:
    return AreaRow(tag, len(triples), *(stats.mean([t[k] for t in triples]) for k in range(3)))


def figures(filters: Filters, pathway: Pathway) -> Figures:
    """Pre, post and follow-up means, overall and per area, over the learners who took
    all three; and how many were invited and how many took the follow-up test."""
    found = taken(filters)
    paired: dict[int, dict[Phase, tuple[int, float, str]]] = {}
    for attempt_id, user_id, phase, score, test_id in db.session.execute(
        sa.select(TestAttempt.id, TestAttempt.user_id, TestAttempt.phase, TestAttempt.score,
                  TestAttempt.test_id)
        .where(TestAttempt.id.in_(chosen_attempts(filters)),
               TestAttempt.user_id.in_(submitted(filters, TestAttempt.user_id)))
    ):  # fmt: skip
        paired.setdefault(user_id, {})[phase] = (attempt_id, score or 0.0, test_id)
    complete = {u: p for u, p in paired.items() if Phase.PRE in p and Phase.POST in p}
    areas_of = summaries.area_scores_of(
        [a for p in complete.values() for a, _s, _t in p.values()]
        + [found[u].attempt_id for u in complete]
    )
    overall: list[tuple[float, float, float]] = []
    by_tag: dict[str, list[tuple[float, float, float]]] = {}
    for user_id, phases in complete.items():
        (pre_id, pre, _), (post_id, post, _) = phases[Phase.PRE], phases[Phase.POST]
        mine = found[user_id]
        overall.append((pre, post, mine.score))
        pre_tags, post_tags = areas_of.get(pre_id, {}), areas_of.get(post_id, {})
        for tag, score in areas_of.get(mine.attempt_id, {}).items():
            if tag in pre_tags and tag in post_tags:
                by_tag.setdefault(tag, []).append((pre_tags[tag], post_tags[tag], score))
    areas = [_row(tag, by_tag[tag]) for tag in TAGS if tag in by_tag]
    return Figures(invited(filters), len(found), _row("", overall), areas)


def csv_cells(found: Taken | None, zone_name: str | None) -> list:
    """The learners CSV's follow-up columns (CSV_HEADER) for one learner."""
    if found is None:
        return [None, None]
    day = local(found.submitted_at, zone_name).date().isoformat()
    return [round(found.score * 100, 1), day]
