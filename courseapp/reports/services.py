"""The coordinator dashboard's figures, from the learners' rows (report data) and the
summaries kept with the answers (summaries.py). Reads only; never reads the answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import attempts, grants
from courseapp.assessment.journey import certificate_for
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.catalogue.bank import Test
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import TAGS
from courseapp.clock import local_today
from courseapp.cohorts.members import is_overdue
from courseapp.content.completion import PathwayCompletion
from courseapp.content.services import enrolled_pathways, progress_by_module
from courseapp.extensions import db
from courseapp.reports import item_analysis, summaries
from courseapp.reports import statistics as stats
from courseapp.reports.data import Learner, ReportData, chosen_attempts
from courseapp.rewording.models import Response


@dataclass(frozen=True)
class Completion:
    enrolled: int
    not_started: int
    in_progress: int
    completed: int
    rate: float | None
    median_days: float | None
    passed: int = 0  # passed the post-test
    overdue: int | None = None  # None: no learner's cohort has an end date to be late for


@dataclass(frozen=True)
class OrderRow:
    """The learners who took the forms in one order, and their paired scores."""

    label: str
    enrolled: int
    paired: stats.PairedSummary


@dataclass(frozen=True)
class RatingRow:
    rating_id: str
    statement: str
    scale: str
    blaming: bool
    summary: stats.RatingSummary

    def attitude(self, counts: dict[int, int]) -> float | None:
        """The mean rating scored so that 5 is always the view the course teaches: an
        item where agreeing is the blaming view (reverse-keyed) counts 6 - rating."""
        n = sum(counts.values())
        if self.scale != "agreement" or not n:
            return None
        return sum((6 - v if self.blaming else v) * c for v, c in counts.items()) / n

    @property
    def attitude_change(self) -> float | None:
        change = self.summary.mean_change
        if self.scale != "agreement" or change is None:
            return None
        return -change if self.blaming else change


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


def rewording(found: summaries.Totals) -> Rewording:
    """The learners' rewordings: who tried which exercises, how many final versions (the
    latest of each learner's for each exercise) are constructive (a coordinator's verdict
    counts where there is one), the commonest flags, and how often coordinators
    overturned the coach."""
    final_total, constructive, _, _ = found.get("rewording", subject="final")
    reviewed, overturned, _, _ = found.get("rewording", subject="reviewed")
    flags = sorted(((key[3], value[0]) for key, value in found.of("flag")),
                   key=lambda pair: (-pair[1], pair[0]))  # fmt: skip
    return Rewording(
        found.get("rewording", subject="learners")[0], sum(1 for _ in found.of("exercise")),
        round(constructive), final_total, flags[:5], reviewed, round(overturned),
    )  # fmt: skip


def rating_summaries(found: summaries.Totals, rating_ids: list[str]) -> dict:
    """Each self-rating's answers before and after, counted, and the mean change of the
    learners who gave both."""
    counts = {rating_id: {phase: Counter() for phase in Phase} for rating_id in rating_ids}
    for (_kind, _form, phase, rating_id, value), (n, *_rest) in found.of("option"):
        if rating_id in counts:
            counts[rating_id][Phase(phase)][int(value)] += n
    result = {}
    for rating_id in rating_ids:
        n, change, _, _ = found.get("rating", subject=rating_id)
        result[rating_id] = stats.RatingSummary(
            {v: counts[rating_id][Phase.PRE][v] for v in stats.RATING_VALUES},
            {v: counts[rating_id][Phase.POST][v] for v in stats.RATING_VALUES},
            n,
            change / n if n else None,
        )
    return result


@dataclass(frozen=True)
class Dashboard:
    completion: Completion
    funnel: list[tuple[str, int]]
    overall: stats.PairedSummary
    excluded_missing_pre: int
    excluded_missing_post: int
    by_tag: dict[str, stats.PairedSummary]
    forms: list[item_analysis.FormRow]
    orders: list[OrderRow]
    items: list[item_analysis.ItemRow]
    ratings: list[RatingRow]
    rewording: Rewording


def completion_of(learner: Learner, pathway: Pathway) -> PathwayCompletion:
    """The learner's completion under the one rule (content.completion), from the
    counts the report data summed in SQL."""
    return PathwayCompletion(
        pathway, learner.modules_completed, learner.rewordings, learner.post_test_passed
    )


STATUSES = ("not started", "in progress", "attempts used up", "completed")


def status(learner: Learner, pathway: Pathway) -> str:
    """One of STATUSES. "Attempts used up": every post-test attempt allowed (with any a
    coordinator granted) taken without passing; a coordinator can grant another."""
    if completion_of(learner, pathway).complete:
        return "completed"
    allowed = grants.base_attempts() + learner.extra_attempts
    tested = bool(pathway.definition.test_forms) and not learner.post_test_passed
    if tested and learner.post_attempts >= allowed:
        return "attempts used up"
    if learner.modules_started or learner.pre is not None:
        return "in progress"
    return "not started"


def _completion(learners: list[Learner], pathway: Pathway) -> Completion:
    statuses = Counter(status(learner, pathway) for learner in learners)
    days = [
        (learner.certified_at - learner.enrolled_at).total_seconds() / 86400
        for learner in learners
        if learner.certified_at is not None and status(learner, pathway) == "completed"
    ]
    n = len(learners)
    overdue = sum(
        is_overdue(
            learner.cohort_due_on,
            status(learner, pathway) == "completed",
            local_today(learner.timezone),
        )
        for learner in learners
    )
    return Completion(
        enrolled=n,
        not_started=statuses["not started"],
        in_progress=statuses["in progress"] + statuses["attempts used up"],
        completed=statuses["completed"],
        rate=statuses["completed"] / n if n else None,
        median_days=stats.median(days),
        passed=sum(learner.post_test_passed for learner in learners),
        overdue=overdue if any(learner.cohort_due_on for learner in learners) else None,
    )


def report_forms(pathway: Pathway, learners: list[Learner]) -> dict[str, Test]:
    """The pathway's forms, and any retired form an attempt in the report was taken on."""
    bank = course().bank.tests
    ids = [*pathway.definition.test_forms]
    ids += sorted({a.test_id for p in learners for a in (p.pre, p.post) if a} - set(ids))
    return {form_id: bank[form_id] for form_id in ids if form_id in bank}


