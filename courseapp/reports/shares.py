"""What one learner on one pathway adds to the report summaries (summaries.py), worked
out whole from their own rows: their chosen attempts and the marks, options and
self-ratings in them, their modules, rewordings, grants and certificates.

Besides the counts and sums that add up directly (item marks, options, modules...),
a share holds what used to need every learner's row when a report was read:

- their status (not started, in progress, attempts used up, completed), whether they
  passed and whether they ever completed the pathway, so completion figures are counts;
- their paired pre and post scores (overall and by area, per form order) as sums
  (scores, squares, gains and their squares, normalised gains, improved or not), so
  that means, the gain's confidence interval and d_z follow from sums, and their
  overall scores as a count at each value, so that the medians the reports show follow
  from the merged counts (medians by area or form order are not shown, so not kept);
- the days they took to complete (to the hour), counted at their value, for the median;
- the valid-until date of their latest certificate, counted at its date, so that
  current, due and lapsed can be told on the day a report is read.

Scores take few distinct values (marks out of a form's items), so counts at each value
stay small, whatever the number of learners."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import Answer, AttemptGrant, Certificate, Phase, TestAttempt
from courseapp.assessment.renewal import BEING_RENEWED
from courseapp.catalogue import course
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.reports.choices import picked
from courseapp.reports.data import among
from courseapp.reports.statistics import normalised_gain
from courseapp.reports.status import Progress, status
from courseapp.rewording.engine import CONSTRUCTIVE, UNCERTAIN
from courseapp.rewording.models import Response

Key = tuple[str, str, str, str, str]  # kind, form, phase, subject, detail
Figures = dict[Key, list]  # key -> [n, total, squares, cross]


def add(figures: Figures, key: Key, n: int = 1, total: float = 0.0, squares: float = 0.0,
        cross: float = 0.0) -> None:  # fmt: skip
    found = figures.setdefault(key, [0, 0.0, 0.0, 0.0])
    found[0] += n
    found[1] += total
    found[2] += squares
    found[3] += cross


def at(value: float) -> str:
    """A score or a number of days as the detail of a count at that value."""
    return f"{value:.9f}"


@dataclass(frozen=True)
class Sat:
    """A submitted attempt, as the summaries need it."""

    id: int
    pathway_id: str
    test_id: str
    phase: Phase
    number: int
    score: float
    item_order: tuple[str, ...] = ()  # the attempt's own items, for a test with no form
    passed: bool = False
    too_fast: bool = False  # a pre-test answered too fast to measure anything


@dataclass
class Own:
    """One learner's rows that their shares come from, on every pathway."""

    sat: list[Sat] = field(default_factory=list)
    marks: dict[int, dict[str, tuple[object, float | None]]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)  # modules with any progress
    completed: set[str] = field(default_factory=set)
    responses: list[tuple] = field(default_factory=list)
    grants: dict[str, int] = field(default_factory=dict)  # extra attempts, by pathway
    # (pathway, issued at, id, valid until, being renewed) of each certificate
    certificates: list[tuple[str, datetime, int, date | None, bool]] = field(default_factory=list)


def chosen(sat: Iterable[Sat], forms: list[str], form_order: int) -> dict[Phase, Sat]:
    """The attempts reports use, one per phase: data.chosen_attempts, for one learner."""
    if forms:
        pre_form = forms[1] if form_order == 1 else forms[0]
        sat = [a for a in sat if a.phase is Phase.PRE or a.test_id != pre_form]
    best: dict[Phase, Sat] = {}
    for attempt in sorted(
        sat, key=lambda a: (a.number if a.phase is Phase.PRE else 0, -a.score, a.number)
    ):
        best.setdefault(attempt.phase, attempt)
    return best


def area_scores(items, marks: dict[str, tuple[object, float | None]]) -> dict[str, float]:
    """The attempt's mean mark in each area (tag) of its items, unanswered counting 0."""
    by_area: dict[str, list[float]] = defaultdict(list)
    for item in items:
        by_area[item.tag].append((marks.get(item.id, (None, None))[1]) or 0.0)
    return {area: sum(values) / len(values) for area, values in by_area.items()}


