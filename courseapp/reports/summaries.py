"""Report figures kept as counts and sums, written in the same transaction as the data
they come from, so that report pages never sum the answers table.

The design, and why:

- **One unit of change: a learner on a pathway.** Every figure the reports show is a
  sum over learners of something about one learner: their chosen attempts (first
  pre-test, best post-test on the other form: see data.chosen_attempts), each item's
  mark and chosen options in them, their self-ratings before and after, the modules
  they completed, their rewordings and the coordinators' verdicts on them, their status
  and certificate. So a learner's share is worked out whole from their own rows
  (shares.py: `learner_figures`), and a change to any of those rows, whatever made
  it, replaces the old share by the new.
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

- **What is not a sum.** Medians and the gain's spread are kept as sums too: each
  learner's paired scores as sums of scores, squares and gains (so the confidence
  interval and d_z follow), and each score counted at its value (so medians follow from
  the merged counts); a learner's status, days to complete and certificate date are
  counted the same way (shares.py). So the dashboard reads summary rows only, a fixed
  number of statements at any size. Reliability (alpha) and the corrected item-total
  correlation need only sums (of marks, squares and mark x total), so they are kept
  here. Discrimination needs each answer of the upper and lower 27%: a job works it out
  (distribution.py) and the page says how fresh it is. The learners list, exports and
  a learner's own page read the learners' rows and per-attempt area scores (`AreaScore`,
  one row per attempt and area), never the answers; a large export is built by a job
  (export_jobs.py).

- **Rebuild.** `rebuild()` empties the tables and refreshes every learner: the same
  code as the incremental path, so the two can be compared (tests/test_report_summaries.py
  compares both with the figures defined from raw data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from courseapp.accounts.models import Role, User
from courseapp.extensions import db
from courseapp.reports import shares
from courseapp.reports.data import Filters, among, learner_ids
from courseapp.reports.models import AreaScore, LearnerSummary, Summary
from courseapp.reports.shares import Key
from courseapp.reports.status import STATUSES

CELL = ("pathway_id", "organisation_id", "team_id", "cohort_id", "job_role", "active")
KEY = ("kind", "form_id", "phase", "subject", "detail")
VALUES = ("n", "total", "squares", "cross")
COLUMNS = (*CELL, *KEY, *VALUES)
BATCH = 500  # learners refreshed per round of queries
LOCKS = 1717  # the advisory locks' first key: one lock per learner


# -- Keeping them up to date -------------------------------------------------------------


def _lock(session: Session, user_ids: list[int]) -> None:
    """Wait for any other transaction refreshing these learners (PostgreSQL), taking the
    locks in id order so that refreshes never wait for each other in a cycle."""
    if user_ids and session.get_bind().dialect.name == "postgresql":
        ids = sa.func.unnest(sa.cast(sa.literal(user_ids), postgresql.ARRAY(sa.Integer)))
        ordered = sa.select(ids.label("id")).order_by(sa.literal_column("id")).subquery()
        locks = sa.func.pg_advisory_xact_lock(LOCKS, ordered.c.id)
        session.execute(sa.select(sa.func.count(locks)).select_from(ordered))


def _load(session: Session, user_ids: list[int]) -> dict[tuple[int, str], tuple[tuple, dict]]:
    """The cell and figures of every enrolment of these learners, from their own rows."""
    people, enrolments, own = shares.load(session, user_ids)
    _write_area_scores(session, own)
    found = {}
    for user_id, pathway_id, cohort_id, form_order, enrolled_at in enrolments:
        person = people[user_id]
        cell = (pathway_id, person.organisation_id or 0, person.team_id or 0, cohort_id or 0,
                person.job_role.name if person.job_role else "", bool(person.active))  # fmt: skip
        figures = shares.learner_figures(pathway_id, own[user_id], form_order or 0, enrolled_at)
        found[(user_id, pathway_id)] = (cell, figures)
    return found


def _write_area_scores(session: Session, own: dict[int, shares.Own]) -> None:
    """Area scores of submitted attempts that have none yet (marks never change once an
    attempt is submitted)."""
    attempts = {a.id: (a, mine.marks) for mine in own.values() for a in mine.sat}
    if not attempts:
        return
    done = set(session.scalars(
        sa.select(AreaScore.attempt_id).where(among(AreaScore.attempt_id, attempts)).distinct()
    ))  # fmt: skip
    rows = [
        {"attempt_id": attempt.id, "area": area, "score": value}
        for attempt, marks in attempts.values()
        if attempt.id not in done
        for area, value in shares.area_scores(
            shares.items_of(attempt), marks.get(attempt.id, {})
        ).items()
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
        emptied = [tuple(row) for row in _add(session, [(*key, *deltas[key]) for key in changed])
                   if row[-1] == 0]  # fmt: skip
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


def _add(session: Session, rows: list[tuple]) -> list[tuple]:
    """Add deltas (rows of CELL, KEY and VALUES, in key order) to the summary rows,
    returning each row's key and new count. On PostgreSQL the rows travel as one array
    a column, so the statement is the same for any number of rows (prepared once, and
    the driver need not parse a long statement on every call); the rows are unnested
    in the order given, so refreshes still lock summary rows in key order."""
    if session.get_bind().dialect.name == "postgresql":
        columns = zip(COLUMNS, zip(*rows, strict=True), strict=True)
        arrays = {f"a_{name}": list(values) for name, values in columns}
        return session.execute(_ADD_ARRAYS, arrays).all()
    return session.execute(_ADD_ROWS, [dict(zip(COLUMNS, row, strict=True)) for row in rows]).all()


def _add_statement(insert):
    table = Summary.__table__
    return insert.on_conflict_do_update(
        index_elements=[*CELL, *KEY],
        set_={name: table.c[name] + insert.excluded[name] for name in VALUES},
    ).returning(*(table.c[name] for name in (*CELL, *KEY)), table.c.n)


_ADD_ROWS = _add_statement(sqlite.insert(Summary.__table__))
_DELTAS = sa.func.unnest(*(
    sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(Summary.__table__.c[name].type))
    for name in COLUMNS
)).table_valued(*COLUMNS).render_derived(name="delta")  # fmt: skip
_ADD_ARRAYS = _add_statement(
    postgresql.insert(Summary.__table__).from_select(
        COLUMNS, sa.select(*(_DELTAS.c[name] for name in COLUMNS))
    )
)


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
        self.kinds: dict[str, list[tuple[Key, tuple]]] = defaultdict(list)
        for key, value in figures.items():
            self.kinds[key[0]].append((key, value))

    def get(self, kind: str, form: str = "", phase: str = "", subject: str = "",
            detail: str = "") -> tuple[int, float, float, float]:  # fmt: skip
        return self.figures.get((kind, form, phase, subject, detail), (0, 0.0, 0.0, 0.0))

    def of(self, kind: str) -> Iterator[tuple[Key, tuple]]:
        return iter(self.kinds.get(kind, ()))

    def statuses(self) -> dict[str, int]:
        """How many of the learners are at each status (status.py): all of them in all."""
        return {state: self.get("status", subject=state)[0] for state in STATUSES}


def _by_cells(filters: Filters) -> bool:
    return not (filters.search or filters.enrolled_from or filters.enrolled_to)


def totals(filters: Filters, kinds: Iterable[str] | None = None,
           subjects: Iterable[str] | None = None) -> Totals:  # fmt: skip
    """The figures summed over the learners the filters select, in one statement."""
    return grouped(filters, (), kinds, subjects).get((), Totals({}))


def grouped(filters: Filters, by: tuple[str, ...] = (), kinds: Iterable[str] | None = None,
            subjects: Iterable[str] | None = None) -> dict[tuple, Totals]:  # fmt: skip
    """The figures summed over the learners the filters select, for each value of the
    cell columns `by` (organisation_id, cohort_id...; none: one group), only those of
    `kinds` and `subjects` if given, in one statement."""
    found: dict[tuple, dict[Key, list]] = defaultdict(dict)
    wanted = set(kinds) if kinds is not None else None
    about = set(subjects) if subjects is not None else None
    if _by_cells(filters):
        groups = [getattr(Summary, name) for name in by]
        columns = [getattr(Summary, name) for name in KEY]
        query = (
            sa.select(*groups, *columns, sa.func.sum(Summary.n), sa.func.sum(Summary.total),
                      sa.func.sum(Summary.squares), sa.func.sum(Summary.cross))
            .where(Summary.pathway_id == filters.pathway_id)
            .group_by(*groups, *columns)
        )  # fmt: skip
        if wanted is not None:
            query = query.where(Summary.kind.in_(sorted(wanted)))
        if about is not None:
            query = query.where(Summary.subject.in_(sorted(about)))
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
        for row in db.session.execute(query):
            group, key, (n, total, squares, cross) = row[: len(by)], row[len(by) : -4], row[-4:]
            if n:
                found[tuple(group)][tuple(key)] = [int(n), total or 0.0, squares or 0.0,
                                                   cross or 0.0]  # fmt: skip
        return {group: Totals(figures) for group, figures in found.items()}
    groups = [getattr(LearnerSummary, name) for name in by]
    for *group, learner_shares in db.session.execute(
        sa.select(*groups, LearnerSummary.figures).where(
            LearnerSummary.pathway_id == filters.pathway_id,
            LearnerSummary.user_id.in_(learner_ids(filters).scalar_subquery()),
        )
    ):
        figures = found[tuple(group)]
        for *key, n, total, squares, cross in learner_shares:
            if (wanted is None or key[0] in wanted) and (about is None or key[3] in about):
                shares.add(figures, tuple(key), n, total, squares, cross)
    return {group: Totals({k: v for k, v in figures.items() if v[0]})
            for group, figures in found.items()}  # fmt: skip


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
