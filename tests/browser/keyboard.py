"""Working a page with the keyboard alone, as someone who cannot use a mouse does.

Focus moves with Tab; links and buttons are activated with Enter; radios are chosen
with the arrow keys and Space, checkboxes with Space and selects with the arrow keys;
text is typed. Nothing is clicked, checked or filled through Playwright's element
methods. Every focus stop used is checked for a focus indicator a sighted keyboard
user can see.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from courseapp.catalogue import bank
from courseapp.catalogue.course import Module
from courseapp.catalogue.items import SCALES, SCHEMES, ItemBase
from courseapp.catalogue.kinds import field_name
from courseapp.catalogue.schema import KnowledgeCheck
from tests.browser.answers import (
    SAVED,
    autosave_status,
    check_group,
    classification_answer,
    expect_checked,
    first_field,
    question,
)
from tests.browser.conftest import heading
from tests.browser.learning import next_link

# More Tab presses than any page of the course needs to reach its last control.
MAX_TABS = 300

# GOV.UK Frontend draws every focus indicator in its yellow focus colour: the outline
# or shadow of a field, the background of a link or button. Radios and checkboxes hide
# the native input and draw the ring on their label's ::before. (A colour check, since
# GOV.UK buttons carry a box shadow whether focused or not.)
FOCUS_YELLOW = "rgb(255, 221, 0)"
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const drawn = element.matches(".govuk-radios__input, .govuk-checkboxes__input")
    ? getComputedStyle(element.labels[0], "::before") : getComputedStyle(element);
  return {
    element: element.outerHTML.slice(0, 160),
    outline: drawn.outlineStyle === "none" ? "none" : `${drawn.outlineWidth} ${drawn.outlineColor}`,
    shadow: drawn.boxShadow,
    background: drawn.backgroundColor,
  };
}"""
IS_FOCUSED = "element => element === document.activeElement"


