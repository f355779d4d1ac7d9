"""Sums over the answers and rewordings of the learners a report covers, done in SQL:
however many learners there are, no answer row is loaded, only a row per attempt, item
or statement. The figures are finished in statistics.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.assessment.bank import Test
from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.extensions import db
from courseapp.reports import statistics as stats
from courseapp.reports.data import Filters, learner_ids
from courseapp.rewording.engine import CONSTRUCTIVE
from courseapp.rewording.models import Response


def _among(attempt_ids: Collection[int]) -> sa.BindParameter:
    """Attempt ids written into the SQL as numbers: no limit on how many (SQLite limits
    bound parameters), and the database plans for as many rows as there really are."""
    return sa.bindparam("attempt_ids", list(attempt_ids), expanding=True, literal_execute=True)


def _answers(attempt_ids: Collection[int], *columns) -> sa.Select:
    """Columns of the answers to these attempts (TestAttempt joined)."""
    return (
        sa.select(*columns)
        .join(TestAttempt, TestAttempt.id == Answer.attempt_id)
        .where(Answer.attempt_id.in_(_among(attempt_ids)))
    )


def tag_scores(test: Test, attempt_ids: Collection[int]) -> dict[int, dict[str, float]]:
    """Each attempt's score in each area (tag) of the test: the mean mark of the area's
    items, unanswered counting 0. An attempt with no marked answer is missing: see
    zero_tags."""
    areas = Counter(item.tag for item in test.items)
    tag_of = sa.case({item.id: item.tag for item in test.items}, value=Answer.item_id)
    query = (
        sa.select(Answer.attempt_id, tag_of.label("tag"), sa.func.sum(Answer.score))
        .where(
            Answer.attempt_id.in_(_among(attempt_ids)),
            Answer.item_id.in_([item.id for item in test.items]),
        )
        .group_by(Answer.attempt_id, sa.literal_column("tag"))
    )
    zero = zero_tags(test)
    scores: dict[int, dict[str, float]] = {}
    for attempt_id, tag, total in db.session.execute(query):
        if attempt_id not in scores:
            scores[attempt_id] = dict(zero)
        scores[attempt_id][tag] = (total or 0.0) / areas[tag]
    return scores


def zero_tags(test: Test) -> dict[str, float]:
    return dict.fromkeys((item.tag for item in test.items), 0.0)


def item_sums(
    test: Test, attempt_ids: Collection[int], cut: stats.GroupCut | None
) -> dict[str, stats.ItemSums]:
    """Each item's marks summed over these attempts (of one phase), and weighted by the
    upper and lower groups by total score (see statistics.GroupCut)."""
    total = sa.func.coalesce(TestAttempt.score, 0.0)
    columns = [Answer.item_id, sa.func.sum(Answer.score)]
    if cut is not None:
        for boundary, share, inside in (
            (cut.upper_boundary, cut.upper_share, total > cut.upper_boundary),
            (cut.lower_boundary, cut.lower_share, total < cut.lower_boundary),
        ):
            weighted = sa.case(
                (inside, Answer.score), (total == boundary, Answer.score * share), else_=0.0
            )
            columns.append(sa.func.sum(weighted))
    query = _answers(attempt_ids, *columns).where(
        Answer.item_id.in_([item.id for item in test.items])
    )
    return {
        item_id: stats.ItemSums(*(value or 0.0 for value in sums))
        for item_id, *sums in db.session.execute(query.group_by(Answer.item_id))
    }


def rating_summaries(test: Test, attempt_ids: Collection[int]) -> dict[str, stats.RatingSummary]:
    """Each self-rating's answers before and after, counted, and the mean change of the
    learners who gave both, in these attempts (a pre-test and a post-test a learner)."""
    ids = [rating.id for rating in test.ratings]
    value = sa.cast(sa.cast(Answer.response, sa.Text), sa.Integer)
    counts = {rating_id: {phase: Counter() for phase in Phase} for rating_id in ids}
    for rating_id, phase, rating, n in db.session.execute(
        _answers(attempt_ids, Answer.item_id, TestAttempt.phase, value, sa.func.count())
        .where(Answer.item_id.in_(ids))
        .group_by(Answer.item_id, TestAttempt.phase, value)
    ):  # fmt: skip
        counts[rating_id][phase][rating] += n
    # Each learner's rating before and after, side by side, then the changes summed.
    by_phase = (
        sa.func.max(sa.case((TestAttempt.phase == phase, value))).label(phase.value)
        for phase in Phase
    )
    side_by_side = (
        _answers(attempt_ids, Answer.item_id, *by_phase)
        .where(Answer.item_id.in_(ids))
        .group_by(Answer.item_id, TestAttempt.user_id)
        .subquery()
    )
    pre, post = side_by_side.c.pre, side_by_side.c.post
    changes = {
        rating_id: (n, change)
        for rating_id, n, change in db.session.execute(
            sa.select(side_by_side.c.item_id, sa.func.count(), sa.func.sum(post - pre))
            .where(pre.is_not(None), post.is_not(None))
            .group_by(side_by_side.c.item_id)
        )
    }
    summaries = {}
    for rating_id in ids:
        n, change = changes.get(rating_id, (0, None))
        summaries[rating_id] = stats.RatingSummary(
            {v: counts[rating_id][Phase.PRE][v] for v in stats.RATING_VALUES},
            {v: counts[rating_id][Phase.POST][v] for v in stats.RATING_VALUES},
            n,
            change / n if n else None,
        )
    return summaries


@dataclass(frozen=True)
class Rewording:
    learners_attempted: int
    exercises_attempted: int
    final_constructive: int
    final_total: int
    top_flags: list[tuple[str, int]]
    # Versions a coordinator gave a verdict, and how many of those differ from the coach's.
    coordinator_verdicts: int = 0
    overturned: int = 0


def rewording(filters: Filters) -> Rewording:
    """The learners' rewordings: who tried which exercises, how many final versions (the
    latest of each learner's for each exercise) are constructive (a coordinator's verdict
    counts where there is one), the commonest flags, and how often coordinators
    overturned the coach."""
    ids = learner_ids(filters)
    latest = (
        sa.select(Response.user_id, Response.exercise_id, sa.func.max(Response.version).label("v"))
        .where(Response.user_id.in_(ids))
        .group_by(Response.user_id, Response.exercise_id)
        .subquery()
    )
    final = sa.and_(
        latest.c.user_id == Response.user_id,
        latest.c.exercise_id == Response.exercise_id,
        latest.c.v == Response.version,
    )
    learners, exercises, constructive, total = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Response.user_id)),
            sa.func.count(sa.distinct(Response.exercise_id)),
            sa.func.count(
                sa.case(
                    (
                        sa.func.coalesce(Response.coordinator_verdict, Response.verdict)
                        == CONSTRUCTIVE,
                        1,
                    )
                )
            ),
            sa.func.count(),
        ).join(latest, final)
    ).one()
    every_flag = db.session.scalars(sa.select(Response.flags).where(Response.user_id.in_(ids)))
    flags = Counter(flag for flags_of in every_flag for flag in flags_of)
    reviewed, overturned = db.session.execute(
        sa.select(
            sa.func.count(Response.coordinator_verdict),
            sa.func.count(sa.case((Response.coordinator_verdict != Response.verdict, 1))),
        ).where(Response.user_id.in_(ids))
    ).one()
    return Rewording(
        learners, exercises, constructive, total, flags.most_common(5), reviewed, overturned
    )