def items_of(attempt: Sat) -> list:
    """The items an attempt asked: its form's, or (a follow-up test) its own."""
    bank = course().bank
    if attempt.test_id in bank.tests:
        return bank.tests[attempt.test_id].items
    return [bank.items[i] for i in attempt.item_order if i in bank.items]


def learner_figures(
    pathway_id: str, own: Own, form_order: int = 0, enrolled_at: datetime | None = None
) -> Figures:
    """Everything one learner on one pathway adds to the reports."""
    figures: Figures = {}
    catalogue = course()
    pathway = catalogue.pathways.get(pathway_id)
    forms = list(pathway.definition.test_forms) if pathway else []
    picks = chosen([a for a in own.sat if a.pathway_id == pathway_id], forms, form_order)
    # A pre-test answered too fast counts as taken (the learner's status) but measures
    # nothing: data.chosen_attempts leaves it out in the same way.
    measured = {phase: attempt for phase, attempt in picks.items() if not attempt.too_fast}
    ratings: dict[Phase, dict[str, int]] = {}
    areas: dict[Phase, dict[str, float]] = {}
    for phase, attempt in measured.items():
        form, p, score = attempt.test_id, phase.value, attempt.score
        add(figures, ("takers", form, p, "", ""), 1, score, score * score)
        given = own.marks.get(attempt.id, {})
        ratings[phase] = {
            item_id: response
            for item_id, (response, _mark) in given.items()
            if item_id in catalogue.bank.ratings and isinstance(response, int)
        }
        for rating_id, value in ratings[phase].items():
            add(figures, ("option", form, p, rating_id, str(value)))
        test = catalogue.bank.tests.get(form)
        if test is None:
            continue
        areas[phase] = area_scores(test.items, given)
        for area, value in areas[phase].items():
            add(figures, ("area", form, p, area, ""), 1, value, value * value)
        for item in test.items:
            if item.id not in given:
                continue
            response, mark = given[item.id]
            mark = mark or 0.0
            add(figures, ("item", form, p, item.id, ""), 1, mark, mark * mark, mark * score)
            for option in picked(item, response):
                add(figures, ("option", form, p, item.id, option))
    before, after = ratings.get(Phase.PRE, {}), ratings.get(Phase.POST, {})
    for rating_id in before.keys() & after.keys():
        add(figures, ("rating", "", "", rating_id, ""), 1, after[rating_id] - before[rating_id])
    for module in pathway.modules if pathway else ():
        if module.id in own.completed:
            add(figures, ("module", "", "", module.id, ""))
    _rewording_figures(figures, own.responses)
    _pairing_figures(figures, str(form_order), picks, measured, areas)
    if pathway is not None:
        _progress_figures(figures, pathway, own, picks, enrolled_at)
    return figures


def _pairing_figures(figures: Figures, order: str, picks: dict[Phase, Sat],
                     measured: dict[Phase, Sat],
                     areas: dict[Phase, dict[str, float]]) -> None:  # fmt: skip
    """The learner's pre and post scores, overall and by area, if they have both
    measured; else why not."""
    add(figures, ("enrolled", order, "", "", ""))
    if len(measured) < len(picks):
        add(figures, ("missing", "", "", "too fast", ""))
        return
    pre, post = measured.get(Phase.PRE), measured.get(Phase.POST)
    if pre is None or post is None:
        if pre or post:
            add(figures, ("missing", "", "", "post" if pre else "pre", ""))
        return
    _pair(figures, order, "", pre.score, post.score)
    # The medians shown are of the overall scores: only those are counted at each value.
    add(figures, ("paired at", "", "pre", "", at(pre.score)))
    add(figures, ("paired at", "", "post", "", at(post.score)))
    before, after = areas.get(Phase.PRE, {}), areas.get(Phase.POST, {})
    for area in before.keys() & after.keys():
        _pair(figures, order, area, before[area], after[area])


