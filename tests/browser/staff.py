"""Shared by the coordinator and administrator journeys: finding things on staff pages,
CSV files in and out, and learners whose progress is written through
the app's own services (enrolment, module progress, tests, certificates, rewordings),
so that what a coordinator follows is what the app itself would have stored."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Download, Locator, Page

from courseapp.accounts.models import JobRole, Role, User
from courseapp.accounts.passwords import hash_password
from courseapp.assessment import attempts, journey
from courseapp.assessment.models import Phase, TestAttempt
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.demo.answers import as_form, item_answer
from courseapp.demo.rewordings import own_version
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, Team
from courseapp.rewording import services as rewording
from courseapp.rewording.models import SelfRating

UTF8_BOM = b"\xef\xbb\xbf"


# -- Finding things on the page -------------------------------------------------------


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def summary_value(page: Page, key: str) -> Locator:
    """The value of a GOV.UK summary list row, found by the row's key."""
    return page.locator(f'dt.govuk-summary-list__key:text-is("{key}") + dd')


def table(page: Page, caption: str) -> Locator:
    return page.get_by_role("table", name=caption, exact=True)


def body_rows(table_: Locator) -> Locator:
    return table_.locator("tbody tr")


# -- CSV files ------------------------------------------------------------------------


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """A file as a spreadsheet saves it: the column names, then one learner a row."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["name", "email", "team", "job_role"])
        writer.writerows(rows)
    return path


def read_download(download: Download) -> tuple[bytes, list[str], list[list[str]]]:
    """A downloaded CSV file: its bytes, its header and its rows."""
    raw = Path(download.path()).read_bytes()
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return raw, header, rows


# -- Seeding through the app's services -----------------------------------------------


def add_staff(name: str, email: str, password: str, role: Role, *orgs: Organisation) -> User:
    """A coordinator covering `orgs` (the first is their own), or an administrator."""
    person = User(name=name, email=email, password_hash=hash_password(password), role=role,
                  organisation=orgs[0] if orgs else None, email_confirmed_at=utcnow())  # fmt: skip
    person.covered_organisations = list(orgs)
    db.session.add(person)
    db.session.flush()
    return person


@dataclass(frozen=True)
class Progress:
    """How far a learner has got. Test scores are given as the number of questions
    answered right (the others are left blank, and blanks count 0). Post-tests alternate
    forms: the first, third... are on the other form from the pre-test, and only those
    are paired with it in the reports (see reported_post)."""

    pre: int | None = None
    modules: int | None = 0  # completed, in the pathway's order; None: all of them
    visited_next: bool = False  # opened the module after those, without finishing it
    posts: tuple[int, ...] = ()
    certified_days: int | None = None  # days from enrolment to certificate
    # (exercise id, the versions sent in order (none: its first model answer), the
    # learner's rating of the last)
    rewordings: tuple[tuple[str, tuple[str, ...], SelfRating | None], ...] = ()


def reported_post(progress: Progress) -> int:
    """The post-test score the reports pair with the pre-test: the best on the other form."""
    return max(progress.posts[::2])


def take_test(learner: User, phase: Phase, right: int, pathway_id: str = "core") -> TestAttempt:
    """Start, answer and submit a test: the first `right` questions right, the rest blank.
    The answers go through the test's own form parser, as a browser would send them."""
    pathway = content.course().pathways[pathway_id]
    attempt = attempts.start_or_resume(learner, pathway, phase)
    test = attempts.test_of(attempt)
    rng = random.Random(0)  # with every answer right, nothing is left to chance
    answers = {item.id: item_answer(item, 1.0, rng) for item in test.items[:right]}
    parsed: dict[str, object] = {}
    for entries in attempts.pages(attempt):
        parsed |= attempts.parse_page(entries, as_form(entries, answers))
    attempts.save_answers(attempt, parsed)
    attempts.submit(attempt, pathway.definition.pass_mark)
    assert attempt.score == right / len(test.items), (attempt.score, right)
    return attempt


def add_learner(
    org: Organisation,
    name: str,
    email: str,
    *,
    team: Team | None = None,
    job_role: JobRole = JobRole.SOCIAL_WORKER,
    progress: Progress | None = None,
    password: str | None = None,
) -> User:
    """A learner on the core pathway who has got as far as `progress` says."""
    progress = progress or Progress()
    learner = User(name=name, email=email, role=Role.LEARNER, job_role=job_role,
                   organisation=org, team=team, email_confirmed_at=utcnow(),
                   password_hash=hash_password(password) if password else None)  # fmt: skip
    db.session.add(learner)
    db.session.flush()
    pathway = content.course().pathways["core"]
    enrolment = content.enrol(learner, pathway)
    # Every seeded learner takes form A first (the app alternates orders within an
    # organisation), so that the reports' figures can be worked out by hand.
    enrolment.form_order = 0
    if progress.pre is not None:
        take_test(learner, Phase.PRE, progress.pre)
    done = len(pathway.modules) if progress.modules is None else progress.modules
    for module in pathway.modules[:done]:
        content.record_completion(learner, module)
    if progress.visited_next:
        module = pathway.modules[done]
        content.record_visit(learner, module, module.parts[0].slug if module.parts else None)
    # Rewordings before the post-test, which waits for the pathway's required number.
    for exercise_id, versions, rating in progress.rewordings:
        exercise = rewording.exercise_or_404(exercise_id)
        for text in versions or (own_version(exercise, learner.id),):
            response = rewording.submit(learner, exercise, text)
        if rating is not None:
            rewording.rate(response, rating)
    certificate = None
    for right in progress.posts:
        attempt = take_test(learner, Phase.POST, right)
        certificate = journey.award_certificate(learner, pathway, attempt) or certificate
    assert (certificate is not None) is (progress.certified_days is not None), name
    if certificate is not None:
        enrolment.enrolled_at = certificate.issued_at - timedelta(days=progress.certified_days)
    db.session.flush()
    return learner