def order_label(pathway: Pathway, order: int) -> str:
    forms = pathway.definition.test_forms
    return f"{forms[order]} then {forms[1 - order]}" if forms else ""


def dashboard(
    data: ReportData,
    pathway: Pathway,
    discrimination: Mapping[str, float | None] | None = None,
) -> Dashboard:
    """The figures of every report page. `discrimination` is what a job worked out
    (distribution.py), if it has: without it, discrimination is not given."""
    learners = list(data.learners.values())
    found = summaries.totals(data.filters)
    completion = _completion(learners, pathway)
    funnel = [
        (module.title, found.get("module", subject=module.id)[0]) for module in pathway.modules
    ]

    pairing = stats.pair_scores(
        {person.id: person.pre.score if person.pre else None for person in learners},
        {person.id: person.post.score if person.post else None for person in learners},
    )  # fmt: skip
    overall = stats.paired_summary(pairing.pairs.values())
    paired = [data.learners[i] for i in pairing.pairs]
    orders = [
        OrderRow(order_label(pathway, order), sum(p.form_order == order for p in learners),
                 stats.paired_summary([pairing.pairs[p.id] for p in paired
                                       if p.form_order == order]))
        for order in (0, 1) if pathway.definition.test_forms
    ]  # fmt: skip

    forms = report_forms(pathway, learners)
    by_tag: dict[str, stats.PairedSummary] = {}
    if forms:
        tags = summaries.area_scores_of(chosen_attempts(data.filters)) if paired else {}
        per_learner = []
        for learner in paired:
            pre, post = tags.get(learner.pre.id, {}), tags.get(learner.post.id, {})
            per_learner.append({tag: (pre[tag], post[tag]) for tag in pre if tag in post})
        present = {item.tag for test in forms.values() for item in test.items}
        by_tag = stats.paired_summary_by_tag(per_learner, [t for t in TAGS if t in present])
    form_rows, items = item_analysis.analyse(forms, found, discrimination)

    ratings: list[RatingRow] = []
    rating_defs = {r.id: r for test in forms.values() for r in test.ratings}
    if rating_defs:
        summed = rating_summaries(found, list(rating_defs))
        ratings = [
            RatingRow(r.id, r.statement, r.scale, r.blaming, summed[r.id])
            for r in rating_defs.values()
        ]

    return Dashboard(
        completion, funnel, overall, pairing.missing_pre, pairing.missing_post, by_tag,
        form_rows, orders, items, ratings, rewording(found),
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
    pathway = course().pathways[data.filters.pathway_id]
    groups: dict[str, list[Learner]] = {}
    for learner in data.learners.values():
        groups.setdefault(learner.organisation or "No organisation", []).append(learner)
    rows = []
    for name, members in sorted(groups.items()):
        n = len(members)
        paired = [(m.pre.score, m.post.score) for m in members if m.pre and m.post]
        done = sum(status(m, pathway) == "completed" for m in members)
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


def learner_rows(data: ReportData, pathway: Pathway, areas: bool = False) -> list[LearnerRow]:
    """A row for each learner; with areas, their scores in each area of their forms too."""
    forms = report_forms(pathway, list(data.learners.values())) if areas else {}
    tags = summaries.area_scores_of(chosen_attempts(data.filters)) if forms else {}
    rows = []
    for learner in data.learners.values():
        pre = learner.pre.score if learner.pre else None
        post = learner.post.score if learner.post else None
        rows.append(LearnerRow(
            learner, status(learner, pathway), pre, post,
            post - pre if pre is not None and post is not None else None,
            tags.get(learner.pre.id, {}) if learner.pre else {},
            tags.get(learner.post.id, {}) if learner.post else {},
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
        areas = summaries.area_scores_of([a.id for a in (pre, best) if a is not None])
        pre_tags, post_tags = (areas.get(a.id, {}) if a else {} for a in (pre, best))
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
