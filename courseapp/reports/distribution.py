"""Discrimination, worked out by a job. It is the one item figure that is not a sum:
the upper and lower 27% of a form's takers by total score depend on everyone's score,
so every answer of those groups is summed again whenever the data changes. A page asks
for it when the stored figures are older than the data (or missing), shows the stored
ones meanwhile, and says when they were worked out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.database import upsert
from courseapp.extensions import db
from courseapp.jobs.queue import enqueue_now, task
from courseapp.reports import statistics as stats
from courseapp.reports.data import Filters, chosen_attempts, load
from courseapp.reports.item_analysis import discrimination_key
from courseapp.reports.models import Distribution
from courseapp.reports.versions import current

TASK = "report_distribution"
_asked: set[tuple[str, int]] = set()  # (filters, version) this process has asked for


def key_of(filters: Filters) -> str:
    text = json.dumps(filters.as_json(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def work_out(filters: Filters) -> dict[str, float | None]:
    """Each item's discrimination in each (form, phase), for the report's learners."""
    data = load(filters)
    groups: dict[tuple[str, Phase], list] = {}
    for learner in data.learners.values():
        for phase in Phase:
            attempt = getattr(learner, phase.value, None)
            if attempt is not None and not attempt.too_fast:
                groups.setdefault((attempt.test_id, phase), []).append(attempt.score)
    cuts = {group: stats.group_cut(scores) for group, scores in groups.items()}
    tests = course().bank.tests
    figures = {}
    for (form_id, phase), cut in cuts.items():
        for item in tests[form_id].items if form_id in tests else ():
            figures[discrimination_key(form_id, phase, item.id)] = 0.0 if cut else None
    sums = _upper_and_lower(filters, {g: c for g, c in cuts.items() if c is not None})
    for (form_id, phase, item_id), (upper, lower) in sums.items():
        key = discrimination_key(form_id, phase, item_id)
        if figures.get(key) is not None:
            figures[key] = (upper - lower) / cuts[(form_id, phase)].size
    return figures


def _upper_and_lower(
    filters: Filters, cuts: Mapping[tuple[str, Phase], stats.GroupCut]
) -> dict[tuple[str, Phase, str], tuple[float, float]]:
    """Every item's marks summed over the upper and the lower group of its (form, phase),
    in one query: the tied on a boundary count as their share of a place."""
    if not cuts:
        return {}
    total = sa.func.coalesce(TestAttempt.score, 0.0)

    def weighted(upper: bool) -> sa.ColumnElement:
        whens = []
        for (form_id, phase), cut in cuts.items():
            own = sa.and_(TestAttempt.test_id == form_id, TestAttempt.phase == phase)
            boundary = cut.upper_boundary if upper else cut.lower_boundary
            share = cut.upper_share if upper else cut.lower_share
            inside = total > boundary if upper else total < boundary
            whens += [(sa.and_(own, inside), Answer.score),
                      (sa.and_(own, total == boundary), Answer.score * share)]  # fmt: skip
        return sa.func.sum(sa.case(*whens, else_=0.0))

    query = (
        sa.select(TestAttempt.test_id, TestAttempt.phase, Answer.item_id,
                  weighted(True), weighted(False))
        .join(TestAttempt, TestAttempt.id == Answer.attempt_id)
        .where(Answer.attempt_id.in_(chosen_attempts(filters)))
        .group_by(TestAttempt.test_id, TestAttempt.phase, Answer.item_id)
    )  # fmt: skip
    return {
        (test_id, phase, item_id): (upper or 0.0, lower or 0.0)
        for test_id, phase, item_id, upper, lower in db.session.execute(query)
    }


@task(TASK)
def store(filters: dict) -> None:
    """The job: work the figures out and keep them with the version they rest on."""
    chosen = Filters.from_json(filters)
    version = current(chosen.organisation_ids)
    figures = work_out(chosen)
    latest = db.session.scalar(
        sa.select(sa.func.max(TestAttempt.submitted_at)).where(
            TestAttempt.id.in_(chosen_attempts(chosen))
        )
    )
    values = {"key": key_of(chosen), "version": version, "worked_out_at": utcnow(),
              "latest_answer_at": latest, "figures": figures}  # fmt: skip
    upsert(Distribution, values, ["key"], {name: f"excluded.{name}" for name in values})


@dataclass(frozen=True)
class Spread:
    """Stored discrimination figures for a report, and how fresh they are."""

    figures: dict[str, float | None] | None
    worked_out_at: datetime | None
    latest_answer_at: datetime | None
    fresh: bool

    @property
    def stamp(self) -> str:
        return f"{self.worked_out_at}:{self.fresh}"

    @property
    def minutes_after(self) -> int | None:
        """Whole minutes between the latest submitted test and the working out."""
        if self.worked_out_at is None or self.latest_answer_at is None:
            return None
        return max(0, int((self.worked_out_at - self.latest_answer_at).total_seconds() // 60))


def spread(filters: Filters) -> Spread:
    """The stored figures for these filters; if they are missing or older than the data,
    a job is asked to work them out again."""
    row = db.session.get(Distribution, key_of(filters))
    version = current(filters.organisation_ids)
    fresh = row is not None and row.version == version
    if not fresh and (key := (key_of(filters), version)) not in _asked:
        if len(_asked) > 1000:
            _asked.clear()
        _asked.add(key)  # once per version from this process, however often it is viewed
        enqueue_now(TASK, filters=filters.as_json())
    if row is None:
        return Spread(None, None, None, False)
    return Spread(row.figures, row.worked_out_at, row.latest_answer_at, fresh)
