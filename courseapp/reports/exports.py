"""CSV exports: UTF-8 with BOM, numbers as numbers, 0 never blank, missing as empty,
and cells that could start a formula neutralised (see statistics.csv_cell)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from courseapp.catalogue import course
from courseapp.catalogue.course import Pathway
from courseapp.catalogue.items import TAGS
from courseapp.clock import local
from courseapp.reports import choices, follow_up, services
from courseapp.reports.currency import CURRENCY_COLUMNS, certificate_currency, currency_cells
from courseapp.reports.data import ReportData, learner_ids
from courseapp.reports.statistics import csv_bytes


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _day(moment: datetime | None, zone_name: str | None) -> str | None:
    """The date in the organisation's zone, as the pages show it."""
    return local(moment, zone_name).date().isoformat() if moment else None


def _minute(moment: datetime | None, zone_name: str | None) -> str | None:
    """The date and time to the minute in the organisation's zone."""
    return local(moment, zone_name).strftime("%Y-%m-%d %H:%M") if moment else None


def learners_csv(data: ReportData, pathway: Pathway) -> bytes:
    taken = {a.test_id for p in data.learners.values() for a in (p.pre, p.post) if a}
    forms = services.report_forms(pathway, taken).values()
    tags = [t for t in TAGS if any(i.tag == t for test in forms for i in test.items)]
    header = ["name", "email", "organisation", "team", "job role", "pathway", "status",
              "enrolled", "certified", "modules completed", "rewordings done",
              "form order", "pre-test form", "pre-test %", "pre-test too fast",
              "post-test form", "post-test %", "gain (points)", "cohort", "certificate code",
              "CPD hours", "last activity", "post-test attempts used"]  # fmt: skip
    header += [f"{tag} pre %" for tag in tags] + [f"{tag} post %" for tag in tags]
    header += follow_up.CSV_HEADER + CURRENCY_COLUMNS
    later = follow_up.taken(data.filters)
    learner_rows = services.learner_rows(data, pathway, areas=True)
    found = certificate_currency(learner_ids(data.filters), pathway)
    rows = []
    for row in learner_rows:
        person = row.learner
        rows.append(
            [person.name, person.email, person.organisation, person.team, person.job_role,
             pathway.id, row.status, _day(person.enrolled_at, person.timezone),
             _day(person.certified_at, person.timezone),
             person.modules_completed, person.rewordings,
             services.order_label(pathway, person.form_order),
             person.pre.test_id if person.pre else None, percent(row.pre),
             ("yes" if person.pre.too_fast else "no") if person.pre else None,
             person.post.test_id if person.post else None, percent(row.post),
             percent(row.gain), person.cohort, person.certificate_code,
             person.certificate_hours,
             _minute(person.last_activity, person.timezone), person.post_attempts]
            + [percent(row.pre_tags.get(t)) for t in tags]
            + [percent(row.post_tags.get(t)) for t in tags]
            + follow_up.csv_cells(later.get(person.id), person.timezone)
            + currency_cells(found.get(person.id))
        )  # fmt: skip
    return csv_bytes(header, rows)


def items_csv(data: ReportData, pathway: Pathway) -> bytes:
    board = services.dashboard(data.filters, pathway, data.discrimination)
    header = ["form", "item", "tag", "question", "pre n", "pre facility %",
              "pre corrected item-total r", "post n", "post facility %", "post discrimination",
              "post corrected item-total r", "flags"]  # fmt: skip
    rows = [
        [item.form_id, item.item_id, item.tag, item.stem, item.pre.n, percent(item.pre.facility),
         rounded(item.pre.corrected_r), item.post.n, percent(item.post.facility),
         rounded(item.post.discrimination), rounded(item.post.corrected_r),
         " ".join(flag.value for flag in item.flags)]
        for item in board.items
    ]  # fmt: skip
    return csv_bytes(header, rows)


def responses_csv(data: ReportData, pathway: Pathway) -> bytes:
    """A row per learner per question of the tests the reports use (each learner's first
    pre-test and best post-test): what they answered and its mark, beside the learner's
    own columns from the learners export, so the answers can be read by cohort or by
    who has a certificate. (The question statistics export has a row per question, a
    sum over learners, so it has no learner to name.)"""
    header = ["name", "email", "organisation", "team", "cohort", "certificate code",
              "CPD hours", "last activity", "post-test attempts used", "test", "form",
              "question", "area", "question text", "answer", "mark"]  # fmt: skip
    answered = choices.answers(data.filters)
    tests = course().bank.tests
    rows = []
    for person in data.learners.values():
        learner = [person.name, person.email, person.organisation, person.team, person.cohort,
                   person.certificate_code, person.certificate_hours,
                   _minute(person.last_activity, person.timezone),
                   person.post_attempts]  # fmt: skip
        for phase, attempt in (("pre-test", person.pre), ("post-test", person.post)):
            test = tests.get(attempt.test_id) if attempt and not attempt.too_fast else None
            for item in test.items if test else []:
                response, mark = answered.get((attempt.id, item.id), (None, None))
                rows.append(
                    [*learner, phase, test.id, item.id, item.tag, item.stem,
                     "; ".join(choices.chosen_labels(item, response)), rounded(mark)]
                )  # fmt: skip
    return csv_bytes(header, rows)


EXPORTS: dict[str, Callable[[ReportData, Pathway], bytes]] = {
    "learners": learners_csv,
    "items": items_csv,
    "responses": responses_csv,
}
NOT_KEPT = {"responses"}  # worked out on each download, not kept in the report cache
