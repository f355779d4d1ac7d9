"""The coordinator dashboard's figures, from the learners' rows (report data) and the
summaries kept with the answers (summaries.py). Reads only; never reads the answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import attempts, scores
from courseapp.assessment.journey import certificate_for
from courseapp.assessment.models import Phase
from courseapp.catalogue import course
from courseapp.catalogue.bank import Test
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import TAGS
from courseapp.clock import local_today
from courseapp.cohorts.members import is_overdue
from courseapp.cohorts.models import Cohort
from courseapp.content.services import enrolled_pathways, progress_by_module
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from courseapp.reports import item_analysis, summaries
from courseapp.reports import statistics as stats
from courseapp.reports.data import Filters, Learner, ReportData, chosen_attempts
from courseapp.reports.status import status
from courseapp.rewording.models import Response


@dataclass(frozen=True)
class Completion:
    enrolled: int
    not_started: int
    in_progress: int  # attempts used up included
    completed: int
    rate: float | None
    median_days: float | None
    passed: int = 0  # passed the post-test
    overdue: int | None = None  # None: no learner's cohort has an end date to be late for
    attempts_used_up: int = 0  # of those in progress, every post-test attempt failed


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
    # Versions the coach decided that a coordinator gave a verdict, and how many of those
    # differ from the coach's; versions the coach left to a coordinator that one settled.
    coordinator_verdicts: int = 0
    overturned: int = 0
    settled: int = 0
    # Final versions the coach left to a coordinator that none has settled yet: rated
    # neither way.
    waiting: int = 0

    @property
    def final_rated(self) -> int:
        return self.final_total - self.waiting


def rewording(found: summaries.Totals) -> Rewording:
    """The learners' rewordings: who tried which exercises, how many final versions (the
    latest of each learner's for each exercise) are constructive (a coordinator's verdict
    counts where there is one; one still waiting for a coordinator is not rated), the
    commonest flags, how often coordinators overturned a verdict the coach gave and how
    many versions the coach left to them they settled."""
    final_total, constructive, _, _ = found.get("rewording", subject="final")
    reviewed, overturned, _, _ = found.get("rewording", subject="reviewed")
    flags = sorted(((key[3], value[0]) for key, value in found.of("flag")),
                   key=lambda pair: (-pair[1], pair[0]))  # fmt: skip
    return Rewording(
        found.get("rewording", subject="learners")[0], sum(1 for _ in found.of("exercise")),
        round(constructive), final_total, flags[:5], reviewed, round(overturned),
        found.get("rewording", subject="settled")[0],
        found.get("rewording", subject="waiting")[0],
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
    excluded_too_fast: int  # their pre-test was answered too fast to measure anything
    by_tag: dict[str, stats.PairedSummary]
    forms: list[item_analysis.FormRow]
    orders: list[OrderRow]
    items: list[item_analysis.ItemRow]
    ratings: list[RatingRow]
    rewording: Rewording
    certified_until: Counter = field(default_factory=Counter)  # see currency_dates


def _completion(filters: Filters, found: summaries.Totals) -> Completion:
    """Completion counts, and the learners who never completed the course although their
    cohort's due date (its end date if it has none) has passed, by the day in their
    organisation's time zone (cohorts.members.is_overdue)."""
    counts = found.statuses()
    n = sum(counts.values())
    days = Counter({float(key[4]): value[0] for key, value in found.of("days")})
    by_cohort = summaries.grouped(
        filters, ("organisation_id", "cohort_id"), ("status", "completed once")
    )
    cohorts = {c for _org, c in by_cohort if c}
    due = {} if not cohorts else {
        cohort_id: (due_on, zone)
        for cohort_id, due_on, zone in db.session.execute(
            sa.select(Cohort.id, sa.func.coalesce(Cohort.due_on, Cohort.ends_on),
                      Organisation.timezone)
            .join(Organisation, Organisation.id == Cohort.organisation_id)
            .where(Cohort.id.in_(sorted(cohorts)))
        )
    }  # fmt: skip
    overdue, any_due = 0, False
    for (_org, cohort_id), cell in by_cohort.items():
        due_on, zone = due.get(cohort_id, (None, None))
        if due_on is None:
            continue
        any_due = True
        late = is_overdue(due_on, False, local_today(zone))
        overdue += late * (sum(cell.statuses().values()) - cell.get("completed once")[0])
    return Completion(
        enrolled=n,
        not_started=counts["not started"],
        in_progress=counts["in progress"] + counts["attempts used up"],
        completed=counts["completed"],
        rate=counts["completed"] / n if n else None,
        median_days=stats.median_of_counts(days),
        passed=found.get("passed")[0],
        overdue=overdue if any_due else None,
        attempts_used_up=counts["attempts used up"],
    )


