"""Answering the course's questions in a real browser, by their labels: knowledge
checks, and test items and self-ratings (whose options are shuffled for every attempt,
so they are never found by position). The right answers are read from the loaded
course; the results of a test are checked against it too.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from courseapp.catalogue import bank
from courseapp.catalogue.items import SCALES, SCHEMES, TAG_LABELS, ItemBase, SelfRating
from courseapp.catalogue.kinds import field_name
from courseapp.catalogue.schema import KnowledgeCheck
from tests.browser.conftest import check_page, heading

SAVED = "Your answers have been saved."


def check_group(page: Page, check: KnowledgeCheck, number: int) -> Locator:
    """A knowledge check question's fieldset, by its legend."""
    stem = check.questions[number - 1].stem
    return page.get_by_role("group", name=f"{number}. {stem}", exact=True)


def first_field(entry: ItemBase | SelfRating) -> str:
    """The name of an entry's (first) input: a classification has one select per statement."""
    if getattr(entry, "kind", None) == "classification":
        return field_name(entry.id, entry.statements[0].id)
    return field_name(entry.id)


def question(page: Page, entry: ItemBase | SelfRating) -> Locator:
    """The fieldset (role group) that holds a test item's or self-rating's inputs."""
    return page.get_by_role("group").filter(has=page.locator(f'[name="{first_field(entry)}"]'))


def autosave_status(page: Page) -> Locator:
    return page.locator("form[data-autosave]").get_by_role("status")


def page_count(page: Page) -> int:
    caption = page.locator(".govuk-caption-l").inner_text()
    match = re.search(r"page 1 of (\d+)", caption)
    assert match, caption
    return int(match.group(1))


def chosen_options(check: KnowledgeCheck, number: int, right: bool) -> set[str]:
    """The options to tick for a question: the right ones, or a wrong answer."""
    item = check.questions[number - 1]
    if right:
        return set(item.correct_ids)
    if item.kind == "single":
        return {next(o.id for o in item.options if not o.correct)}
    return {o.id for o in item.options} - item.correct_ids


def answer_check(page: Page, check: KnowledgeCheck, *, right: bool) -> None:
    """Answer every question of a knowledge check, all right or all wrong."""
    for number, item in enumerate(check.questions, start=1):
        group = check_group(page, check, number)
        chosen = chosen_options(check, number, right)
        for option in item.options:
            control = group.get_by_label(option.text, exact=True)
            expect(control).to_have_attribute("value", option.id)
            if option.id in chosen:
                control.check()
            elif item.kind == "multiple":
                control.uncheck()


def choose(group: Locator, label: str, value: str) -> Locator:
    """Check the radio or checkbox with this label, making sure it sends this value."""
    control = group.get_by_label(label, exact=True)
    expect(control).to_have_attribute("value", value)
    control.check()
    return control


def answer(page: Page, item: ItemBase, right: bool) -> None:
    """Answer a test item all right, or (for the pre-test) all wrong."""
    group = question(page, item)
    if item.kind in ("single", "scenario"):
        chosen = item.correct if right else next(o.id for o in item.options if o.id != item.correct)
        choose(group, next(o.text for o in item.options if o.id == chosen), chosen)
    elif item.kind == "multiple":
        for option in item.options:
            if (option.id in item.correct) == right:
                choose(group, option.text, option.id)
            else:
                group.get_by_label(option.text, exact=True).uncheck()
    elif item.kind == "true-false":
        value = item.correct if right else not item.correct
        choose(group, "True" if value else "False", "true" if value else "false")
    elif item.kind == "classification":
        for statement in item.statements:
            group.get_by_label(statement.text, exact=True).select_option(
                classification_answer(item, statement, right)
            )
    else:  # pragma: no cover - a new kind needs teaching to this test
        raise AssertionError(f"no way to answer a {item.kind} item")


def classification_answer(item: ItemBase, statement, right: bool) -> str:
    if right:
        return statement.answer
    return next(key for key in SCHEMES[item.scheme] if key != statement.answer)


def rate(page: Page, ratings: tuple[SelfRating, ...], choice: int) -> None:
    for rating in ratings:
        label = SCALES[rating.scale][choice]
        choose(question(page, rating), label, str(choice + 1))


