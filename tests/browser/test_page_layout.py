"""How pages are laid out, in a real browser, beyond what check_page looks at:

- the organisations list at 320px with text spacing increased (WCAG 2.2, 1.4.12);
- signed-in pages do not jump once they have loaded (cumulative layout shift, the
  Web Vitals measure, at a phone's 412px width), though the header's menu collapses;
- every report page, with the demonstration's data and every "details" of figures opened,
  fits in 4,000px at 1,100px wide, and the overview's first figures are on the first
  screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courseapp.accounts.models import Role
from courseapp.catalogue import course
from courseapp.demo.services import seed as seed_demo
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.organisations.services import create_organisation
from tests.browser.conftest import (
    REFLOW_WIDTH,
    LiveServer,
    check_page,
    heading,
    horizontal_overflow,
)
from tests.browser.staff import Progress, add_learner, add_staff
from tests.browser.test_people_and_cohorts import sign_in_as

ADMIN_EMAIL = "ruth.adeyemi@example.org"
ADMIN_PASSWORD = "pepper harbour violet anchor"
LEARNER_EMAIL = "sam.okafor@eastbrook.example.org"
LEARNER_PASSWORD = "meadow pylon copper tundra"
PHONE_WIDTH = 412  # a common phone's width in CSS pixels
REPORT_WIDTH = 1100
MAX_HEIGHT = 4000
FIRST_SCREEN = 900  # a laptop's window, less the browser's own bars

# Adds up the layout shifts the browser reports from the start of loading, leaving out
# those just after input (as the Web Vitals measure does).
LAYOUT_SHIFT_OBSERVER = """
window.appLayoutShift = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.appLayoutShift += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.mark.browser
def test_organisations_fit_320px_with_text_spacing(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        add_staff("Ruth Adeyemi", ADMIN_EMAIL, ADMIN_PASSWORD, Role.ADMIN)
        for name, sector in [
            ("Eastbrook Borough Council", Sector.LOCAL_AUTHORITY),
            ("Fernhill Health Board", Sector.HEALTH),
            ("Northfield Early Years Partnership", Sector.EDUCATION),
        ]:
            create_organisation(name, sector)  # fmt: skip
        db.session.commit()
    sign_in_as(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/organisations/")
    expect(page.get_by_role("table", name="Organisations you manage")).to_be_visible()
    assert horizontal_overflow(page, "organisations") == 0
    assert horizontal_overflow(page, "organisations", spaced=True) == 0, (
        f"the organisations list scrolls sideways at {REFLOW_WIDTH}px with text spacing"
    )


def layout_shift(page: Page, url: str) -> float:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(500)  # shifts are reported a moment after they happen
    return page.evaluate("() => window.appLayoutShift")


@pytest.mark.browser
def test_signed_in_pages_do_not_shift_at_a_phones_width(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        org = create_organisation("Eastbrook Borough Council", Sector.LOCAL_AUTHORITY)
        add_learner(org, "Sam Okafor", LEARNER_EMAIL, password=LEARNER_PASSWORD,
                    progress=Progress(pre=20, modules=2))  # fmt: skip
        add_staff("Ruth Adeyemi", ADMIN_EMAIL, ADMIN_PASSWORD, Role.ADMIN)
        db.session.commit()
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 915})
    page.add_init_script(LAYOUT_SHIFT_OBSERVER)
    sign_in_as(page, live_server, LEARNER_EMAIL, LEARNER_PASSWORD)
    shifts = {path: layout_shift(page, live_server.url + path) for path in ("/", "/account")}
    sign_in_as(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    shifts |= {path: layout_shift(page, live_server.url + path) for path in ("/organisations/",)}
    # The menu is collapsed behind its button, and opens when asked.
    menu = page.get_by_role("button", name="Menu")
    expect(page.get_by_role("link", name="Audit log")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
    print("Cumulative layout shift at 412px wide:", shifts)
    assert all(shift < 0.01 for shift in shifts.values()), shifts


REPORT_PAGES = ["/reports/", "/reports/learners", "/reports/gain", "/reports/questions",
                "/reports/evaluation",
                "/reports/confidence", "/reports/rewording"]  # fmt: skip


def page_height(page: Page, url: str) -> int:
    """The page's full height in CSS pixels, with every "details" of figures on it opened
    (the checks on the tests, tables behind charts): all but the filter form's."""
    page.goto(url)
    page.evaluate(
        "() => document.querySelectorAll('details:not(:has(form))').forEach(d => d.open = true)"
    )
    return page.evaluate("() => document.documentElement.scrollHeight")


@pytest.mark.slow
@pytest.mark.browser
def test_report_pages_fit_4000px_with_the_demonstration(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        demo = seed_demo()  # as `flask seed-demo` makes it: 300 learners
        admin_email = demo.staff[0][2]
        form = course().pathways["core"].definition.test_forms[0]
        item = course().bank.tests[form].items[0].id
    page.set_viewport_size({"width": REPORT_WIDTH, "height": FIRST_SCREEN})
    sign_in_as(page, live_server, admin_email, demo.password)
    heights = {
        path: page_height(page, live_server.url + path)
        for path in [*REPORT_PAGES, f"/reports/questions/{form}/{item}"]
    }
    print("Report page heights at 1,100px wide, details of figures opened:", heights)
    too_tall = {path: height for path, height in heights.items() if height > MAX_HEIGHT}
    assert not too_tall, f"taller than {MAX_HEIGHT}px at {REPORT_WIDTH}px wide: {too_tall}"
    # The gain page with enough learners for every figure: its area table and chart.
    page.goto(f"{live_server.url}/reports/gain")
    expect(page.get_by_role("table", name="By area of the model")).to_be_visible()
    expect(page.locator("svg[role='img']")).to_have_count(1)
    check_page(page, "reports-gain-demonstration")
    # The overview's headline figures start on the first screen.
    page.goto(f"{live_server.url}/reports/")
    expect(heading(page, "Overview")).to_be_visible()
    first = page.locator("main .govuk-summary-list").first.bounding_box()
    assert first is not None and first["y"] < FIRST_SCREEN, first