def assert_focus_visible(page: Page) -> None:
    """The focused element shows GOV.UK's yellow focus indicator."""
    style = page.evaluate(FOCUS_STYLE)
    assert style is not None, f"nothing is focused on {page.url}"
    drawn = (style["outline"], style["shadow"], style["background"])
    assert any(FOCUS_YELLOW in value for value in drawn), f"no visible focus: {style}"


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has focus (failing after MAX_TABS), and check that
    the focus can be seen."""
    page.mouse.move(0, 0)  # so that no :hover style stands in for the focus style
    element = target.element_handle()
    for _ in range(MAX_TABS):
        if element.evaluate(IS_FOCUSED):
            assert_focus_visible(page)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target} on {page.url}")


def tab_into(page: Page, controls: Locator) -> None:
    """Press Tab until one of these controls (a radio group's radios) has focus."""
    for _ in range(MAX_TABS):
        if controls.evaluate_all("all => all.includes(document.activeElement)"):
            assert_focus_visible(page)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {controls} on {page.url}")


def activate(page: Page, target: Locator) -> None:
    """Tab to a link or button and press Enter."""
    tab_to(page, target)
    page.keyboard.press("Enter")


def choose_radio(page: Page, group: Locator, label: str) -> None:
    """Tab into a radio group, then move to the wanted radio with the arrow keys (which
    selects it) or, if focus landed on it, select it with Space."""
    radios = group.get_by_role("radio")
    target = group.get_by_label(label, exact=True)
    tab_into(page, radios)
    element = target.element_handle()
    for _ in range(radios.count()):
        if element.evaluate(IS_FOCUSED):
            break
        page.keyboard.press("ArrowDown")
    else:
        raise AssertionError(f"the arrow keys never reached the radio {label!r}")
    if not target.is_checked():
        page.keyboard.press("Space")
    expect(target).to_be_checked()
    assert_focus_visible(page)


def set_checkbox(page: Page, checkbox: Locator, checked: bool) -> None:
    """Tab to a checkbox and press Space if it is not as wanted."""
    tab_to(page, checkbox)
    if checkbox.is_checked() != checked:
        page.keyboard.press("Space")
    expect(checkbox).to_be_checked(checked=checked)


def choose_option(page: Page, select: Locator, label: str) -> None:
    """Tab to a select and move through its options with the arrow keys until the one
    with this label is chosen."""
    tab_to(page, select)
    options = select.locator("option").all_inner_texts()
    wanted = [text.strip() for text in options].index(label)
    page.keyboard.press("Home")
    for _ in range(wanted):
        page.keyboard.press("ArrowDown")
    expect(select.locator("option:checked")).to_have_text(label)
    assert_focus_visible(page)


def type_into(page: Page, field: Locator, text: str, *, replace: bool = False) -> None:
    """Tab to a text field and type, first selecting what is there to type over it."""
    tab_to(page, field)
    if replace:
        page.keyboard.press("Control+A")
    page.keyboard.type(text)
    expect(field).to_have_value(text)


def skip_link_works(page: Page) -> None:
    """On a freshly loaded page the first Tab stop is the skip link, and Enter on it
    moves focus to the main content (once GOV.UK Frontend has set the skip link up)."""
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate(IS_FOCUSED), f"the first Tab stop on {page.url} is not the skip link"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


# -- The course's own controls, by keyboard ----------------------------------------------


def answer_check(page: Page, check: KnowledgeCheck) -> None:
    """Every question of a knowledge check answered right, then sent with Enter."""
    for number, item in enumerate(check.questions, start=1):
        group = check_group(page, check, number)
        if item.kind == "single":
            right = next(option for option in item.options if option.correct)
            choose_radio(page, group, right.text)
        else:
            for option in item.options:
                set_checkbox(page, group.get_by_label(option.text, exact=True), option.correct)
    activate(page, page.get_by_role("button", name="Check my answers"))
    expect_checked(page, check, right=len(check.questions))


def answer_item(page: Page, item: ItemBase, right: bool) -> None:
    """A test item answered all right or all wrong, its options in the order shown."""
    group = question(page, item)
    if item.kind in ("single", "scenario"):
        chosen = item.correct if right else next(o.id for o in item.options if o.id != item.correct)
        choose_radio(page, group, next(o.text for o in item.options if o.id == chosen))
    elif item.kind == "true-false":
        choose_radio(page, group, "True" if item.correct == right else "False")
    elif item.kind == "multiple":
        for checkbox in group.get_by_role("checkbox").all():
            value = checkbox.get_attribute("value")
            set_checkbox(page, checkbox, (value in item.correct) == right)
    elif item.kind == "classification":
        statements = {field_name(item.id, s.id): s for s in item.statements}
        for select in group.locator("select").all():
            statement = statements[select.get_attribute("name")]
            category = classification_answer(item, statement, right)
            choose_option(page, select, SCHEMES[item.scheme][category])
    else:  # pragma: no cover - a new kind needs teaching to this test
        raise AssertionError(f"no way to answer a {item.kind} item")


def take_test(page: Page, test: bank.Test, name: str, *, right: bool, rating: int) -> None:
    """From a test's first page: the self-ratings, then every question page, each sent
    with "Save and continue", up to the check-your-answers page; then submitted."""
    expect(heading(page, "How confident do you feel?")).to_be_visible()
    attempt_url = re.sub(r"/pages/\d+$", "", page.url)
    for entry in test.ratings:
        choose_radio(page, question(page, entry), SCALES[entry.scale][rating])
    expect(autosave_status(page)).to_have_text(SAVED)
    remaining = list(test.items)
    number = 1
    while remaining:
        activate(page, page.get_by_role("button", name="Save and continue"))
        number += 1
        expect(page).to_have_url(f"{attempt_url}/pages/{number}")
        expect(heading(page, "Questions")).to_be_visible()
        on_page = [i for i in remaining if page.locator(f'[name="{first_field(i)}"]').count()]
        assert on_page, f"no item of the test on {page.url}"
        for item in on_page:
            answer_item(page, item, right)
        remaining = [item for item in remaining if item not in on_page]
    activate(page, page.get_by_role("button", name="Save and continue"))
    expect(heading(page, "Check your answers before you submit")).to_be_visible()
    expect(page.get_by_text("Not answered")).to_have_count(0)
    activate(page, page.get_by_role("button", name=f"Submit {name.lower()}"))


def read_module(page: Page, module: Module, check: KnowledgeCheck) -> None:
    """From a module's overview, every part with "Next", then its knowledge check."""
    expect(heading(page, module.title)).to_be_visible()
    expect(heading(page, "Overview", level=2)).to_be_visible()
    for part in module.parts:
        activate(page, next_link(page))
        expect(heading(page, part.title, level=2)).to_be_visible()
    activate(page, next_link(page))
    expect(heading(page, "Knowledge check", level=2)).to_be_visible()
    answer_check(page, check)
