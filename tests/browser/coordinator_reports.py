"""The last two steps of the coordinator journey (test_coordinator_journey.py): reading
the dashboard, whose figures are worked out from the seeded progress in eastbrook.py,
and downloading the learners and question statistics CSV files."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import check_page, heading
from tests.browser.eastbrook import (
    ALL_NAMES,
    ELSEWHERE,
    FORMULA_NAME,
    NEW_LEARNERS,
    ORGANISATION,
    PROGRESS,
    TEAM_A,
    TEAM_A_NAMES,
    Seeded,
)
from tests.browser.keyboard import tab_to
from tests.browser.staff import (
    UTF8_BOM,
    body_rows,
    nav_link,
    read_download,
    reported_post,
    summary_value,
    table,
)


def report_page(page: Page, name: str) -> None:
    """Go to one page of the report by its sub-navigation, and check it is marked there."""
    nav = page.get_by_role("navigation", name="Report pages")
    nav.get_by_role("link", name=name, exact=True).click()
    expect(heading(page, name)).to_be_visible()
    expect(nav.locator("[aria-current='page']")).to_have_text(name)


def read_dashboard(page: Page, seeded: Seeded) -> None:
    """6. The report's pages: the overview's headline figures and module completion; the
    gains by area; the questions (every one, over its pages) and one question's answers;
    confidence; the rewording figures with rules by name; then the team filter, with the
    keyboard, kept from page to page."""
    nav_link(page, "Reports").click()
    expect(heading(page, "Overview")).to_be_visible()
    enrolled = len(ALL_NAMES)
    started = {name for name, p in PROGRESS.items() if p.pre is not None or p.modules != 0}
    certified = {name for name, p in PROGRESS.items() if p.certified_days is not None}
    paired = [p for p in PROGRESS.values() if p.pre is not None and p.posts]
    expect(summary_value(page, "Enrolled")).to_have_text(str(enrolled))
    expect(summary_value(page, "Not started")).to_have_text(str(enrolled - len(started)))
    expect(summary_value(page, "In progress")).to_have_text(str(len(started - certified)))
    expect(summary_value(page, "Completed")).to_have_text(str(len(certified)))
    expect(summary_value(page, "Completion rate")).to_have_text(
        f"{round(100 * len(certified) / enrolled, 1)}% (n = {enrolled})"
    )
    expect(summary_value(page, "Median time to complete")).to_have_text("10.0 days (n = 1)")
    expect(summary_value(page, "Completed the course")).to_contain_text(
        f"{len(certified)} of {enrolled}"
    )
    passed = sum(any(seeded.percent(s) >= 70 for s in p.posts) for p in PROGRESS.values())
    expect(summary_value(page, "Passed the post-test")).to_contain_text(f"{passed} of {enrolled}")
    page.get_by_text("Module completion as a table").click()
    completions = body_rows(table(page, "Learners who completed each module"))
    done = [len(seeded.modules) if p.modules is None else p.modules for p in PROGRESS.values()]
    counts = [sum(d > i for d in done) for i in range(len(seeded.modules))]
    expect(completions.get_by_role("rowheader")).to_have_text(seeded.modules)
    expect(completions.locator("td:first-of-type")).to_have_text([str(n) for n in counts])
    expect(completions.locator("td:last-of-type")).to_have_text(
        [f"{round(100 * n / enrolled, 1)}%" for n in counts]
    )
    funnel_title = f"Share of enrolled learners who completed each module (n = {enrolled})"
    expect(
        page.get_by_role("img", name=re.compile(rf"^{re.escape(funnel_title)} "))
    ).to_be_visible()
    expect(page.locator("svg[role='img'] > title")).to_have_text([funnel_title])
    # Long module titles wrap onto more lines instead of being cut short.
    expect(page.locator("svg .app-chart__label").first).not_to_contain_text("…")
    check_page(page, "reports-dashboard")

    report_page(page, "Learning gain by area")
    no_post = sum(p.pre is not None and not p.posts for p in PROGRESS.values())
    expect(page.get_by_text(
        f"Only learners with both a pre-test and a post-test count: n = {len(paired)}. "
        f"Left out: {no_post} with a pre-test but no post-test yet, 0 with a post-test but "
        "no pre-test."
    )).to_be_visible()  # fmt: skip
    # Two learners paired: too few to show any figure about them (the unit tests check
    # the figures themselves, and the demonstration's pages show them in a browser).
    assert len(paired) < 5
    for figure in ("Mean pre-test score", "Mean post-test score", "Mean gain"):
        expect(summary_value(page, figure)).to_contain_text("fewer than 5")
    expect(page.get_by_role("table", name="By area of the model")).to_have_count(0)
    expect(page.locator("svg[role='img']")).to_have_count(0)
    check_page(page, "reports-gain")

    # Form A's questions (every pre-test) and form B's (every first post-test), in pages,
    # each with its full text and plain-language column names.
    report_page(page, "Questions")
    expect(
        page.get_by_role("columnheader", name=re.compile("^How many got it right before"))
    ).to_be_visible()
    expect(page.get_by_text("Does it separate stronger from weaker learners").first).to_be_visible()
    check_page(page, "reports-questions")
    shown, number = 0, 1
    pages = page.get_by_role("navigation", name="Pages of questions")
    while True:
        shown += body_rows(table(page, "Question statistics")).count()
        following = pages.get_by_role("link", name=re.compile("^Next"))
        if not following.count():
            break
        following.click()
        # Count the next page's rows only once it has loaded, not the page being left.
        number += 1
        expect(pages.locator("[aria-current='page']")).to_have_text(str(number))
    assert shown == len(seeded.item_ids) + len(seeded.post_item_ids), shown
    report_page(page, "Questions")
    expect(pages.locator("[aria-current='page']")).to_have_text("1")  # not the last page
    first = body_rows(table(page, "Question statistics")).first.get_by_role("link")
    stem = first.inner_text()
    assert not stem.endswith("…"), stem
    first.click()
    expect(heading(page, "A question and the answers chosen")).to_be_visible()
    expect(page.get_by_text(stem, exact=True)).to_be_visible()
    answers = body_rows(table(page, "Answers chosen before and after the course"))
    expect(answers.filter(has_text="Right answer")).not_to_have_count(0)
    check_page(page, "reports-question")

    report_page(page, "Confidence and attitudes")
    check_page(page, "reports-confidence")

    report_page(page, "Rewording practice")
    # Bilal's version is an ultimatum: the rule is named in words, not by its id.
    expect(summary_value(page, "Most frequent problems")).to_contain_text(
        "Issues an ultimatum or an order"
    )
    expect(summary_value(page, "Most frequent problems")).not_to_contain_text("ultimatum:")
    expect(summary_value(page, "Learners who tried an exercise")).to_have_text("3")
    expect(summary_value(page, "Exercises tried")).to_have_text("5")
    # Carys's last version is constructive; Bilal's only one is an ultimatum; Amira sent
    # three example answers in her own way (demo.rewordings.own_version), as the app
    # judges them.
    good = 1 + seeded.amira_verdicts.count("constructive")
    expect(summary_value(page, "Final versions rated constructive")).to_have_text(
        f"{round(100 * good / 5, 1)}% ({good} of 5 rated)"
    )
    for text in ELSEWHERE:
        expect(page.get_by_role("main")).not_to_contain_text(text)
    check_page(page, "reports-rewording")

    # The team filter with the keyboard: only that team's learners count, on every page.
    report_page(page, "Overview")
    page.get_by_text("Filter the report").click()
    team_filter = page.get_by_label("Team", exact=True)
    tab_to(page, team_filter)  # which checks the focus can be seen
    page.keyboard.press("ArrowDown")  # from "All teams" to the first team
    expect(team_filter.locator("option:checked")).to_have_text(f"{TEAM_A} ({ORGANISATION})")
    tab_to(page, page.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]team=\d+"))
    in_team = [PROGRESS[name] for name in TEAM_A_NAMES if name in PROGRESS]
    paired = [p for p in in_team if p.pre is not None and p.posts]
    certified = [p for p in in_team if p.certified_days is not None]
    expect(summary_value(page, "Enrolled")).to_have_text(str(len(TEAM_A_NAMES)))
    expect(summary_value(page, "Completion rate")).to_have_text(
        f"{round(100 * len(certified) / len(TEAM_A_NAMES), 1)}% (n = {len(TEAM_A_NAMES)})"
    )
    check_page(page, "reports-dashboard-filtered")
    report_page(page, "Learning gain by area")
    expect(page).to_have_url(re.compile(r"[?&]team=\d+"))
    expect(page.get_by_text(
        f"Only learners with both a pre-test and a post-test count: n = {len(paired)}."
    )).to_be_visible()  # fmt: skip
    expect(summary_value(page, "Mean pre-test score")).to_have_text("fewer than 5")
    expect(page.get_by_label("Team", exact=True).locator("option:checked")).to_have_text(
        f"{TEAM_A} ({ORGANISATION})"
    )

    report_page(page, "Overview")
    page.get_by_role("link", name="Clear filters").click()
    expect(summary_value(page, "Enrolled")).to_have_text(str(enrolled))


def download_exports(page: Page, seeded: Seeded) -> None:
    """7. The learners CSV and the question statistics CSV, from the unfiltered dashboard:
    a byte-order mark, the header, this organisation's learners only, formulas defused."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download learners (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "learners-core.csv"
    raw, header, rows = read_download(download)
    assert raw.startswith(UTF8_BOM), raw[:20]
    assert header[:7] == ["name", "email", "organisation", "team", "job role", "pathway",
                          "status"], header  # fmt: skip
    assert {"pre-test %", "post-test %", "gain (points)"} <= set(header), header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # A spreadsheet would run the name as a formula: it is written as text instead.
    assert set(by_name) == ALL_NAMES - {FORMULA_NAME} | {f"'{FORMULA_NAME}"}, sorted(by_name)
    assert not any(cell.startswith("=") for row in rows for cell in row), rows
    assert {row["organisation"] for row in by_name.values()} == {ORGANISATION}
    for text in ELSEWHERE:
        assert text.encode() not in raw, text
    priya = by_name["Priya Natarajan"]
    assert (priya["email"], priya["team"], priya["job role"], priya["status"]) == (
        NEW_LEARNERS[0][1],
        TEAM_A,
        "Social worker",
        "not started",
    )
    amira, progress = by_name["Amira Hassan"], PROGRESS["Amira Hassan"]
    pre, post = progress.pre, reported_post(progress)
    assert (amira["status"], amira["modules completed"]) == ("completed", str(len(seeded.modules)))
    assert (amira["pre-test %"], amira["post-test %"], amira["gain (points)"]) == (
        str(round(seeded.percent(pre), 1)),
        str(round(seeded.percent(post), 1)),
        str(round(seeded.percent(post) - seeded.percent(pre), 1)),
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download question statistics (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "items-core.csv"
    raw, header, rows = read_download(download)
    assert raw.startswith(UTF8_BOM), raw[:20]
    assert header == ["form", "item", "tag", "question", "pre n", "pre facility %",
                      "pre corrected item-total r", "post n", "post facility %",
                      "post discrimination", "post corrected item-total r",
                      "flags"], header  # fmt: skip
    forms = [("core-a", seeded.item_ids), ("core-b", seeded.post_item_ids)]
    assert [(row[0], row[1]) for row in rows] == [(f, i) for f, ids in forms for i in ids]
    # Each learner answered their first questions right and left the rest: question i's
    # facility is the share of the form's takers who got more than i right. Everyone
    # took form A first, so form A has the pre-tests and form B the first post-tests.
    pre_scores = [p.pre for p in PROGRESS.values() if p.pre is not None]
    post_scores = [reported_post(p) for p in PROGRESS.values() if p.posts]
    for row in rows:
        item = dict(zip(header, row, strict=True))
        on_a = item["form"] == "core-a"
        scores = pre_scores if on_a else post_scores
        index = (seeded.item_ids if on_a else seeded.post_item_ids).index(item["item"])
        phase, other = ("pre", "post") if on_a else ("post", "pre")
        assert (item[f"{phase} n"], item[f"{other} n"]) == (str(len(scores)), "0"), item
        assert item[f"{phase} facility %"] == str(
            round(100 * sum(right > index for right in scores) / len(scores), 1)
        ), item
    assert "easy-at-pre" in rows[0][header.index("flags")].split(), rows[0]
