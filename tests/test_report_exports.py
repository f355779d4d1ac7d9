"""The item responses export: a row per learner per question of the attempts the reports
use, carrying the learner's columns (cohort, email, certificate code, CPD hours, last
activity, post-test attempts used), scoped to the coordinator's organisations."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from courseapp.accounts.models import Role
from courseapp.assessment.models import Certificate
from courseapp.audit.models import AuditEvent
from courseapp.catalogue.items import SingleItem
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from tests.conftest import login
from tests.test_reports import _app_context, add_learner, core, core_test  # noqa: F401

LEARNER_COLUMNS = ["name", "email", "organisation", "team", "cohort", "certificate code",
                   "CPD hours", "last activity", "post-test attempts used"]  # fmt: skip


def read_csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_item_responses_csv_has_a_row_per_learner_and_question(client, make_org, make_user):
    org = make_org(name="Csv Org")
    cohort = Cohort(organisation=org, name="=SUM(A1)", pathway_id="core")
    db.session.add(cohort)
    done = add_learner(org, "Done Person", pre=0.4, post=0.9, modules=len(core().modules),
                       certified_days=3)  # fmt: skip
    add_learner(org, "Pre Only", pre=0.5)
    add_learner(make_org(name="Elsewhere"), "Other Person", pre=1.0, post=1.0)
    db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == done.id)
    ).cohort_id = cohort.id
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))

    response = client.get("/reports/export/responses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response.data)
    assert list(rows[0])[: len(LEARNER_COLUMNS)] == LEARNER_COLUMNS
    items = core_test().items
    by_name = {name: [r for r in rows if r["name"] == name] for name in {r["name"] for r in rows}}
    assert set(by_name) == {"Done Person", "Pre Only"}  # never another organisation's
    assert len(by_name["Done Person"]) == 2 * len(items) and len(by_name["Pre Only"]) == len(items)

    code = db.session.scalar(sa.select(Certificate.code).where(Certificate.user_id == done.id))
    learners = {r["name"]: r for r in read_csv(client.get("/reports/export/learners.csv").data)}
    for row in by_name["Done Person"]:
        assert row["email"] == "done.person@example.org" and row["cohort"] == "'=SUM(A1)"
        assert row["certificate code"] == code and row["CPD hours"] == "4.0"  # its 240 minutes
        assert row["post-test attempts used"] == "1"
        assert row["last activity"] == learners["Done Person"]["last activity"] != ""
    marks = {(r["test"], r["question"]): r for r in by_name["Done Person"]}
    assert {r["mark"] for (test, _), r in marks.items() if test == "pre-test"} == {"0.4"}
    assert {r["mark"] for (test, _), r in marks.items() if test == "post-test"} == {"0.9"}
    single = next(item for item in items if isinstance(item, SingleItem))
    row = marks[("post-test", single.id)]
    assert row["answer"] == next(o.text for o in single.options if o.id == "a")
    assert (row["form"], row["area"], row["question text"]) == ("core-test", single.tag,
                                                                  single.stem)  # fmt: skip
    assert {r["certificate code"] for r in by_name["Pre Only"]} == {""}
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "export-responses")
    )


def test_the_learners_lists_status_filter_applies_to_its_downloads(client, make_org, make_user):
    """The learners list's download links carry its status filter: the learners and
    answers exports then hold the learners the list shows, and no others."""
    org = make_org(name="Status Org")
    add_learner(org, "Done Person", pre=0.4, post=0.9, modules=len(core().modules),
                certified_days=3)  # fmt: skip
    add_learner(org, "Pre Only", pre=0.5)
    db.session.commit()
    login(client, make_user(role=Role.COORDINATOR, organisation=org, covers=(org,)))
    for status, shown in (("completed", {"Done Person"}), ("in progress", {"Pre Only"}),
                          ("not started", set()), ("", {"Done Person", "Pre Only"})):  # fmt: skip
        query = f"?status={status.replace(' ', '+')}"
        page = client.get(f"/reports/learners{query}").get_data(as_text=True)
        assert f"/reports/export/learners.csv{query}" in page or not status
        for kind in ("learners", "responses"):
            rows = read_csv(client.get(f"/reports/export/{kind}.csv{query}").data)
            assert {r["name"] for r in rows} == shown, (kind, status)