def answer_questions(
    page: Page, test: bank.Test, name: str, *, right: bool, scan: bool = False, first: int = 2
):
    """From the first question page (page 2, after the self-ratings; `first` for a test
    without them), answer every item
    on every page with "Save and continue", up to the check-your-answers page. With
    scan, axe checks the first question page and the first page with each other kind
    of input: selects (a classification item) and checkboxes."""
    attempt_url = re.sub(r"/pages/\d+$", "", page.url)
    number = first
    scanned: set[str] = set()
    remaining = list(test.items)
    while remaining:
        expect(page).to_have_url(f"{attempt_url}/pages/{number}")
        expect(heading(page, "Questions")).to_be_visible()
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"{name} · page {number} of")
        on_page = [i for i in remaining if page.locator(f'[name="{first_field(i)}"]').count()]
        assert on_page, f"no item of the test on page {number}"
        for item in on_page:
            answer(page, item, right)
        remaining = [item for item in remaining if item not in on_page]
        if scan:
            here = {
                "questions": True,
                "classification": page.locator("select").count() > 0,
                "checkboxes": page.get_by_role("checkbox").count() > 0,
            }
            new = [kind for kind, found in here.items() if found and kind not in scanned]
            if new:  # one scan covers every kind of input first seen on this page
                check_page(page, f"test-{new[0]}")
                scanned |= set(new)
        page.get_by_role("button", name="Save and continue").click()
        number += 1
    if scan:  # every kind of input the form uses was scanned
        kinds = {item.kind for item in test.items}
        expected = {"questions"} | {"classification"} & kinds
        expected |= {"checkboxes"} if "multiple" in kinds else set()
        assert scanned == expected, (scanned, expected)
    expect(page).to_have_url(f"{attempt_url}/check")


def expect_checked(page: Page, check: KnowledgeCheck, *, right: int) -> None:
    """The knowledge check's answers have been checked: this many of them right. Every
    answer right completes the module (its parts have all been opened first); any wrong
    one does not, and no right answer the learner did not choose is shown."""
    questions = len(check.questions)
    expect(page).to_have_title(re.compile(r"^Answers checked: "))
    result = page.get_by_role("region", name="Answers checked").or_(
        page.get_by_role("alert").filter(has_text="Answers checked")
    )
    expect(result).to_contain_text(f"You answered {right} of {questions} questions right.")
    if right == questions:
        expect(result).to_contain_text("This module is now complete")
    else:
        expect(result).not_to_contain_text("This module is now complete")
    expect(page.get_by_text(re.compile(r"Your answer is right\."))).to_have_count(right)
    wrong = page.get_by_text(re.compile(r"Your answer is not quite right[.:]"))
    expect(wrong).to_have_count(questions - right)
    expect(page.get_by_text("You missed this right answer")).to_have_count(0)
    expect(page.get_by_role("button", name="Check my answers again")).to_be_visible()


def check_results(page: Page, test: bank.Test) -> None:
    """The post-test results of a learner who got everything right: the score, area by
    area (the post-test's only: the pre-test's scores are never shown), and feedback on
    every question."""
    tags = list(dict.fromkeys(item.tag for item in test.items))
    expect(heading(page, "Your post-test results")).to_be_visible()
    expect(heading(page, "You passed", level=2)).to_be_visible()
    expect(page.locator(".govuk-panel")).to_contain_text("Your score: 100%")
    table = page.get_by_role("table", name="Score by area of the model")
    expect(table.get_by_role("columnheader")).to_have_text(["Area", "Score"])
    expect(table.locator("tbody tr")).to_have_count(len(tags))
    for tag in tags:
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=TAG_LABELS[tag], exact=True)
        )
        expect(row.get_by_role("cell")).to_have_text(["100%"])

    expect(heading(page, "Feedback on each question", level=2)).to_be_visible()
    reviews = page.locator(".app-review")
    expect(reviews).to_have_count(len(test.items))
    for number, item in enumerate(test.items, start=1):
        review = reviews.nth(number - 1)
        expect(heading(review, f"{number}. {item.stem}", level=3)).to_be_visible()
        expect(review.locator(".govuk-tag")).to_have_text("Right")
        expect(review).to_contain_text(item.explanation)
        if item.kind == "classification":
            for statement in item.statements:
                label = SCHEMES[item.scheme][statement.answer]
                expect(
                    review.get_by_role("row").filter(has_text=statement.text).get_by_role("cell")
                ).to_have_text([statement.text, label, label])
        else:
            rights = len(item.correct) if item.kind == "multiple" else 1
            expect(review.get_by_text("(your answer)")).to_have_count(rights)
            expect(review.get_by_text("(right answer)")).to_have_count(rights)
            expect(review.locator("li").filter(has_text="(your answer)")).to_contain_text(
                ["(right answer)"] * rights
            )
