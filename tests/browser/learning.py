"""A learner's steps through the course in a real browser, shared by the learner
journeys: registering with a join code, reading modules page by page, rewording
exercises, and the certificate with its public check. Answering questions is in
tests/browser/answers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Locator, Page, expect

from courseapp import catalogue
from courseapp.accounts.models import JobRole, User
from courseapp.accounts.services import make_confirmation_link
from courseapp.catalogue import bank
from courseapp.catalogue.course import Module, Pathway
from courseapp.catalogue.exercises import Exercise
from courseapp.catalogue.schema import KnowledgeCheck
from courseapp.content.models import Enrolment
from courseapp.demo.rewordings import own_version
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Sector, Team
from courseapp.rewording.services import feedback
from tests.browser.answers import answer_check, expect_checked
from tests.browser.conftest import LiveServer, check_page, heading, task_list

LOCKED = "Complete the pre-test to unlock the modules"
VERDICTS = {"needs_work": "Needs work", "constructive": "Constructive"}


@dataclass(frozen=True)
class Learner:
    """Someone who joins with their organisation's code and takes their pathway.
    rewordings: for each exercise, the versions they send, in order."""

    pathway_id: str
    organisation: str
    sector: Sector
    team: str
    join_code: str
    name: str
    email: str
    password: str
    job_role: JobRole
    rewordings: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Course:
    """What the journey needs from the loaded course for one learner. The learner is the
    first of their (new) organisation to enrol, so their form order is A then B: the
    pre-test is form A and the first post-test form B (see form_order)."""

    pathway: Pathway
    forms: tuple[bank.Test, bank.Test]  # the pathway's forms A and B
    checks: dict[str, KnowledgeCheck]  # by module id
    exercises: dict[str, Exercise]
    verdicts: dict[str, list[str]]  # exercise id: the app's verdict on each version
    # More exercises, each sent once with its first model answer, so that the learner
    # submits as many as the pathway requires before the post-test.
    more_rewordings: tuple[tuple[Exercise, str, str], ...] = ()

    @property
    def test(self) -> bank.Test:
        """The pre-test (form A)."""
        return self.forms[0]

    @property
    def post_test(self) -> bank.Test:
        """The first post-test (form B)."""
        return self.forms[1]


def form_order(live_server: LiveServer, email: str) -> int:
    """The form order the app gave the learner when they enrolled (0: A then B)."""
    with live_server.app.app_context():
        return db.session.scalar(
            sa.select(Enrolment.form_order).join(User, User.id == Enrolment.user_id)
            .where(User.email == email)
        )  # fmt: skip


def seed(live_server: LiveServer, learner: Learner) -> Course:
    """The learner's organisation, with its join code switched on and a team, in the
    live app's database; and the parts of the course the journey follows."""
    with live_server.app.app_context():
        organisation = Organisation(
            name=learner.organisation,
            sector=learner.sector,
            join_code=learner.join_code,
            join_enabled=True,
        )
        organisation.teams = [Team(name=learner.team)]
        db.session.add(organisation)
        db.session.commit()
        loaded = catalogue.course()
        pathway = loaded.pathways[learner.pathway_id]
        assert pathway.suits(learner.job_role.name), learner.job_role
        first, second = (loaded.bank.tests[f] for f in pathway.definition.test_forms)
        exercises = {
            exercise_id: loaded.rewording.exercises[exercise_id]
            for exercise_id, _ in learner.rewordings
        }
        verdicts = {
            exercise_id: [feedback(exercises[exercise_id], text).verdict for text in versions]
            for exercise_id, versions in learner.rewordings
        }
        own = [e for e in loaded.rewording.exercises.values() if pathway.id in e.pathways]
        short = pathway.definition.required_rewordings - len(exercises)
        more = tuple(
            (e, own_version(e), feedback(e, own_version(e)).verdict)
            for e in [e for e in own if e.id not in exercises][: max(0, short)]
        )
        return Course(
            more_rewordings=more,
            pathway=pathway,
            forms=(first, second),
            checks={m.id: loaded.checks[m.meta.knowledge_check] for m in pathway.modules},
            exercises=exercises,
            verdicts=verdicts,
        )


