"""A coordinator enrols learners from a CSV file and reads the reports in a real browser:
a cohort created, a file with a bad email address checked row by row, the corrected file
imported with its set-password links, the dashboard's figures (with n), its per-area and
question tables and its charts, the team filter, the list of learners sorted by post-test
score, one learner's record, and the learners CSV. Everything is scoped to the
coordinator's organisation; axe runs on every page type.

The learners already in the organisation are written straight to the tables with the
helper the report unit tests use, so every figure here is known in advance.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from courseapp.accounts.models import Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.content.services import course
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.test_reports import add_learner

ORGANISATION = "Eastbrook City Council"
TEAM_A = "Duty and assessment"
TEAM_B = "Family support"
COORDINATOR_EMAIL = "tomasz.nowak@eastbrook.example.org"
COORDINATOR_PASSWORD = "granite meadow kestrel sofa"
OTHER_ORGANISATION = "Fernhill Health Board"
OTHER_NAME = "Declan Frost"  # the best post-test score of all: listed first if he leaked in

COHORT = "Duty teams, winter term"
PATHWAY_TITLE = "Safe & Together core e-learning"
# Already enrolled on the core pathway: name, team, pre, post, modules completed
# (None: all), days from enrolment to certificate.
EXISTING = [
    ("Amira Hassan", TEAM_A, 0.4, 0.8, None, 10),
    ("Bilal Chowdhury", TEAM_A, 0.6, 0.7, 5, None),
    ("Carys Evans", TEAM_B, 0.5, 0.9, 3, None),
    ("Dominic Reid", TEAM_B, 0.3, None, 1, None),
]
# The CSV file's rows: name, email, team, job_role. The second is first sent with BAD_EMAIL.
NEW_LEARNERS = [
    ("Priya Natarajan", "priya.natarajan@eastbrook.example.org", TEAM_A, "Social worker"),
    ("Owen Pryce", "owen.pryce@eastbrook.example.org", TEAM_B, "Health visitor or school nurse"),
    ("Lena Kowalski", "lena.kowalski@eastbrook.example.org", TEAM_B, ""),
]
BAD_EMAIL = "owen.pryce.eastbrook.example.org"
ALL_NAMES = {row[0] for row in EXISTING + NEW_LEARNERS}
TEAM_A_NAMES = {row[0] for row in EXISTING if row[1] == TEAM_A} | {
    row[0] for row in NEW_LEARNERS if row[2] == TEAM_A
}
UTF8_BOM = b"\xef\xbb\xbf"
NO_SCORE = "\N{EN DASH}"  # how the reports show a missing score


@dataclass(frozen=True)
class Seeded:
    other_learner_id: int
    items: int  # questions in the core pathway's test
    areas: int  # areas of the model (tags) those questions cover


def seed(live_server: LiveServer) -> Seeded:
    """The organisation with two teams, its coordinator and the learners in EXISTING;
    another organisation with one learner, who must never be shown."""
    with live_server.app.app_context():
        org = Organisation(name=ORGANISATION, sector=Sector.LOCAL_AUTHORITY)
        org.teams = [Team(name=TEAM_A), Team(name=TEAM_B)]
        coordinator = User(
            name="Tomasz Nowak",
            email=COORDINATOR_EMAIL,
            password_hash=hash_password(COORDINATOR_PASSWORD),
            role=Role.COORDINATOR,
            organisation=org,
        )
        coordinator.covered_organisations = [org]
        db.session.add_all([org, coordinator])
        db.session.commit()
        teams = {team.name: team for team in org.teams}
        pathway = course().pathways["core"]
        for name, team, pre, post, modules, certified_days in EXISTING:
            add_learner(org, name, pre=pre, post=post, team=teams[team],
                        modules=len(pathway.modules) if modules is None else modules,
                        certified_days=certified_days)  # fmt: skip
        other = Organisation(name=OTHER_ORGANISATION, sector=Sector.HEALTH)
        db.session.add(other)
        other_learner = add_learner(other, OTHER_NAME, pre=0.2, post=0.95, modules=2)
        test = course().bank.tests["core-test"]
        return Seeded(other_learner.id, len(test.items), len({i.tag for i in test.items}))


def write_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["name,email,team,job_role", *(",".join(row) for row in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def summary_value(page: Page, key: str) -> Locator:
    """The value of a GOV.UK summary list row, found by the row's key."""
    return page.locator(f'dt.govuk-summary-list__key:text-is("{key}") + dd')


def table(page: Page, caption: str) -> Locator:
    return page.get_by_role("table", name=caption, exact=True)


def body_rows(table_: Locator) -> Locator:
    return table_.locator("tbody tr")


