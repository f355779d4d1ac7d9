"""The coordinator dashboard's figures, computed from report data. Reads only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import attempts
from courseapp.assessment.bank import Test
from courseapp.assessment.journey import certificate_for
from courseapp.assessment.models import Phase
from courseapp.assessment.schema import TAGS
from courseapp.content.course import Pathway
from courseapp.content.services import enrolled_pathways, progress_by_module
from courseapp.extensions import db
from courseapp.reports import aggregates
from courseapp.reports import statistics as stats
from courseapp.reports.data import Learner, ReportData
from courseapp.rewording.models import Response


@dataclass(frozen=True)
class Completion:
    enrolled: int
    not_started: int
    in_progress: int
    completed: int
    rate: float | None
    median_days: float | None


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    tag: str
    stem: str
    pre: stats.ItemStats
    post: stats.ItemStats
    flags: tuple[stats.ItemFlag, ...]


@dataclass(frozen=True)
class RatingRow:
    rating_id: str
    statement: str
    scale: str
    blaming: bool
    summary: stats.RatingSummary


@dataclass(frozen=True)
class Dashboard:
    completion: Completion
    funnel: list[tuple[str, int]]
    overall: stats.PairedSummary
    excluded_missing_pre: int
    excluded_missing_post: int
    by_tag: dict[str, stats.PairedSummary]
    items: list[ItemRow]
    ratings: list[RatingRow]
    rewording: aggregates.Rewording


def status(learner: Learner, modules: int) -> str:
    if learner.certified_at is not None:
        return "completed"
    if learner.modules_started or learner.pre is not None:
        return "in progress"
    return "not started"


def _completion(learners: list[Learner], modules: int) -> Completion:
    statuses = Counter(status(learner, modules) for learner in learners)
    days = [
        (learner.certified_at - learner.enrolled_at).total_seconds() / 86400
        for learner in learners
        if learner.certified_at is not None
    ]
    n = len(learners)
    return Completion(
        enrolled=n,
        not_started=statuses["not started"],
        in_progress=statuses["in progress"],
        completed=statuses["completed"],
        rate=statuses["completed"] / n if n else None,
        median_days=stats.median(days),
    )


def dashboard(data: ReportData, pathway: Pathway, test: Test | None) -> Dashboard:
    learners = list(data.learners.values())
    completion = _completion(learners, len(pathway.modules))
    funnel = [
        (module.title, data.module_completions.get(module.id, 0)) for module in pathway.modules
    ]

    pairing = stats.pair_scores(
        {person.id: person.pre.score if person.pre else None for person in learners},
        {person.id: person.post.score if person.post else None for person in learners},
    )  # fmt: skip
    overall = stats.paired_summary(pairing.pairs.values())

    by_tag: dict[str, stats.PairedSummary] = {}
    items: list[ItemRow] = []
    ratings: list[RatingRow] = []
    if test is not None:
        zero = aggregates.zero_tags(test)
        paired = [data.learners[i] for i in pairing.pairs]
        tags = aggregates.tag_scores(test, [a.id for p in paired for a in (p.pre, p.post)])
        per_learner = []
        for learner in paired:
            pre, post = tags.get(learner.pre.id, zero), tags.get(learner.post.id, zero)
            per_learner.append({tag: (pre[tag], post[tag]) for tag in zero})
        by_tag = stats.paired_summary_by_tag(per_learner, [t for t in TAGS if t in zero])

        analysis = {}
        chosen = {phase: [a for p in learners if (a := getattr(p, phase.value))] for phase in Phase}
        for phase, taken in chosen.items():
            cut = stats.group_cut([attempt.score for attempt in taken])
            sums = aggregates.item_sums(test, [attempt.id for attempt in taken], cut)
            analysis[phase] = {
                item.id: stats.item_stats(len(taken), sums.get(item.id, stats.ItemSums()), cut)
                for item in test.items
            }
        flags = stats.item_flags(analysis[Phase.PRE], analysis[Phase.POST])
        items = [
            ItemRow(item.id, item.tag, item.stem, analysis[Phase.PRE][item.id],
                    analysis[Phase.POST][item.id], flags.get(item.id, ()))
            for item in test.items
        ]  # fmt: skip
        everyone = [attempt.id for taken in chosen.values() for attempt in taken]
        summaries = aggregates.rating_summaries(test, everyone)
        ratings = [
            RatingRow(rating.id, rating.statement, rating.scale, rating.blaming,
                      summaries[rating.id])
            for rating in test.ratings
        ]  # fmt: skip

    return Dashboard(
        completion, funnel, overall, pairing.missing_pre, pairing.missing_post, by_tag, items,
        ratings, aggregates.rewording(data.filters),
    )  # fmt: skip


@dataclass(frozen=True)
class OrganisationRow:
    name: str
    enrolled: int
    completion_rate: float | str | None
    mean_pre: float | str | None
    mean_post: float | str | None


def compare_organisations(data: ReportData) -> list[OrganisationRow]:
    """Figures per organisation for administrators; groups under MIN_GROUP are suppressed."""
    groups: dict[str, list[Learner]] = {}
    for learner in data.learners.values():
        groups.setdefault(learner.organisation or "No organisation", []).append(learner)
    rows = []
    for name, members in sorted(groups.items()):
        n = len(members)
        paired = [(m.pre.score, m.post.score) for m in members if m.pre and m.post]
        done = sum(m.certified_at is not None for m in members)
        rows.append(OrganisationRow(
            name, n,
            stats.suppress_small_group(done / n, n),
            stats.suppress_small_group(stats.mean([p for p, _ in paired]), len(paired)),
            stats.suppress_small_group(stats.mean([q for _, q in paired]), len(paired)),
        ))  # fmt: skip
    return rows


@dataclass(frozen=True)
class LearnerRow:
    learner: Learner
    status: str
    pre: float | None
    post: float | None
    gain: float | None
    pre_tags: dict[str, float]
    post_tags: dict[str, float]


def learner_rows(data: ReportData, pathway: Pathway, test: Test | None = None) -> list[LearnerRow]:
    """A row for each learner; with a test, their scores in each of its areas too."""
    taken = [a.id for p in data.learners.values() for a in (p.pre, p.post) if a is not None]
    tags = aggregates.tag_scores(test, taken) if test else {}
    zero = aggregates.zero_tags(test) if test else {}
    rows = []
    for learner in data.learners.values():
        pre = learner.pre.score if learner.pre else None
        post = learner.post.score if learner.post else None
        rows.append(LearnerRow(
            learner, status(learner, len(pathway.modules)), pre, post,
            post - pre if pre is not None and post is not None else None,
            tags.get(learner.pre.id, zero) if learner.pre else {},
            tags.get(learner.post.id, zero) if learner.post else {},
        ))  # fmt: skip
    return rows


SORTS = {
    "name": lambda row: (row.learner.name.lower(), row.learner.id),
    "status": lambda row: (row.status, row.learner.name.lower()),
    "pre": lambda row: (row.pre is None, -(row.pre or 0.0)),
    "post": lambda row: (row.post is None, -(row.post or 0.0)),
    "gain": lambda row: (row.gain is None, -(row.gain or 0.0)),
    "enrolled": lambda row: row.learner.enrolled_at,
}


def sort_rows(rows: list[LearnerRow], sort: str) -> list[LearnerRow]:
    return sorted(rows, key=SORTS.get(sort, SORTS["name"]))


@dataclass(frozen=True)
class LearnerDetail:
    pathways: list[tuple[Pathway, dict, list, dict, dict, object]]
    responses: list


def learner_detail(person: User) -> LearnerDetail:
    """Everything about one learner a coordinator may read, per pathway."""
    progress = progress_by_module(person)
    rows = []
    for pathway in enrolled_pathways(person):
        taken = [a for phase in Phase for a in attempts.attempts(person, pathway, phase)]
        pre, best = attempts.reporting_attempts(person, pathway)
        pre_tags, post_tags = (
            {tag: s.score for tag, s in attempts.tag_scores(attempt).items()} if attempt else {}
            for attempt in (pre, best)
        )
        rows.append(
            (pathway, progress, taken, pre_tags, post_tags, certificate_for(person, pathway))
        )
    responses = list(
        db.session.scalars(
            sa.select(Response)
            .where(Response.user_id == person.id)
            .order_by(Response.exercise_id, Response.version)
        )
    )
    return LearnerDetail(rows, responses)