# -- Finding things ---------------------------------------------------------------------


def next_link(page: Page) -> Locator:
    """The "Next" link of the module pagination (its name also carries the next page's title)."""
    pagination = page.get_by_role("navigation", name="Module pages")
    return pagination.get_by_role("link", name=re.compile(r"^Next"))


def task_items(page: Page, heading_text: str) -> Locator:
    return task_list(page, heading_text).locator("> li")


def task_status(tasks: Locator, title: str) -> Locator:
    row = tasks.filter(has_text=re.compile(rf"^\s*{re.escape(title)}"))
    return row.locator(".govuk-task-list__status")


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def verification_address(page: Page, live_server: LiveServer) -> tuple[str, str]:
    """The public address and code printed on the certificate page."""
    certificate = page.get_by_role("region", name="Certificate")
    check_line = certificate.get_by_text(re.compile(r"^Check this certificate at "))
    verify_url = check_line.inner_text().removeprefix("Check this certificate at ").strip()
    code = verify_url.rsplit("/", 1)[-1]
    assert verify_url == f"{live_server.url}/certificates/{code}", verify_url
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    expect(certificate).to_contain_text(code)
    return verify_url, code


# -- Steps ------------------------------------------------------------------------------


def register(page: Page, live_server: LiveServer, learner: Learner) -> None:
    """From the start page to "Your training", with the join code as people type it."""
    page.goto(f"{live_server.url}/")
    expect(heading(page, "Safe & Together e-learning")).to_be_visible()
    page.get_by_role("button", name="Create an account").click()
    expect(heading(page, "Enter your join code")).to_be_visible()
    code = learner.join_code
    page.get_by_label("Enter your join code").fill(f"{code[:4]}-{code[4:]}".lower())
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, "Create your account")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/register/{code}")
    expect(page.locator(".govuk-caption-l")).to_have_text(learner.organisation)
    page.get_by_label("Full name").fill(learner.name)
    page.get_by_label("Email address").fill(learner.email)
    page.get_by_label("Your job role").select_option(label=learner.job_role.value)
    page.get_by_label("Your team").select_option(label=learner.team)
    page.get_by_label("Create a password").fill(learner.password)
    page.get_by_role("button", name="Create account").click()
    expect(heading(page, "Your training")).to_be_visible()
    expect(page.get_by_text(f"Welcome, {learner.name}.")).to_be_visible()
    confirm_address(page, live_server, learner.email)
    page.goto(f"{live_server.url}/")
    expect(heading(page, "Your training")).to_be_visible()


def confirmation_link(live_server: LiveServer, email: str) -> str:
    """The link emailed to a new learner to confirm their address (the live server
    sends no email), on the live server."""
    with live_server.app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        link = make_confirmation_link(user)
    return live_server.url + link.removeprefix(live_server.app.config["BASE_URL"])


def confirm_address(page: Page, live_server: LiveServer, email: str, scan: bool = False) -> None:
    """Follow the link and press its button, as a new learner does from their email."""
    page.goto(confirmation_link(live_server, email))
    expect(heading(page, "Confirm your email address")).to_be_visible()
    if scan:
        check_page(page, "confirm-address")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(heading(page, "Your email address is confirmed")).to_be_visible()
    if scan:
        check_page(page, "address-confirmed")


