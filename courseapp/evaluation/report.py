"""The course evaluation report: totals by cohort and by team, and the written answers
by cohort, never who wrote what.

The rule against picking out a person:

- A group is a cohort or a team within one organisation (people in no cohort, or in no
  team, make a group of their own in each organisation). Groups are the same sets of
  people whatever the filters, so no filter makes a new, smaller set to compare.
- A group's figures are shown only when it has MIN_GROUP (5) responses or more;
  smaller groups are shown as "fewer than 5 responses".
- No total over several groups (an organisation, or everything) is shown, because
  taking the groups that are shown away from such a total would give the figures for
  the ones that are not.
- The written answers are listed by cohort only. Listed by team as well, an answer in
  both a cohort's list and a team's list would belong to someone in both, which can be
  one person. For the same reason the filters take a team or a cohort, not both.
- Answers are listed in alphabetical order, and carry no date, so their order says
  nothing about when, or by whom, they were given.

Totals by cohort and by team are two views of the same responses; where cohorts and
teams overlap only a little, comparing the two views narrows things down, which is why
only averages (not how many people chose each point of a scale) are shown."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from courseapp.cohorts.models import Cohort
from courseapp.evaluation.models import EvaluationAnswer
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from courseapp.reports.statistics import MIN_GROUP, csv_bytes

FEWER = f"fewer than {MIN_GROUP} responses"
NO_COHORT = "Not in a cohort"
NO_TEAM = "No team"
QUESTIONS = {
    "do_differently": "What will you do differently in your work?",
    "improve": "Is there anything we could improve?",
}


@dataclass(frozen=True)
class Scope:
    pathway_id: str
    organisation_ids: frozenset[int] | None  # None: every organisation (administrators)
    team_id: int | None = None
    cohort_id: int | None = None


@dataclass(frozen=True)
class Group:
    kind: str  # "cohort" or "team"
    key: tuple[int, int | None]  # organisation id, cohort or team id
    organisation: str
    name: str
    responses: int
    useful: float | None  # averages, only for a group of MIN_GROUP or more
    relevant: float | None

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_GROUP


@dataclass(frozen=True)
class CohortAnswers:
    group: Group
    answers: dict[str, list[str]] = field(default_factory=dict)  # question -> answers


@dataclass(frozen=True)
class EvaluationReport:
    cohorts: list[Group]
    teams: list[Group]
    answers: list[CohortAnswers]

    @property
    def any(self) -> bool:
        return bool(self.cohorts or self.teams)


def _where(scope: Scope) -> list[sa.ColumnElement[bool]]:
    conditions = [
        EvaluationAnswer.pathway_id == scope.pathway_id,
        EvaluationAnswer.organisation_id.is_not(None),
    ]
    if scope.organisation_ids is not None:
        conditions.append(EvaluationAnswer.organisation_id.in_(scope.organisation_ids))
    if scope.team_id is not None:
        conditions.append(EvaluationAnswer.team_id == scope.team_id)
    if scope.cohort_id is not None:
        conditions.append(EvaluationAnswer.cohort_id == scope.cohort_id)
    return conditions


def _groups(scope: Scope, kind: str) -> list[Group]:
    """Each group's count and averages, summed in SQL: one query."""
    model, column, nobody = (
        (Cohort, EvaluationAnswer.cohort_id, NO_COHORT)
        if kind == "cohort"
        else (Team, EvaluationAnswer.team_id, NO_TEAM)
    )
    rows = db.session.execute(
        sa.select(
            EvaluationAnswer.organisation_id,
            column,
            Organisation.name,
            model.name,
            sa.func.count(),
            sa.func.avg(EvaluationAnswer.useful),
            sa.func.avg(EvaluationAnswer.relevant),
        )
        .join(Organisation, Organisation.id == EvaluationAnswer.organisation_id)
        .outerjoin(model, model.id == column)
        .where(*_where(scope))
        .group_by(EvaluationAnswer.organisation_id, column, Organisation.name, model.name)
    )
    groups = []
    for org_id, group_id, org_name, name, n, useful, relevant in rows:
        big = n >= MIN_GROUP
        groups.append(
            Group(
                kind, (org_id, group_id), org_name, name or nobody, n,
                round(float(useful), 1) if big else None,
                round(float(relevant), 1) if big else None,
            )
        )  # fmt: skip
    return sorted(
        groups, key=lambda g: (g.organisation.casefold(), g.key[1] is None, g.name.casefold())
    )


def _answers(scope: Scope, cohorts: list[Group]) -> list[CohortAnswers]:
    """The written answers of each cohort shown, in alphabetical order: one query."""
    shown = {group.key: group for group in cohorts if group.shown}
    if not shown:
        return []
    rows = db.session.execute(
        sa.select(
            EvaluationAnswer.organisation_id,
            EvaluationAnswer.cohort_id,
            EvaluationAnswer.do_differently,
            EvaluationAnswer.improve,
        ).where(
            *_where(scope),
            sa.or_(EvaluationAnswer.do_differently != "", EvaluationAnswer.improve != ""),
        )
    )
    found: dict[tuple, dict[str, list[str]]] = {key: {q: [] for q in QUESTIONS} for key in shown}
    for org_id, cohort_id, differently, improve in rows:
        lists = found.get((org_id, cohort_id))
        if lists is None:
            continue
        for question, text in (("do_differently", differently), ("improve", improve)):
            if text:
                lists[question].append(text)
    return [
        CohortAnswers(
            group, {q: sorted(texts, key=str.casefold) for q, texts in found[group.key].items()}
        )
        for group in cohorts
        if group.shown
    ]


def evaluation_report(scope: Scope) -> EvaluationReport:
    cohorts = [] if scope.team_id is not None else _groups(scope, "cohort")
    teams = [] if scope.cohort_id is not None else _groups(scope, "team")
    return EvaluationReport(cohorts, teams, _answers(scope, cohorts))


def totals_csv(report: EvaluationReport) -> bytes:
    header = ["grouped by", "organisation", "group", "responses",
              "average usefulness (1 to 5)", "average relevance to role (1 to 5)"]  # fmt: skip
    rows = [
        [group.kind, group.organisation, group.name,
         group.responses if group.shown else FEWER, group.useful, group.relevant]
        for group in (*report.cohorts, *report.teams)
    ]  # fmt: skip
    return csv_bytes(header, rows)


def answers_csv(report: EvaluationReport) -> bytes:
    header = ["organisation", "cohort", "question", "answer"]
    rows = [
        [listed.group.organisation, listed.group.name, QUESTIONS[question], text]
        for listed in report.answers
        for question, texts in listed.answers.items()
        for text in texts
    ]
    return csv_bytes(header, rows)


EXPORTS = {"totals": totals_csv, "answers": answers_csv}