def paired_sums(
    found: summaries.Totals, order: str | None = None, scope: str = ""
) -> stats.PairedSums:
    """The paired scores kept for the report's learners: of one form order (None: both),
    overall ("") or in one area. Scores are counted at each value, for medians, only
    overall: medians by area or order are not kept (None)."""
    sums = stats.PairedSums()
    for key, (n, total, squares, cross) in found.of("paired"):
        if key[3] != scope or (order is not None and key[1] != order):
            continue
        part = key[4]
        if part == "pre":
            sums.n += n
            sums.pre += total
            sums.pre_squares += squares
        elif part == "post":
            sums.post += total
            sums.post_squares += squares
        elif part == "gain":
            sums.gain += total
            sums.gain_squares += squares
            sums.improved += round(cross)
        else:
            sums.normalised_n += n
            sums.normalised += total
    if order is None and scope == "":  # the only medians kept (shares.py)
        for key, (n, *_rest) in found.of("paired at"):
            (sums.pre_counts if key[2] == "pre" else sums.post_counts)[float(key[4])] += n
    return sums


def report_forms(pathway: Pathway, taken: Iterable[str]) -> dict[str, Test]:
    """The pathway's forms, and any retired form of `taken` (the forms of the report's
    pre- and post-tests)."""
    bank = course().bank.tests
    ids = [*pathway.definition.test_forms]
    ids += sorted(set(taken) - set(ids))
    return {form_id: bank[form_id] for form_id in ids if form_id in bank}


def order_label(pathway: Pathway, order: int) -> str:
    forms = pathway.definition.test_forms
    return f"{forms[order]} then {forms[1 - order]}" if forms else ""


def dashboard(
    filters: Filters,
    pathway: Pathway,
    discrimination: Mapping[str, float | None] | None = None,
) -> Dashboard:
    """The figures of every report page, from the summaries alone: a fixed number of
    statements, whatever the number of learners. `discrimination` is what a job worked
    out (distribution.py), if it has: without it, discrimination is not given."""
    found = summaries.totals(filters)
    funnel = [
        (module.title, found.get("module", subject=module.id)[0]) for module in pathway.modules
    ]
    overall = stats.paired_summary(paired_sums(found))
    orders = [
        OrderRow(order_label(pathway, order), found.get("enrolled", str(order))[0],
                 stats.paired_summary(paired_sums(found, str(order))))
        for order in (0, 1) if pathway.definition.test_forms
    ]  # fmt: skip

    forms = report_forms(pathway, (key[1] for key, _value in found.of("takers")
                                   if key[2] in (Phase.PRE, Phase.POST)))  # fmt: skip
    by_tag: dict[str, stats.PairedSummary] = {}
    if forms:
        present = {item.tag for test in forms.values() for item in test.items}
        scopes = {key[3] for key, _value in found.of("paired")} - {""}
        order = [*(t for t in TAGS if t in present), *sorted(scopes - present)]
        by_tag = {tag: stats.paired_summary(paired_sums(found, scope=tag)) for tag in order}
    form_rows, items = item_analysis.analyse(forms, found, discrimination)

    ratings: list[RatingRow] = []
    rating_defs = {r.id: r for test in forms.values() for r in test.ratings}
    if rating_defs:
        summed = rating_summaries(found, list(rating_defs))
        ratings = [
            RatingRow(r.id, r.statement, r.scale, r.blaming, summed[r.id])
            for r in rating_defs.values()
        ]

    missing = [found.get("missing", subject=why)[0] for why in ("pre", "post", "too fast")]
    return Dashboard(
        _completion(filters, found), funnel, overall, *missing, by_tag, form_rows, orders,
        items, ratings, rewording(found), currency_dates(found),
    )  # fmt: skip


def currency_dates(found: summaries.Totals) -> Counter[date | None]:
    """How many certified learners' latest certificates are valid until each date (None:
    no end), so that current, due and lapsed can be counted on the day the page is read
    (currency.counts)."""
    return Counter({
        date.fromisoformat(key[4]) if key[4] else None: value[0]
        for key, value in found.of("certified")
    })  # fmt: skip


@dataclass(frozen=True)
class OrganisationRow:
    name: str
    enrolled: int
    completion_rate: float | str | None
    mean_pre: float | str | None
    mean_post: float | str | None


def compare_organisations(filters: Filters) -> list[OrganisationRow]:
    """Figures per organisation for administrators; groups under MIN_GROUP are suppressed."""
    by_organisation = summaries.grouped(filters, ("organisation_id",), ("status", "paired"))
    names = dict(db.session.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(sorted(org for (org,) in by_organisation)))
    ).all()) if by_organisation else {}  # fmt: skip
    rows = []
    for (org,), found in by_organisation.items():
        counts = found.statuses()
        n, done = sum(counts.values()), counts["completed"]
        pairs = stats.paired_summary(paired_sums(found))
        rows.append(OrganisationRow(
            names.get(org, "No organisation"), n,
            stats.suppress_small_group(done / n if n else None, n),
            stats.suppress_small_group(pairs.pre_mean, pairs.n),
            stats.suppress_small_group(pairs.post_mean, pairs.n),
        ))  # fmt: skip
    return sorted(rows, key=lambda row: row.name)


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
    tags = summaries.area_scores_of(chosen_attempts(data.filters)) if areas else {}
    rows = []
    for learner in data.learners.values():
        pre = learner.pre.score if learner.pre else None
        post = learner.post.score if learner.post else None
        measured = pre is not None and post is not None and not learner.pre.too_fast
        rows.append(LearnerRow(
            learner, status(learner, pathway), pre, post, post - pre if measured else None,
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
        pre, best = scores.reporting_attempts(person, pathway, too_fast=False)
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