def read_module(page: Page, module: Module, check: KnowledgeCheck, *, scan: bool) -> None:
    """From a module's overview, every part in turn with "Next", then its knowledge
    check answered right. With scan, check_page on every page of the module."""
    expect(heading(page, module.title)).to_be_visible()
    expect(heading(page, "Overview", level=2)).to_be_visible()
    expect(page.get_by_role("button", name=f"Start: {module.parts[0].title}")).to_be_visible()
    if scan:
        check_page(page, "module-overview")
    contents = page.get_by_role("navigation", name="Pages in this module")
    for part in module.parts:
        next_link(page).click()
        expect(heading(page, part.title, level=2)).to_be_visible()
        expect(heading(page, module.title)).to_be_visible()
        expect(contents.locator("[aria-current=page]")).to_have_text(part.title)
        if scan:
            check_page(page, "module-part")
    next_link(page).click()
    expect(heading(page, "Knowledge check", level=2)).to_be_visible()
    if scan:
        check_page(page, "knowledge-check")
    answer_check(page, check, right=True)
    page.get_by_role("button", name="Check my answers").click()
    expect_checked(page, check, right=len(check.questions))
    if scan:
        check_page(page, "knowledge-check-feedback")


def reword(page: Page, exercise: Exercise, versions: tuple[str, ...], verdicts: list[str]) -> None:
    """One rewording exercise from the "Practise" list: each version sent in turn, with
    the app's verdict on it shown, and the list showing the last verdict."""
    nav_link(page, "Practise").click()
    expect(heading(page, "Practise constructive language")).to_be_visible()
    page.get_by_role("link", name=exercise.title, exact=True).click()
    expect(heading(page, exercise.title)).to_be_visible()
    expect(page.get_by_text(exercise.destructive)).to_be_visible()
    box = page.get_by_role("textbox", name="Your rewording")
    for number, (text, verdict) in enumerate(zip(versions, verdicts, strict=True), start=1):
        box.fill(text)
        button = "Get feedback on this version" if number > 1 else "Get feedback"
        page.get_by_role("button", name=button, exact=True).click()
        expect(heading(page, f"Feedback on version {number}", level=2)).to_be_visible()
        expect(page.locator("blockquote.app-learner-text")).to_have_text(text)
        expect(page.locator(".govuk-tag", has_text=VERDICTS[verdict]).first).to_be_visible()
        expect(heading(page, "Model answers", level=2)).to_be_visible()
    nav_link(page, "Practise").click()
    row = page.locator(".govuk-task-list__item").filter(has_text=exercise.title)
    expect(row.locator(".govuk-task-list__status")).to_have_text(VERDICTS[verdicts[-1]])


def download_certificate(page: Page, pathway: Pathway, code: str) -> None:
    """The PDF from the certificate page: named for the pathway and code, and a PDF."""
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your certificate (PDF)").click()
    check_pdf(download_info.value.suggested_filename, download_info.value.path(), pathway, code)


def check_pdf(filename: str, path: Path, pathway: Pathway, code: str) -> None:
    assert filename == f"certificate-{pathway.id}-{code}.pdf", filename
    pdf = Path(path).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    assert len(pdf) > 1024, len(pdf)


def check_verification(
    context: BrowserContext, live_server: LiveServer, learner: Learner, pathway: Pathway, url: str
) -> None:
    """The public check of a certificate, signed out: genuine, with the learner's name
    and course and never their email; the code as people type it; a wrong code."""
    code = url.rsplit("/", 1)[-1]
    stranger = context.new_page()
    response = stranger.goto(url)
    assert response is not None and response.status == 200
    expect(stranger.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(heading(stranger, "This certificate is genuine")).to_be_visible()
    details = stranger.locator(".govuk-summary-list")
    expect(details).to_contain_text(learner.name)
    expect(details).to_contain_text(pathway.title)
    expect(stranger.get_by_role("main")).not_to_contain_text(learner.email)
    assert learner.email not in stranger.content()
    check_page(stranger, "certificate-verify")

    stranger.goto(f"{live_server.url}/certificates/{code.replace('-', '').lower()}")
    expect(heading(stranger, "This certificate is genuine")).to_be_visible()

    response = stranger.goto(f"{live_server.url}/certificates/ZZZZ-ZZZZ-ZZZZ")
    assert response is not None and response.status == 404
    expect(heading(stranger, "Certificate not found")).to_be_visible()
    expect(stranger.get_by_role("main")).not_to_contain_text(learner.name)
    check_page(stranger, "certificate-not-found")
