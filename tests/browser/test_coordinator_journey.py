"""A training coordinator's work in a real browser, from a cohort to the exports.

They create a cohort; enrol learners from a CSV file (a file with a bad email address
checked row by row, then the corrected file, with its set-password links); follow
learners' progress (the list of learners sorted by post-test score, and two learners'
records: modules, tests and rewordings); review a rewording (the queue with its team
filter, the review page, a mark and a comment, which the learner then sees as text);
read the dashboard (its figures with n, per-area and question tables and charts, the
team filter, used with the keyboard); and download the learners and question CSV
files. Everything is scoped to the coordinator's organisation: four demonstration
organisations and one more with the best post-test score of all sit in the same
database and must never show. axe and the reflow check run on every page type.

The learners already in the organisation got where they are through the app's own
services, answering a known number of test questions right, so every figure is known.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_page, heading, sign_in
from tests.browser.coordinator_reports import download_exports, read_dashboard
from tests.browser.eastbrook import (
    ALL_NAMES,
    BAD_EMAIL,
    BLAMING,
    COHORT,
    COMMENT,
    CONSTRUCTIVE,
    COORDINATOR_EMAIL,
    COORDINATOR_PASSWORD,
    ELSEWHERE,
    EXERCISE_ID,
    LEARNER_PASSWORD,
    NEW_LEARNERS,
    NO_SCORE,
    ORGANISATION,
    OTHER_NAME,
    OTHER_TEXT,
    PATHWAY_TITLE,
    PROGRESS,
    TEAM_A,
    TEAM_B,
    Seeded,
    email_of,
    seed,
)
from tests.browser.keyboard import assert_focus_visible, tab_to
from tests.browser.staff import (
    body_rows,
    nav_link,
    reported_post,
    summary_value,
    table,
    write_csv,
)


@pytest.mark.slow
@pytest.mark.browser
def test_coordinator_enrols_follows_reviews_and_reports(
    page: Page, live_server: LiveServer, tmp_path: Path, new_context
):
    seeded = seed(live_server)
    page.goto(f"{live_server.url}/login")
    sign_in(page, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    expect(heading(page, "Organisations")).to_be_visible()

    create_cohort(page)
    enrol_from_csv(page, live_server, tmp_path)
    follow_learners(page, live_server, seeded)
    review_rewording(page, live_server, new_context, seeded)
    read_dashboard(page, seeded)
    download_exports(page, seeded)


def create_cohort(page: Page) -> None:
    """1. From the organisation page, a cohort on the core pathway."""
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


def enrol_from_csv(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    """2. A file with a bad email address: that row's problem is shown, nothing imported.
    3. The corrected file: three new accounts, imported, with links to pass on."""
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
        [name, BAD_EMAIL, "Enter an email address in the correct format, like name@example.org"]
    )
    expect(body_rows(table(page, "Rows to import"))).to_have_count(2)
    expect(page.get_by_text("Rows with problems will not be imported.")).to_be_visible()
    check_page(page, "csv-preview-errors")

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
        expect(row.get_by_role("cell")).to_have_text([name, email, link_pattern])
    check_page(page, "csv-imported")

    page.get_by_role("link", name=f"Back to {COHORT}").click()
    expect(heading(page, COHORT)).to_be_visible()
    expect(summary_value(page, "Learners enrolled")).to_have_text(str(len(NEW_LEARNERS)))


def follow_learners(page: Page, live_server: LiveServer, seeded: Seeded) -> None:
    """4. The list of learners, this organisation's only, sorted by post-test score; a
    learner who has finished, and one part way through with rewordings."""
    nav_link(page, "Reports").click()
    page.get_by_role("link", name="Progress by learner").click()
    expect(heading(page, "Progress by learner")).to_be_visible()
    enrolled = len(ALL_NAMES)
    learners = table(page, f"{enrolled} learners")
    expect(body_rows(learners)).to_have_count(enrolled)
    expect(learners.locator("tbody td:first-child a")).to_have_text(
        sorted(ALL_NAMES, key=str.lower)
    )
    expect(page.get_by_role("main")).not_to_contain_text(OTHER_NAME)
    check_page(page, "reports-learners")

    learners.get_by_role("link", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]sort=post"))
    learners = table(page, f"{enrolled} learners")
    expect(learners.get_by_role("link", name="Post (sorted)")).to_have_attribute(
        "aria-current", "true"
    )
    best = {name: reported_post(p) for name, p in PROGRESS.items() if p.posts}
    by_post = sorted(best, key=lambda name: -best[name])
    expect(learners.locator("tbody tr td:nth-child(5)")).to_have_text(
        [f"{seeded.percent(best[name]):.0f}%" for name in by_post]
        + [NO_SCORE] * (enrolled - len(by_post))
    )
    expect(learners.locator("tbody td:first-child a").first).to_have_text(by_post[0])
    check_page(page, "reports-learners-sorted")

    # Amira: every module, a failed post-test then a pass, and her certificate.
    amira = PROGRESS["Amira Hassan"]
    learners.get_by_role("link", name="Amira Hassan", exact=True).click()
    expect(heading(page, "Amira Hassan")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{ORGANISATION} · {TEAM_A}")
    expect(heading(page, PATHWAY_TITLE, level=2)).to_be_visible()
    certificate = re.compile(r"^Certificate issued \d+ \w+ \d{4}, code ")
    expect(page.get_by_text(certificate)).to_be_visible()
    expect(page.locator("h3:text-is('Modules') + ul > li strong")).to_have_text(
        [re.compile(r"^Completed \d+ \w{3} \d{4}$")] * len(seeded.modules)
    )
    attempts = body_rows(page.get_by_role("table", name="Test attempts"))
    expect(attempts.locator("td:first-child")).to_have_text(
        ["Pre-test, attempt 1", "Post-test, attempt 1", "Post-test, attempt 2"]
    )
    expect(attempts.locator("td:last-child")).to_have_text(
        [f"{seeded.percent(amira.pre):.0f}%", f"{seeded.percent(amira.posts[0]):.0f}%",
         f"{seeded.percent(amira.posts[1]):.0f}% (passed)"]
    )  # fmt: skip
    by_area = table(page, "By area: first pre-test and best post-test on the other form")
    expect(body_rows(by_area)).to_have_count(seeded.areas)
    expect(page.get_by_text("No rewordings yet.")).to_have_count(0)  # she sent three
    check_page(page, "reports-learner")

    # Carys: the pre-test, nine modules done and the tenth begun, and two versions of a
    # rewording, each with a link to review it.
    page.get_by_role("link", name="Back to learners").click()
    page.get_by_role("link", name="Carys Evans", exact=True).click()
    expect(heading(page, "Carys Evans")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{ORGANISATION} · {TEAM_B}")
    statuses = page.locator("h3:text-is('Modules') + ul > li")
    done = PROGRESS["Carys Evans"].modules
    expect(statuses).to_have_text(
        [re.compile(rf"^{re.escape(title)}: Completed \d+ \w{{3}} \d{{4}}$")
         for title in seeded.modules[:done]]
        + [f"{seeded.modules[done]}: In progress"]
        + [f"{title}: Not started" for title in seeded.modules[done + 1 :]]
    )  # fmt: skip
    attempts = body_rows(page.get_by_role("table", name="Test attempts"))
    expect(attempts.locator("td:first-child")).to_have_text(["Pre-test, attempt 1"])
    expect(attempts.locator("td:last-child")).to_have_text(
        [f"{seeded.percent(PROGRESS['Carys Evans'].pre):.0f}%"]
    )
    title = seeded.exercise_title
    versions = page.locator("h2:text-is('Rewording exercises') + ul > li")
    expect(versions).to_have_text([
        re.compile(rf"^{re.escape(title)}, version 1 \(needs work\): {re.escape(BLAMING)}"),
        re.compile(rf"^{re.escape(title)}, version 2 \(constructive\): {re.escape(CONSTRUCTIVE)}"),
    ])  # fmt: skip
    expect(versions.get_by_role("link", name="Review version 2")).to_be_visible()
    check_page(page, "reports-learner-in-progress")

    # Another organisation's learner cannot be opened by their address either.
    response = page.request.get(f"{live_server.url}/reports/learners/{seeded.other_learner_id}")
    assert response.status == 404, response.status


def review_rewording(page: Page, live_server: LiveServer, new_context, seeded: Seeded) -> None:
    """5. The review queue, this organisation's only, and its team filter; Carys's
    rewording marked and commented on with the keyboard; Carys sees the comment as text."""
    nav_link(page, "Review").click()
    expect(heading(page, "Review rewordings")).to_be_visible()
    queue = page.get_by_role("table")
    expect(queue.locator("caption")).to_have_text("5 responses")  # Carys, Bilal, Amira's 3
    rows = body_rows(queue)
    expect(rows.first.get_by_role("cell")).to_have_text([
        re.compile(rf"^Carys Evans\s*{TEAM_B}$"),
        seeded.exercise_title,
        re.compile(rf"^{re.escape(CONSTRUCTIVE)}.*\s*Version 2, "),
        "Constructive",
        "",
    ])  # fmt: skip
    expect(rows.nth(1).get_by_role("cell").first).to_have_text(
        re.compile(rf"^Bilal Chowdhury\s*{TEAM_B}$")
    )
    for text in [*ELSEWHERE, OTHER_TEXT]:
        expect(page.get_by_role("main")).not_to_contain_text(text)
    check_page(page, "rewording-queue")

    team_filter = page.get_by_label("Team", exact=True)
    expect(team_filter.locator("option")).to_have_text(
        ["All teams", f"{TEAM_A} ({ORGANISATION})", f"{TEAM_B} ({ORGANISATION})"]
    )
    team_filter.select_option(label=f"{TEAM_A} ({ORGANISATION})")
    page.get_by_role("button", name="Filter").click()
    only_amira = body_rows(page.get_by_role("table"))
    expect(only_amira).to_have_count(3)
    expect(only_amira.filter(has_text="Amira Hassan")).to_have_count(3)
    team_filter = page.get_by_label("Team", exact=True)
    expect(team_filter.locator("option:checked")).to_have_text(f"{TEAM_A} ({ORGANISATION})")
    team_filter.select_option(label="All teams")
    page.get_by_role("button", name="Filter").click()
    expect(body_rows(page.get_by_role("table"))).to_have_count(5)

    # Another organisation's response cannot be opened by its address either.
    response = page.request.get(f"{live_server.url}/review/{seeded.other_response_id}")
    assert response.status == 404, response.status

    page.get_by_role("link", name="(review Carys Evans's response)").click()
    expect(heading(page, "Review Carys Evans's rewording")).to_be_visible()
    expect(page.locator("blockquote.app-learner-text")).to_have_text(CONSTRUCTIVE)
    rated = "The learner rated it: as good as the model answers."
    expect(page.get_by_text(rated)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=BLAMING)).to_have_count(1)
    check_page(page, "rewording-review")

    # The form with the keyboard alone: Tab to the marks, arrow up to "Exemplary", Tab to
    # the comment and type it, Tab to Save and press Enter. Each stop shows its focus.
    mark = page.get_by_role("group", name="Mark this response")
    no_mark = mark.get_by_label("No mark, comment only", exact=True)
    expect(no_mark).to_be_checked()
    tab_to(page, no_mark)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    exemplary = mark.get_by_label("Exemplary: a model for others", exact=True)
    expect(exemplary).to_be_focused()
    expect(exemplary).to_be_checked()
    assert_focus_visible(page)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comment for the learner", exact=True)).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.type(COMMENT)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")

    expect(heading(page, "Review rewordings")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Your review has been saved.")).to_be_visible()
    expect(body_rows(page.get_by_role("table")).first.get_by_role("cell").last).to_have_text(
        "Exemplary"
    )
    check_page(page, "review-saved")

    # Carys sees the comment as text: the markup in it is shown, not obeyed.
    learner = new_context().new_page()
    learner.goto(f"{live_server.url}/login")
    sign_in(learner, email_of("Carys Evans"), LEARNER_PASSWORD)
    nav_link(learner, "Practise").click()
    learner.get_by_role("link", name=seeded.exercise_title, exact=True).click()
    expect(learner).to_have_url(f"{live_server.url}/practice/{EXERCISE_ID}")
    expect(heading(learner, "Comments from your coordinator", level=2)).to_be_visible()
    comment = learner.locator(".app-coordinator-comment")
    expect(comment).to_have_count(1)
    expect(comment.get_by_text(COMMENT, exact=True)).to_be_visible()
    expect(comment).to_contain_text("On version 2,")
    expect(comment.locator("b")).to_have_count(0)
    check_page(learner, "rewording-comment")
    learner.close()