@pytest.mark.browser
def test_coordinator_imports_learners_and_reads_reports(
    page: Page, live_server: LiveServer, tmp_path: Path
):
    seeded = seed(live_server)

    # 1. From the organisation page, a cohort on the core pathway.
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    expect(heading(page, "Organisations")).to_be_visible()
    page.get_by_role("link", name=ORGANISATION, exact=True).click()
    expect(heading(page, ORGANISATION)).to_be_visible()
    expect(page.get_by_text("No cohorts yet.")).to_be_visible()
    page.get_by_role("link", name="Create a cohort").click()
    expect(heading(page, "Create a cohort")).to_be_visible()
    check_page(page, "cohort-create")

    page.get_by_label("Cohort name").fill(COHORT)
    page.get_by_label("Pathway").select_option(label=PATHWAY_TITLE)
    page.get_by_role("button", name="Create cohort").click()
    expect(heading(page, COHORT)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"Cohort {COHORT} created.")
    expect(summary_value(page, "Pathway")).to_have_text(PATHWAY_TITLE)
    expect(summary_value(page, "Learners enrolled")).to_have_text("0")
    check_page(page, "cohort-detail")

    # 2. A file with a bad email address: that row's problem is shown, nothing imported.
    page.get_by_role("button", name="Enrol learners from a CSV file").click()
    expect(heading(page, "Enrol learners from a CSV file")).to_be_visible()
    check_page(page, "csv-upload")

    name, _email, team, role = NEW_LEARNERS[1]
    bad_rows = [NEW_LEARNERS[0], (name, BAD_EMAIL, team, role), NEW_LEARNERS[2]]
    page.get_by_label("Upload a CSV file").set_input_files(
        write_csv(tmp_path / "staff.csv", bad_rows)
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(heading(page, "Check the learners before you import them")).to_be_visible()
    expect(page.get_by_text("Nothing has been imported yet.")).to_be_visible()
    expect(summary_value(page, "New accounts")).to_have_text("2")
    expect(summary_value(page, "Rows with problems (not imported)")).to_have_text("1")
    problems = body_rows(table(page, "Rows with problems"))
    expect(problems).to_have_count(1)
    expect(problems.get_by_role("rowheader")).to_have_text("3")  # the header is row 1
    expect(problems.get_by_role("cell")).to_have_text(
        [
            NEW_LEARNERS[1][0],
            BAD_EMAIL,
            "Enter an email address in the correct format, like name@example.org",
        ]
    )
    expect(body_rows(table(page, "Rows to import"))).to_have_count(2)
    expect(page.get_by_text("Rows with problems will not be imported.")).to_be_visible()
    check_page(page, "csv-preview-errors")

    # 3. The corrected file: three new accounts, imported, with links to pass on.
    page.get_by_role("link", name="Upload a different file").click()
    expect(heading(page, "Enrol learners from a CSV file")).to_be_visible()
    fixed = write_csv(tmp_path / "staff-fixed.csv", NEW_LEARNERS)
    page.get_by_label("Upload a CSV file").set_input_files(fixed)
    page.get_by_role("button", name="Upload and check").click()
    expect(heading(page, "Check the learners before you import them")).to_be_visible()
    expect(summary_value(page, "New accounts")).to_have_text("3")
    expect(summary_value(page, "Rows with problems (not imported)")).to_have_text("0")
    expect(table(page, "Rows with problems")).to_have_count(0)
    to_import = body_rows(table(page, "Rows to import"))
    expect(to_import).to_have_count(3)
    expect(to_import.locator(".govuk-tag")).to_have_text(["New account"] * 3)
    page.get_by_role("button", name="Import 3 learners").click()

    expect(heading(page, "Learners enrolled")).to_be_visible()
    expect(page.get_by_text(f"3 learners enrolled in {COHORT}")).to_be_visible()
    expect(summary_value(page, "Accounts created")).to_have_text("3")
    links = body_rows(table(page, "3 password links"))
    expect(links).to_have_count(3)
    link_pattern = re.compile(rf"^{re.escape(live_server.url)}/password/\S+$")
    for (name, email, _team, _role), row in zip(NEW_LEARNERS, links.all(), strict=True):
        cells = row.get_by_role("cell")
        expect(cells).to_have_text([name, email, link_pattern])
    check_page(page, "csv-imported")

    page.get_by_role("link", name=f"Back to {COHORT}").click()
    expect(heading(page, COHORT)).to_be_visible()
    expect(summary_value(page, "Learners enrolled")).to_have_text(str(len(NEW_LEARNERS)))

    # 4. The dashboard: figures with n, the per-area table, question statistics, charts.
    nav_link(page, "Reports").click()
    expect(heading(page, "Reports")).to_be_visible()
    enrolled = len(ALL_NAMES)
    paired = sum(post is not None for _, _, _, post, _, _ in EXISTING)
    expect(summary_value(page, "Enrolled")).to_have_text(str(enrolled))
    expect(summary_value(page, "Not started")).to_have_text(str(len(NEW_LEARNERS)))
    expect(summary_value(page, "In progress")).to_have_text(str(len(EXISTING) - 1))
    expect(summary_value(page, "Completed (certificate)")).to_have_text("1")
    expect(summary_value(page, "Completion rate")).to_have_text(
        f"{round(100 / enrolled, 1)}% (n = {enrolled})"
    )
    expect(summary_value(page, "Median time to complete")).to_have_text("10.0 days (n = 1)")
    expect(page.get_by_text(f"Only learners with both a pre-test and a post-test count: "
                            f"n = {paired}.")).to_be_visible()  # fmt: skip
    expect(summary_value(page, "Mean pre-test score")).to_have_text("50.0%")  # (40+60+50)/3
    expect(summary_value(page, "Mean post-test score")).to_have_text("80.0%")  # (80+70+90)/3
    by_area = body_rows(table(page, "By area of the model"))
    expect(by_area).to_have_count(seeded.areas)
    expect(by_area.locator("td:nth-child(2)")).to_have_text([str(paired)] * seeded.areas)
    expect(body_rows(table(page, "Question statistics"))).to_have_count(seeded.items)
    funnel_title = f"Share of enrolled learners who completed each module (n = {enrolled})"
    expect(
        page.get_by_role("img", name=re.compile(rf"^{re.escape(funnel_title)} "))
    ).to_be_visible()
    expect(page.locator("svg[role='img'] > title")).to_have_text(
        [funnel_title, f"Mean score by area of the model, before and after (n = {paired})"]
    )
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(OTHER_ORGANISATION)
    check_page(page, "reports-dashboard")

    # The team filter: only that team's learners count.
    team_filter = page.get_by_label("Team", exact=True)
    team_filter.select_option(label=f"{TEAM_A} ({ORGANISATION})")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]team=\d+"))
    expect(summary_value(page, "Enrolled")).to_have_text(str(len(TEAM_A_NAMES)))
    expect(summary_value(page, "Completion rate")).to_have_text(
        f"{round(100 / len(TEAM_A_NAMES), 1)}% (n = {len(TEAM_A_NAMES)})"
    )
    expect(page.get_by_text("Only learners with both a pre-test and a post-test count: n = 2.")
           ).to_be_visible()  # fmt: skip
    expect(page.get_by_label("Team", exact=True).locator("option:checked")).to_have_text(
        f"{TEAM_A} ({ORGANISATION})"
    )
    check_page(page, "reports-dashboard-filtered")

    page.get_by_role("link", name="Clear filters").click()
    expect(summary_value(page, "Enrolled")).to_have_text(str(enrolled))

    # 5. The list of learners: this organisation's only, sorted by post-test score.
    page.get_by_role("link", name="List of learners").click()
    expect(heading(page, "Learners")).to_be_visible()
    learners = table(page, f"{enrolled} learners")
    expect(body_rows(learners)).to_have_count(enrolled)
    expect(learners.locator("tbody td:first-child a")).to_have_text(sorted(ALL_NAMES))
    expect(page.get_by_role("main")).not_to_contain_text(OTHER_NAME)
    check_page(page, "reports-learners")

    learners.get_by_role("link", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]sort=post"))
    learners = table(page, f"{enrolled} learners")
    expect(learners.get_by_role("link", name="Post (sorted)")).to_have_attribute(
        "aria-current", "true"
    )
    by_post = sorted((row for row in EXISTING if row[3] is not None), key=lambda r: -r[3])
    expect(learners.locator("tbody tr td:nth-child(5)")).to_have_text(
        [f"{round(row[3] * 100)}%" for row in by_post] + [NO_SCORE] * (enrolled - len(by_post))
    )
    expect(learners.locator("tbody td:first-child a").first).to_have_text(by_post[0][0])

    learners.get_by_role("link", name="Carys Evans", exact=True).click()
    expect(heading(page, "Carys Evans")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{ORGANISATION} · {TEAM_B}")
    expect(heading(page, PATHWAY_TITLE, level=2)).to_be_visible()
    attempts = page.get_by_role("table", name="Test attempts").locator("tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.locator("td:last-child")).to_have_text([re.compile(r"^50%"),
                                                             re.compile(r"^90%")])  # fmt: skip
    check_page(page, "reports-learner")

    # The other organisation's learner cannot be opened by their address either.
    response = page.request.get(f"{live_server.url}/reports/learners/{seeded.other_learner_id}")
    assert response.status == 404, response.status

    # 6. The learners CSV, from the unfiltered dashboard.
    nav_link(page, "Reports").click()
    expect(heading(page, "Reports")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download learners (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "learners-core.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(UTF8_BOM), raw[:20]
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:7] == ["name", "email", "organisation", "team", "job role", "pathway",
                          "status"], header  # fmt: skip
    assert {"pre-test %", "post-test %", "gain (points)"} <= set(header), header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == ALL_NAMES, sorted(by_name)
    assert {row["organisation"] for row in by_name.values()} == {ORGANISATION}
    assert OTHER_NAME.encode() not in raw and OTHER_ORGANISATION.encode() not in raw
    priya = by_name["Priya Natarajan"]
    assert (priya["email"], priya["team"], priya["job role"], priya["status"]) == (
        NEW_LEARNERS[0][1],
        TEAM_A,
        "Social worker",
        "not started",
    )
    carys = by_name["Carys Evans"]
    assert (carys["pre-test %"], carys["post-test %"], carys["gain (points)"]) == (
        "50.0",
        "90.0",
        "40.0",
    )