def _pair(figures: Figures, order: str, scope: str, pre: float, post: float) -> None:
    gain = post - pre
    add(figures, ("paired", order, "", scope, "pre"), 1, pre, pre * pre)
    add(figures, ("paired", order, "", scope, "post"), 1, post, post * post)
    add(figures, ("paired", order, "", scope, "gain"), 1, gain, gain * gain, float(post > pre))
    normalised = normalised_gain(pre, post)
    if normalised is not None:
        add(figures, ("paired", order, "", scope, "normalised"), 1, normalised)


def _progress_figures(figures: Figures, pathway, own: Own, picks: dict[Phase, Sat],
                      enrolled_at: datetime | None) -> None:  # fmt: skip
    """The learner's status, the days they took to complete and their certificate's
    valid-until date."""
    modules = {module.id for module in pathway.modules}
    exercises = {e.id for e in course().rewording.exercises.values() if pathway.id in e.pathways}
    posts = [a for a in own.sat if a.pathway_id == pathway.id and a.phase is Phase.POST]
    certified = _latest(own.certificates, {pathway.id})
    progress = Progress(
        modules_started=len(own.started & modules),
        modules_completed=len(own.completed & modules),
        rewordings=len(_done(own.responses) & exercises),
        post_test_passed=any(a.passed for a in posts),
        post_attempts=len(posts),
        extra_attempts=own.grants.get(pathway.id, 0),
        pre=picks.get(Phase.PRE),
        certified=certified is not None and not certified[4],
    )
    state = status(progress, pathway)
    add(figures, ("status", "", "", state, ""))
    if progress.post_test_passed:
        add(figures, ("passed", "", "", "", ""))
    if state == "completed" or certified:
        # Completed once, so a cohort's due date is met for good, even while the learner
        # renews a lapsed certificate (cohorts.members.is_overdue).
        add(figures, ("completed once", "", "", "", ""))
    if state == "completed" and certified and enrolled_at:
        # To the hour, so that counts at each value stay few: the median is shown in days.
        days = round((certified[1] - enrolled_at).total_seconds() / 3600) / 24
        add(figures, ("days", "", "", "", at(days)), 1, days)
    latest = _latest(own.certificates, {pathway.id, pathway.definition.renewal_pathway_id})
    if latest is not None:
        valid_until = latest[3]
        add(figures, ("certified", "", "", "", valid_until.isoformat() if valid_until else ""))


def _latest(certificates: list[tuple], pathway_ids: set) -> tuple | None:
    """The latest issued of these certificates on these pathways (a renewed one after
    the one it renewed)."""
    mine = [c for c in certificates if c[0] in pathway_ids]
    return max(mine, key=lambda c: (c[1], c[2])) if mine else None


def _final(verdict: str, overruled: str | None) -> str:
    """A version's verdict: the coordinator's if given (Response.final_verdict)."""
    return overruled if overruled is not None else verdict


def _done(responses: list[tuple]) -> set[str]:
    """The exercises with a version that counts as done, as Response.counts_as_done."""
    return {exercise for exercise, _v, verdict, overruled, _f in responses
            if _final(verdict, overruled) == CONSTRUCTIVE}  # fmt: skip


def _rewording_figures(figures: Figures, responses: list[tuple]) -> None:
    """(exercise, version, verdict, coordinator's verdict, flags) of every version."""
    if not responses:
        return
    add(figures, ("rewording", "", "", "learners", ""))
    latest: dict[str, tuple] = {}
    for response in responses:
        exercise, version, verdict, overruled, flags = response
        if exercise not in latest or version > latest[exercise][1]:
            latest[exercise] = response
        for flag in flags or ():
            add(figures, ("flag", "", "", flag, ""))
        if overruled is not None and verdict == UNCERTAIN:  # left to a coordinator
            add(figures, ("rewording", "", "", "settled", ""))
        elif overruled is not None:  # the coach decided; did the coordinator differ?
            add(figures, ("rewording", "", "", "reviewed", ""), 1, float(overruled != verdict))
    for exercise, (_e, _v, verdict, overruled, _f) in latest.items():
        add(figures, ("exercise", "", "", exercise, ""))
        final = _final(verdict, overruled)
        add(figures, ("rewording", "", "", "final", ""), 1, float(final == CONSTRUCTIVE))
        if final == UNCERTAIN:
            add(figures, ("rewording", "", "", "waiting", ""))


