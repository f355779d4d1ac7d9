"""Report figures kept as counts and sums, written in the same transaction as the data
they come from, so that report pages never sum the answers table.

The design, and why:

- **One unit of change: a learner on a pathway.** Every figure the reports show is a
  sum over learners of something about one learner: their chosen attempts (first
  pre-test, best post-test on the other form: see data.chosen_attempts), each item's
  mark and chosen options in them, their self-ratings before and after, the modules
  they completed, their rewordings and the coordinators' verdicts on them. So a
  learner's share is worked out whole from their own rows (`learner_figures`), and a
  change to any of those rows, whatever made it, replaces the old share by the new.
  A retake that becomes the best post-test, a grant of another attempt, a coordinator
  overriding or the rules rejudging a rewording, an erasure, the retention purge: all
  are the same step, and none needs code of its own here.

- **Where the old share is kept.** `LearnerSummary` holds each learner's share as it
  was last added, with the cell it was added to (organisation, team, cohort, job role,
  active or not). The next refresh subtracts exactly that and adds the new share to the
  learner's cell of now, so moving team or cohort, a changed job role or a
  deactivated account moves the learner's contribution with no special case. Erasure
  deletes the learner but not this row (it has no foreign key), so the refresh still
  knows what to take away.

- **Summaries per cell, summed per report.** `Summary` rows are kept per cell, the
  finest grouping any report filter uses; a report for an organisation, team, cohort or
  job role sums the few cells it covers in one GROUP BY. That is one upsert per figure
  per change instead of one per organisation, team and cohort, and a learner who moves
  is one subtraction and one addition. Filters that cells cannot express (a search, a
  range of enrolment dates) sum the matching learners' `LearnerSummary` rows instead:
  still one statement and no answers, and a search selects few learners.

- **Keys are data, not columns.** A figure is named by (kind, form, phase, subject,
  detail) strings: the phase is `Phase.value`, so a new phase needs no change to the
  tables, and adding a figure is a line in `learner_figures`.

- **Which learners changed.** versions.py already notes, for every flush and statement
  that writes report data, whose data it is (from the rows, the values an INSERT writes
  or the WHERE clause of an UPDATE or DELETE); its `before_commit` step hands those
  learners to `refresh`. The one write it cannot place, the retention purge's delete by
  date, names its learners first (versions.touch). A deleted team or cohort empties its
  members' cells in the database (ON DELETE SET NULL), so their last cells find them.

- **Concurrency.** Summary rows change only by `n = n + excluded.n` upserts (atomic on
  PostgreSQL and SQLite). Two transactions refreshing the same learner at once are
  serialised by a transaction-scoped advisory lock per learner on PostgreSQL, taken in
  id order so refreshes never deadlock; SQLite has one writer at a time anyway. The
  refresh runs in `before_commit` (see versions.py, which notes what changed), after
  the lock, so it reads the learner's rows as they will be committed.

- **What is not a sum.** Medians, paired gains with their spread, and the upper and
  lower 27% need every learner's figure. Those over learners' own scores are worked out
  from their attempt rows and per-attempt area scores (`AreaScore`, one row per
  attempt and area): one row per learner, never per answer. Reliability (alpha) and
  the corrected item-total correlation need only sums (of marks, squares and mark x
  total), so they are kept here. Discrimination needs each answer of the upper and
  lower groups: a job works it out (distribution.py) and the page says how fresh it is.

- **Rebuild.** `rebuild()` empties the tables and refreshes every learner: the same
  code as the incremental path, so the two can be compared (tests/test_report_summaries.py
  compares both with the figures defined from raw data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from courseapp.accounts.models import Role, User
from courseapp.assessment.models import Answer, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.extensions import db
from courseapp.reports.choices import picked
from courseapp.reports.data import Filters, among, learner_ids
from courseapp.reports.models import AreaScore, LearnerSummary, Summary
from courseapp.rewording.engine import CONSTRUCTIVE
from courseapp.rewording.models import Response

Key = tuple[str, str, str, str, str]  # kind, form, phase, subject, detail
Figures = dict[Key, list]  # key -> [n, total, squares, cross]
CELL = ("pathway_id", "organisation_id", "team_id", "cohort_id", "job_role", "active")
KEY = ("kind", "form_id", "phase", "subject", "detail")
VALUES = ("n", "total", "squares", "cross")
BATCH = 500  # learners refreshed per round of queries
LOCKS = 1717  # the advisory locks' first key: one lock per learner


def _add(figures: Figures, key: Key, n: int = 1, total: float = 0.0, squares: float = 0.0,
         cross: float = 0.0) -> None:  # fmt: skip
    found = figures.setdefault(key, [0, 0.0, 0.0, 0.0])
    found[0] += n
    found[1] += total
    found[2] += squares
    found[3] += cross


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


def learner_figures(
    pathway_id: str,
    form_order: int,
    sat: list[Sat],
    marks: dict[int, dict[str, tuple[object, float | None]]],
    completed: set[str],
    responses: list[tuple],
) -> Figures:
    """Everything one learner on one pathway adds to the reports."""
    figures: Figures = {}
    catalogue = course()
    pathway = catalogue.pathways.get(pathway_id)
    forms = list(pathway.definition.test_forms) if pathway else []
    picks = chosen([a for a in sat if a.pathway_id == pathway_id], forms, form_order)
    ratings: dict[Phase, dict[str, int]] = {}
    for phase, attempt in picks.items():
        form, p, score = attempt.test_id, phase.value, attempt.score
        _add(figures, ("takers", form, p, "", ""), 1, score, score * score)
        given = marks.get(attempt.id, {})
        ratings[phase] = {
            item_id: response
            for item_id, (response, _mark) in given.items()
            if item_id in catalogue.bank.ratings and isinstance(response, int)
        }
        for rating_id, value in ratings[phase].items():
            _add(figures, ("option", form, p, rating_id, str(value)))
        test = catalogue.bank.tests.get(form)
        if test is None:
            continue
        for area, value in area_scores(test.items, given).items():
            _add(figures, ("area", form, p, area, ""), 1, value, value * value)
        for item in test.items:
            if item.id not in given:
                continue
            response, mark = given[item.id]
            mark = mark or 0.0
            _add(figures, ("item", form, p, item.id, ""), 1, mark, mark * mark, mark * score)
            for option in picked(item, response):
                _add(figures, ("option", form, p, item.id, option))
    before, after = ratings.get(Phase.PRE, {}), ratings.get(Phase.POST, {})
    for rating_id in before.keys() & after.keys():
        _add(figures, ("rating", "", "", rating_id, ""), 1, after[rating_id] - before[rating_id])
    for module in pathway.modules if pathway else ():
        if module.id in completed:
            _add(figures, ("module", "", "", module.id, ""))
    _rewording_figures(figures, responses)
    return figures


def _rewording_figures(figures: Figures, responses: list[tuple]) -> None:
    """(exercise, version, verdict, coordinator's verdict, flags) of every version."""
    if not responses:
        return
    _add(figures, ("rewording", "", "", "learners", ""))
    latest: dict[str, tuple] = {}
    for response in responses:
        exercise, version, verdict, overruled, flags = response
        if exercise not in latest or version > latest[exercise][1]:
            latest[exercise] = response
        for flag in flags or ():
            _add(figures, ("flag", "", "", flag, ""))
        if overruled is not None:
            _add(figures, ("rewording", "", "", "reviewed", ""), 1, float(overruled != verdict))
    for exercise, (_e, _v, verdict, overruled, _f) in latest.items():
        _add(figures, ("exercise", "", "", exercise, ""))
        final = overruled if overruled is not None else verdict
        _add(figures, ("rewording", "", "", "final", ""), 1, float(final == CONSTRUCTIVE))


# -- Keeping them up to date -------------------------------------------------------------


def _lock(session: Session, user_ids: list[int]) -> None:
    """Wait for any other transaction refreshing these learners (PostgreSQL), taking the
    locks in id order so that refreshes never wait for each other in a cycle."""
    if user_ids and session.get_bind().dialect.name == "postgresql":
        ids = sa.func.unnest(sa.cast(sa.literal(user_ids), postgresql.ARRAY(sa.Integer)))
        ordered = sa.select(ids.label("id")).order_by(sa.literal_column("id")).subquery()
        locks = sa.func.pg_advisory_xact_lock(LOCKS, ordered.c.id)
        session.execute(sa.select(sa.func.count(locks)).select_from(ordered))


def _load(session: Session, user_ids: list[int]) -> dict[tuple[int, str], tuple[tuple, Figures]]:
    """The cell and figures of every enrolment of these learners, from their own rows."""
    people = {
        row.id: row
        for row in session.execute(
            sa.select(
                User.id, User.organisation_id, User.team_id, User.job_role, User.active
            ).where(among(User.id, user_ids), User.role == Role.LEARNER)
        )
    }
    if not people:
        return {}
    ids = list(people)
    enrolments = session.execute(
        sa.select(Enrolment.user_id, Enrolment.pathway_id, Enrolment.cohort_id,
                  Enrolment.form_order).where(among(Enrolment.user_id, ids))
    ).all()  # fmt: skip
    sat: dict[int, list[Sat]] = defaultdict(list)
    for user_id, *fields in session.execute(
        sa.select(TestAttempt.user_id, TestAttempt.id, TestAttempt.pathway_id,
                  TestAttempt.test_id, TestAttempt.phase, TestAttempt.number, TestAttempt.score,
                  TestAttempt.item_order)
        .where(among(TestAttempt.user_id, ids), TestAttempt.submitted_at.is_not(None))
    ):  # fmt: skip
        *rest, score, item_order = fields
        sat[user_id].append(Sat(*rest, score or 0.0, tuple(item_order or ())))
    marks: dict[int, dict] = defaultdict(dict)
    attempt_ids = [a.id for taken in sat.values() for a in taken]
    if attempt_ids:
        for attempt_id, item_id, response, mark in session.execute(
            sa.select(Answer.attempt_id, Answer.item_id, Answer.response, Answer.score).where(
                among(Answer.attempt_id, attempt_ids)
            )
        ):
            marks[attempt_id][item_id] = (response, mark)
    completed: dict[int, set[str]] = defaultdict(set)
    for user_id, module_id in session.execute(
        sa.select(ModuleProgress.user_id, ModuleProgress.module_id).where(
            among(ModuleProgress.user_id, ids), ModuleProgress.completed_at.is_not(None)
        )
    ):
        completed[user_id].add(module_id)
    responses: dict[int, list[tuple]] = defaultdict(list)
    for user_id, *fields in session.execute(
        sa.select(Response.user_id, Response.exercise_id, Response.version, Response.verdict,
                  Response.coordinator_verdict, Response.flags)
        .where(among(Response.user_id, ids))
    ):  # fmt: skip
        responses[user_id].append(tuple(fields))
    _write_area_scores(session, sat, marks)
    found = {}
    for user_id, pathway_id, cohort_id, form_order in enrolments:
        person = people[user_id]
        cell = (pathway_id, person.organisation_id or 0, person.team_id or 0, cohort_id or 0,
                person.job_role.name if person.job_role else "", bool(person.active))  # fmt: skip
        figures = learner_figures(pathway_id, form_order or 0, sat[user_id], marks,
                                  completed[user_id], responses[user_id])  # fmt: skip
        found[(user_id, pathway_id)] = (cell, figures)
    return found


def _write_area_scores(session: Session, sat: dict[int, list[Sat]], marks: dict) -> None:
    """Area scores of submitted attempts that have none yet (marks never change once an
    attempt is submitted)."""
    attempts = {a.id: a for taken in sat.values() for a in taken}
    if not attempts:
        return
    done = set(session.scalars(
        sa.select(AreaScore.attempt_id).where(among(AreaScore.attempt_id, attempts)).distinct()
    ))  # fmt: skip
    rows = [
        {"attempt_id": attempt.id, "area": area, "score": value}
        for attempt in attempts.values()
        if attempt.id not in done
        for area, value in area_scores(_items(attempt), marks.get(attempt.id, {})).items()
    ]
    if rows:
        session.execute(sa.insert(AreaScore), rows)


def refresh(session: Session, user_ids: Iterable[int], lock: bool = True) -> None:
    """Replace these learners' shares in the summaries by their shares now. Summary rows
    are written in key order, so two refreshes lock them in the same order."""
    ordered = sorted(set(user_ids))
    if lock:  # every lock before any summary row is written: no cycle with other refreshes
        _lock(session, ordered)
    for start in range(0, len(ordered), BATCH):
        _refresh(session, ordered[start : start + BATCH])


def _refresh(session: Session, user_ids: list[int]) -> None:
    table = LearnerSummary.__table__
    old = {
        (row.user_id, row.pathway_id): (tuple(row[1:7]), row.figures)
        for row in session.execute(
            sa.select(table.c.user_id, *(table.c[name] for name in CELL), table.c.figures)
            .where(among(table.c.user_id, user_ids))
        )
    }  # fmt: skip
    new = {
        key: (cell, [[*k, *v] for k, v in sorted(figures.items())])
        for key, (cell, figures) in _load(session, user_ids).items()
    }
    deltas: dict[tuple, list] = {}
    for key, (cell, figures) in old.items():
        if new.get(key) != (cell, figures):
            _collect(deltas, cell, figures, -1)
    for key, (cell, figures) in new.items():
        if old.get(key) != (cell, figures):
            _collect(deltas, cell, figures, 1)
    changed = sorted(k for k, v in deltas.items() if v[0] or any(abs(x) > 1e-12 for x in v[1:]))
    emptied = []
    if changed:
        rows = [dict(zip((*CELL, *KEY, *VALUES), (*key, *deltas[key]), strict=True))
                for key in changed]  # fmt: skip
        emptied = [tuple(row) for row in session.execute(_upsert(session), rows) if row[-1] == 0]
    if emptied:
        summary = Summary.__table__
        session.execute(
            summary.delete().where(
                *(summary.c[c] == sa.bindparam(f"b_{c}") for c in (*CELL, *KEY))
            ),
            [{f"b_{c}": v for c, v in zip((*CELL, *KEY), row, strict=False)} for row in emptied],
        )
    gone = [{"b_user": u, "b_pathway": p} for u, p in old.keys() - new.keys()]
    if gone:
        session.execute(
            table.delete().where(table.c.user_id == sa.bindparam("b_user"),
                                 table.c.pathway_id == sa.bindparam("b_pathway")),
            gone,
        )  # fmt: skip
    written = [
        dict(zip(CELL, cell, strict=True)) | {"user_id": user_id, "figures": figures}
        for (user_id, _pathway), (cell, figures) in new.items()
        if old.get((user_id, _pathway)) != (cell, figures)
    ]
    if written:
        session.execute(_upsert_shares(session), written)


def _collect(deltas: dict[tuple, list], cell: tuple, figures: list, sign: int) -> None:
    for *key, n, total, squares, cross in figures:
        found = deltas.setdefault((*cell, *key), [0, 0.0, 0.0, 0.0])
        found[0] += sign * n
        found[1] += sign * total
        found[2] += sign * squares
        found[3] += sign * cross


def _dialect(session: Session):
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def _upsert_shares(session: Session):
    statement = _dialect(session).insert(LearnerSummary.__table__)
    return statement.on_conflict_do_update(
        index_elements=["user_id", "pathway_id"],
        set_={name: statement.excluded[name] for name in (*CELL[1:], "figures")},
    )


def _upsert(session: Session):
    """Add deltas to the summary rows (one parameter set each), returning each row's key
    and new count."""
    table = Summary.__table__
    statement = _dialect(session).insert(table)
    return statement.on_conflict_do_update(
        index_elements=[*CELL, *KEY],
        set_={name: table.c[name] + statement.excluded[name] for name in VALUES},
    ).returning(*(table.c[name] for name in (*CELL, *KEY)), table.c.n)


def members(session: Session, team_ids: Iterable[int], cohort_ids: Iterable[int]) -> set[int]:
    """The learners whose summaries were last added to these teams or cohorts."""
    return set(session.scalars(
        sa.select(LearnerSummary.user_id).where(sa.or_(
            LearnerSummary.team_id.in_(list(team_ids)),
            LearnerSummary.cohort_id.in_(list(cohort_ids)),
        ))
    ))  # fmt: skip


def rebuild(session: Session | None = None) -> int:
    """Every summary worked out again from the raw data; the caller commits. Returns how
    many learners' shares were added. On PostgreSQL the learners' shares are locked
    until the commit, so a refresh running meanwhile waits and then reads the new ones."""
    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE report_learner_summaries IN ACCESS EXCLUSIVE MODE"))
    for model in (Summary, LearnerSummary, AreaScore):
        session.execute(sa.delete(model))
    learners = session.scalars(
        sa.select(User.id).where(User.role == Role.LEARNER).order_by(User.id)
    ).all()
    refresh(session, learners, lock=False)
    return len(learners)


# -- Reading them -----------------------------------------------------------------------


class Totals:
    """The summed figures for one report's learners, by key."""

    def __init__(self, figures: dict[Key, tuple]) -> None:
        self.figures = figures

    def get(self, kind: str, form: str = "", phase: str = "", subject: str = "",
            detail: str = "") -> tuple[int, float, float, float]:  # fmt: skip
        return self.figures.get((kind, form, phase, subject, detail), (0, 0.0, 0.0, 0.0))

    def of(self, kind: str) -> Iterator[tuple[Key, tuple]]:
        return ((key, value) for key, value in self.figures.items() if key[0] == kind)


def _by_cells(filters: Filters) -> bool:
    return not (filters.search or filters.enrolled_from or filters.enrolled_to)


def totals(filters: Filters) -> Totals:
    """The figures summed over the learners the filters select, in one statement."""
    figures: dict[Key, list] = {}
    if _by_cells(filters):
        columns = [getattr(Summary, name) for name in KEY]
        query = (
            sa.select(*columns, sa.func.sum(Summary.n), sa.func.sum(Summary.total),
                      sa.func.sum(Summary.squares), sa.func.sum(Summary.cross))
            .where(Summary.pathway_id == filters.pathway_id)
            .group_by(*columns)
        )  # fmt: skip
        if filters.organisation_ids is not None:
            query = query.where(Summary.organisation_id.in_(sorted(filters.organisation_ids)))
        if not filters.include_deactivated:
            query = query.where(Summary.active.is_(True))
        if filters.team_id:
            query = query.where(Summary.team_id == filters.team_id)
        if filters.job_role:
            query = query.where(Summary.job_role == filters.job_role.name)
        if filters.cohort_id:
            query = query.where(Summary.cohort_id == filters.cohort_id)
        for *key, n, total, squares, cross in db.session.execute(query):
            if n:
                figures[tuple(key)] = [int(n), total or 0.0, squares or 0.0, cross or 0.0]
        return Totals(figures)
    for (shares,) in db.session.execute(
        sa.select(LearnerSummary.figures).where(
            LearnerSummary.pathway_id == filters.pathway_id,
            LearnerSummary.user_id.in_(learner_ids(filters).scalar_subquery()),
        )
    ):
        for *key, n, total, squares, cross in shares:
            _add(figures, tuple(key), n, total, squares, cross)
    return Totals({k: v for k, v in figures.items() if v[0]})


def _items(attempt: Sat) -> list:
    """The items an attempt asked: its form's, or (a follow-up test) its own."""
    bank = course().bank
    if attempt.test_id in bank.tests:
        return bank.tests[attempt.test_id].items
    return [bank.items[i] for i in attempt.item_order if i in bank.items]


def area_scores_of(attempt_ids) -> dict[int, dict[str, float]]:
    """Each attempt's area scores (attempt_ids: ids or a subquery of them)."""
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for attempt_id, area, score in db.session.execute(
        sa.select(AreaScore.attempt_id, AreaScore.area, AreaScore.score).where(
            among(AreaScore.attempt_id, attempt_ids)
        )
    ):
        found[attempt_id][area] = score
    return found