def load(session: Session, user_ids: list[int]) -> tuple[dict, list, dict[int, Own]]:
    """These learners' own rows: (their user rows by id, their enrolments, their rows)."""
    people = {
        row.id: row
        for row in session.execute(
            sa.select(
                User.id, User.organisation_id, User.team_id, User.job_role, User.active
            ).where(among(User.id, user_ids), User.role == Role.LEARNER)
        )
    }
    if not people:
        return {}, [], {}
    ids = list(people)
    enrolments = session.execute(
        sa.select(Enrolment.user_id, Enrolment.pathway_id, Enrolment.cohort_id,
                  Enrolment.form_order, Enrolment.enrolled_at)
        .where(among(Enrolment.user_id, ids))
    ).all()  # fmt: skip
    own: dict[int, Own] = defaultdict(Own)
    for user_id, *fields in session.execute(
        sa.select(TestAttempt.user_id, TestAttempt.id, TestAttempt.pathway_id,
                  TestAttempt.test_id, TestAttempt.phase, TestAttempt.number, TestAttempt.score,
                  TestAttempt.item_order, TestAttempt.passed, TestAttempt.too_fast)
        .where(among(TestAttempt.user_id, ids), TestAttempt.submitted_at.is_not(None))
    ):  # fmt: skip
        *rest, score, item_order, passed, too_fast = fields
        own[user_id].sat.append(
            Sat(*rest, score or 0.0, tuple(item_order or ()), bool(passed), bool(too_fast))
        )
    attempts = {a.id: user_id for user_id, mine in own.items() for a in mine.sat}
    if attempts:
        for attempt_id, item_id, response, mark in session.execute(
            sa.select(Answer.attempt_id, Answer.item_id, Answer.response, Answer.score).where(
                among(Answer.attempt_id, attempts)
            )
        ):
            own[attempts[attempt_id]].marks.setdefault(attempt_id, {})[item_id] = (response, mark)
    for user_id, module_id, completed in session.execute(
        sa.select(ModuleProgress.user_id, ModuleProgress.module_id,
                  ModuleProgress.completed_at.is_not(None))
        .where(among(ModuleProgress.user_id, ids))
    ):  # fmt: skip
        own[user_id].started.add(module_id)
        if completed:
            own[user_id].completed.add(module_id)
    for user_id, *fields in session.execute(
        sa.select(Response.user_id, Response.exercise_id, Response.version, Response.verdict,
                  Response.coordinator_verdict, Response.flags)
        .where(among(Response.user_id, ids))
    ):  # fmt: skip
        own[user_id].responses.append(tuple(fields))
    for user_id, pathway_id, count in session.execute(
        sa.select(AttemptGrant.user_id, AttemptGrant.pathway_id, sa.func.count())
        .where(among(AttemptGrant.user_id, ids))
        .group_by(AttemptGrant.user_id, AttemptGrant.pathway_id)
    ):  # fmt: skip
        own[user_id].grants[pathway_id] = count
    for user_id, *fields in session.execute(
        sa.select(Certificate.user_id, Certificate.pathway_id, Certificate.issued_at,
                  Certificate.id, Certificate.valid_until, BEING_RENEWED)
        .where(among(Certificate.user_id, ids))
    ):  # fmt: skip
        own[user_id].certificates.append(tuple(fields))
    return people, enrolments, own
