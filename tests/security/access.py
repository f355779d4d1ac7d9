"""The access every route should have, declared once for the security tests: for each
(endpoint, method), the status each of six kinds of visitor should get, and how to
build its URL from the objects in the `world` fixture (tests/security/conftest.py).

The visitors: nobody signed in; learner A, who owns the attempts, rewording and
certificate used in the URLs; learner B in the same organisation; a coordinator of
that organisation (X); a coordinator of another organisation (Y); an administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from courseapp.accounts.models import User
from courseapp.static_files import fingerprinted

VISITORS = ("anonymous", "learner_a", "learner_b", "coordinator_x", "coordinator_y", "admin")
LEARNERS = ("learner_a", "learner_b")
COORDINATORS = ("coordinator_x", "coordinator_y")
SIGN_IN = "sign in"  # a 302 to the sign-in page, with the page asked for as next


def everyone(ok: int | str) -> dict[str, int | str]:
    return dict.fromkeys(VISITORS, ok)


def signed_in(ok: int) -> dict[str, int | str]:
    return everyone(ok) | {"anonymous": SIGN_IN}


def signed_out(ok: int, signed_in_gets: int = 302) -> dict[str, int | str]:
    """Pages for people who are not signed in (sign-in, registration)."""
    return everyone(signed_in_gets) | {"anonymous": ok}


def owner(ok: int) -> dict[str, int | str]:
    """Learner A's own things: anybody else is told they do not exist."""
    return everyone(404) | {"anonymous": SIGN_IN, "learner_a": ok}


def staff(ok: int) -> dict[str, int | str]:
    """Coordinators and administrators, each seeing only their own organisations."""
    return signed_in(ok) | dict.fromkeys(LEARNERS, 403)


def organisation_x(ok: int) -> dict[str, int | str]:
    """Something in organisation X: its coordinator and administrators only."""
    return staff(ok) | {"coordinator_y": 404}


def admins(ok: int) -> dict[str, int | str]:
    return staff(ok) | dict.fromkeys(COORDINATORS, 403)


def admins_of_x(ok: int) -> dict[str, int | str]:
    """Administrators' settings for organisation X: its own coordinator may not, and
    another organisation's coordinator is told it does not exist."""
    return organisation_x(ok) | {"coordinator_x": 403}


@dataclass(frozen=True)
class Access:
    expected: dict[str, int | str]
    url: Callable[[World], dict] = lambda _w: {}
    data: dict = field(default_factory=dict)


@dataclass
class World:
    org_x: int
    join_code: str
    cohort: int
    upload: int
    learner_a: int
    open_attempt: int
    submitted_attempt: int
    response: int
    certificate_code: str
    password_token: str
    users: dict[str, User]
    confirmed_upload: int
    email_token: str
    job: int
    unsubscribe_token: str


def _first_item(form_id: str) -> str:
    from courseapp.catalogue import course

    return course().bank.tests[form_id].items[0].id


def _org(w: World) -> dict:
    return {"org_id": w.org_x}


def _member(w: World) -> dict:
    return {"org_id": w.org_x, "user_id": w.learner_a}


def _cohort(w: World) -> dict:
    return {"cohort_id": w.cohort}


def _import(w: World) -> dict:
    return {"cohort_id": w.cohort, "import_id": w.upload}


def _confirmed(w: World) -> dict:
    return {"cohort_id": w.cohort, "import_id": w.confirmed_upload}


def _cohort_member(w: World) -> dict:
    return {"cohort_id": w.cohort, "user_id": w.learner_a}


def _open(w: World) -> dict:
    return {"attempt_id": w.open_attempt}


def _page(w: World) -> dict:
    return {"attempt_id": w.open_attempt, "number": 1}


def _submitted(w: World) -> dict:
    return {"attempt_id": w.submitted_attempt}


CORE = {"pathway_id": "core"}
MODULE = {"module_id": "welcome"}
EXERCISE = {"exercise_id": "let-him-in"}
REFLECTION = {"activity": "module", "activity_id": "welcome"}

ACCESS: dict[tuple[str, str], Access] = {
    # Public pages, and pages for people who are not signed in.
    ("static", "GET"): Access(
        everyone(200), lambda _w: {"filename": fingerprinted("images/favicon.svg")}
    ),
    ("site.index", "GET"): Access(
        everyone(302) | {"anonymous": 200, "learner_a": 200, "learner_b": 200}
    ),
    ("site.support", "GET"): Access(everyone(200)),
    ("site.exit_page", "GET"): Access(everyone(302)),
    ("site.healthz", "GET"): Access(everyone(200)),
    ("privacy.notice", "GET"): Access(everyone(200)),
    ("content.glossary", "GET"): Access(everyone(200)),
    ("assessment.verify", "GET"): Access(everyone(200), lambda w: {"code": w.certificate_code}),
    ("accounts.login", "GET"): Access(signed_out(200)),
    ("accounts.login", "POST"): Access(signed_out(200)),
    ("accounts.join", "GET"): Access(everyone(200)),
    ("accounts.join", "POST"): Access(everyone(200)),
    ("accounts.register", "GET"): Access(signed_out(200), lambda w: {"code": w.join_code}),
    ("accounts.register", "POST"): Access(signed_out(200), lambda w: {"code": w.join_code}),
    # A set-password link works for whoever holds it; the first-admin link is spent.
    ("accounts.set_password_from_link", "GET"): Access(
        everyone(200), lambda w: {"token": w.password_token}
    ),
    ("accounts.set_password_from_link", "POST"): Access(
        everyone(200), lambda w: {"token": w.password_token}
    ),
    ("accounts.forgotten_password", "GET"): Access(everyone(200)),
    ("accounts.forgotten_password", "POST"): Access(everyone(200)),
    ("certificates.check", "GET"): Access(everyone(200)),
    ("certificates.check", "POST"): Access(everyone(200)),
    # An email change link works for whoever holds it, once.
    ("accounts.confirm_email", "GET"): Access(everyone(200), lambda w: {"token": w.email_token}),
    ("accounts.confirm_email", "POST"): Access(everyone(404), lambda _w: {"token": "spent"}),
    # A new account's address confirmation link: anyone who holds it (a forged one here).
    ("accounts.confirm_address", "GET"): Access(everyone(404), lambda _w: {"token": "forged"}),
    ("accounts.confirm_address", "POST"): Access(everyone(404), lambda _w: {"token": "forged"}),
    ("accounts.first_admin", "GET"): Access(everyone(404), lambda _w: {"token": "spent"}),
    ("accounts.first_admin", "POST"): Access(everyone(404), lambda _w: {"token": "spent"}),
    # Single sign-on: starting it (an organisation with no provider is not found), the
    # provider's answer (without a state this browser started: refused), the first
    # sign-in and linking pages (nothing pending: not found), and the signed-out page
    # (nothing to offer: back to sign-in).
    ("sso.start", "GET"): Access(signed_out(404), lambda _w: {"slug": "no-such-organisation"}),
    ("sso.callback", "GET"): Access(everyone(400)),
    ("sso.first_sign_in", "GET"): Access(everyone(404)),
    ("sso.first_sign_in", "POST"): Access(everyone(404)),
    ("sso.link", "GET"): Access(everyone(404)),
    ("sso.link", "POST"): Access(everyone(404)),
    ("sso.signed_out", "GET"): Access(everyone(302)),
    # Anyone signed in: their own account, and the course (staff preview it).
    ("accounts.logout", "POST"): Access(signed_in(303)),
    ("accounts.account", "GET"): Access(signed_in(200)),
    ("accounts.send_confirmation", "POST"): Access(signed_in(303)),
    ("accounts.change_name", "GET"): Access(signed_in(200)),
    ("accounts.change_name", "POST"): Access(signed_in(200)),
    ("accounts.change_password", "GET"): Access(signed_in(200)),
    ("accounts.change_password", "POST"): Access(signed_in(200)),
    ("privacy.download", "GET"): Access(signed_in(200)),
    ("content.pathways", "GET"): Access(signed_in(200)),
    ("content.pathway", "GET"): Access(signed_in(200), lambda _w: CORE),
    ("content.module", "GET"): Access(signed_in(200), lambda _w: MODULE),
    ("content.part", "GET"): Access(
        signed_in(200), lambda _w: MODULE | {"part_slug": "how-to-use-the-course"}
    ),
    ("content.printable", "GET"): Access(signed_in(200), lambda _w: MODULE),
    ("content.summary", "GET"): Access(signed_in(200), lambda _w: MODULE),
    ("procedures.show", "GET"): Access(signed_in(200)),
    ("content.knowledge_check", "GET"): Access(signed_in(200), lambda _w: MODULE),
    ("content.knowledge_check", "POST"): Access(signed_in(200), lambda _w: MODULE),
    ("assessment.start", "GET"): Access(signed_in(200), lambda _w: CORE | {"phase": "pre"}),
    ("assessment.start", "POST"): Access(signed_in(200), lambda _w: CORE | {"phase": "post"}),
    ("rewording.practice", "GET"): Access(signed_in(200)),
    ("rewording.exercise", "GET"): Access(signed_in(200), lambda _w: EXERCISE),
    ("rewording.exercise", "POST"): Access(signed_in(200), lambda _w: EXERCISE),
    ("rewording.rate", "POST"): Access(
        signed_in(303), lambda _w: EXERCISE, data={"rating": "as-good"}
    ),
    # Each person's own CPD record; a reflection once the module is complete (it is not
    # for anyone here, so they are sent back to the module).
    ("cpd.record", "GET"): Access(signed_in(200)),
    ("cpd.record_pdf", "GET"): Access(signed_in(200)),
    ("cpd.record_csv", "GET"): Access(signed_in(200)),
    ("cpd.reflection", "GET"): Access(signed_in(302), lambda _w: REFLECTION),
    ("cpd.reflection", "POST"): Access(
        signed_in(302), lambda _w: REFLECTION, data={"learnt": "Something"}
    ),
    # Learner A's own attempts and certificate.
    ("assessment.page", "GET"): Access(owner(200), _page),
    ("assessment.page", "POST"): Access(owner(302), _page),
    ("assessment.check", "GET"): Access(owner(200), _open),
    ("assessment.submit", "POST"): Access(owner(303), _open, {"confirm_unanswered": "y"}),
    ("assessment.results", "GET"): Access(owner(200), _submitted),
    ("assessment.certificate", "GET"): Access(owner(200), lambda _w: CORE),
    ("assessment.certificate_download", "GET"): Access(owner(200), lambda _w: CORE),
    ("evaluation.give", "GET"): Access(owner(200), lambda _w: CORE),
    ("evaluation.give", "POST"): Access(
        owner(303), lambda _w: CORE, data={"useful": "4", "relevant": "4"}
    ),
    ("evaluation.decline", "POST"): Access(owner(303), lambda _w: CORE),
    # Staff pages that show only what is in the visitor's organisations.
    ("organisations.index", "GET"): Access(staff(200)),
    ("reports.dashboard", "GET"): Access(staff(200)),
    ("reports.learners", "GET"): Access(staff(200)),
    ("reports.gain", "GET"): Access(staff(200)),
    ("reports.questions", "GET"): Access(staff(200)),
    ("reports.question", "GET"): Access(
        staff(200), lambda _w: {"form_id": "core-a", "item_id": _first_item("core-a")}
    ),
    ("reports.confidence", "GET"): Access(staff(200)),
    ("reports.rewording", "GET"): Access(staff(200)),
    ("reports.export", "GET"): Access(staff(200), lambda _w: {"kind": "learners"}),
    ("reports.export_by_job", "POST"): Access(staff(303), lambda _w: {"kind": "learners"}),
    ("reports.learners_certificates", "POST"): Access(staff(303)),
    ("rewording.queue", "GET"): Access(staff(200)),
    # Things in organisation X.
    ("evaluation.report_page", "GET"): Access(
        organisation_x(200), lambda w: {"organisation": w.org_x}
    ),
    ("evaluation.export", "GET"): Access(
        organisation_x(200), lambda w: {"kind": "answers", "organisation": w.org_x}
    ),
    ("organisations.detail", "GET"): Access(organisation_x(200), _org),
    ("organisations.joining", "GET"): Access(organisation_x(200), _org),
    ("organisations.joining", "POST"): Access(organisation_x(303), _org),
    ("organisations.add_team", "POST"): Access(organisation_x(400), _org),
    ("organisations.password_link", "POST"): Access(organisation_x(200), _member),
    ("procedures.edit", "GET"): Access(organisation_x(200), _org),
    ("procedures.edit", "POST"): Access(organisation_x(400), _org),
    ("cohorts.create", "GET"): Access(organisation_x(200), _org),
    ("cohorts.create", "POST"): Access(organisation_x(200), _org),
    ("cohorts.detail", "GET"): Access(organisation_x(200), _cohort),
    # One view for both holders and both actions; each is tested in test_organisations
    # and test_cohorts too.
    ("cohorts.join_code", "POST"): Access(
        organisation_x(303),
        lambda w: {"holders": "organisations", "holder_id": w.org_x, "action": "switch"},
    ),
    ("cohorts.upload", "GET"): Access(organisation_x(200), _cohort),
    ("cohorts.upload", "POST"): Access(organisation_x(200), _cohort),
    ("cohorts.preview", "GET"): Access(organisation_x(200), _import),
    # The first confirmation imports the file; the next is told it has been imported.
    ("cohorts.confirm", "POST"): Access(organisation_x(200) | {"admin": 303}, _import),
    ("people.edit", "GET"): Access(organisation_x(200), _member),
    ("people.edit", "POST"): Access(organisation_x(200), _member),
    ("people.confirm_email", "POST"): Access(
        organisation_x(303), _member, data={"email": "new.address@example.org"}
    ),
    ("people.confirm_address", "POST"): Access(organisation_x(303), _member),
    ("people.deactivate", "POST"): Access(organisation_x(303), _member),
    ("people.reactivate", "POST"): Access(organisation_x(303), _member),
    ("cohorts.edit", "GET"): Access(organisation_x(200), _cohort),
    ("cohorts.edit", "POST"): Access(organisation_x(200), _cohort),
    ("cohorts.close", "POST"): Access(organisation_x(303), _cohort),
    ("cohorts.reopen", "POST"): Access(organisation_x(303), _cohort),
    ("cohorts.member", "GET"): Access(organisation_x(200), _cohort_member),
    ("cohorts.member", "POST"): Access(organisation_x(200), _cohort_member),
    ("cohorts.remove_member", "POST"): Access(organisation_x(303), _cohort_member),
    ("cohorts.import_template", "GET"): Access(organisation_x(200), _cohort),
    # The links file is given once: the next person to ask is told it has been.
    ("cohorts.links_csv", "POST"): Access(organisation_x(200) | {"admin": 303}, _confirmed),
    ("cohorts.email_links", "POST"): Access(organisation_x(303), _confirmed),
    ("jobs.progress", "GET"): Access(organisation_x(200), lambda w: {"job_id": w.job}),
    ("jobs.download", "GET"): Access(organisation_x(200), lambda w: {"job_id": w.job}),
    ("cohorts.imported", "GET"): Access(organisation_x(200), _confirmed),
    # A job to build the certificates is queued, and its page shown.
    ("cohorts.certificates_zip", "POST"): Access(organisation_x(303), _cohort),
    ("reports.learner", "GET"): Access(organisation_x(200), lambda w: {"user_id": w.learner_a}),
    ("assessment.grant_attempt", "GET"): Access(
        organisation_x(200), lambda w: CORE | {"user_id": w.learner_a}
    ),
    # Learner A still has attempts: told so, and sent back to their record.
    ("assessment.grant_attempt", "POST"): Access(
        organisation_x(303), lambda w: CORE | {"user_id": w.learner_a}, data={"reason": "Agreed"}
    ),
    ("rewording.review", "GET"): Access(organisation_x(200), lambda w: {"response_id": w.response}),
    ("rewording.review", "POST"): Access(
        organisation_x(200), lambda w: {"response_id": w.response}
    ),
    # Administrators only.
    ("organisations.create", "GET"): Access(admins(200)),
    ("organisations.create", "POST"): Access(admins(200)),
    ("organisations.add_coordinator", "GET"): Access(admins(200), _org),
    ("organisations.add_coordinator", "POST"): Access(admins(200), _org),
    ("organisations.logo", "GET"): Access(admins(200), _org),
    ("organisations.logo", "POST"): Access(admins(200), _org),
    ("organisations.remove_logo", "POST"): Access(admins(303), _org),
    ("privacy.erase", "GET"): Access(admins(200), _member),
    ("privacy.erase", "POST"): Access(admins(303), _member),
    ("audit.log", "GET"): Access(admins(200)),
    ("sso.settings", "GET"): Access(admins_of_x(200), _org),
    ("sso.settings", "POST"): Access(admins_of_x(200), _org),
    ("sso.remove", "GET"): Access(admins_of_x(200), _org),
    ("sso.remove", "POST"): Access(admins_of_x(303), _org),
    # The signed link in a reminder email: whoever holds it (RFC 8058 one-click POST).
    ("notices.unsubscribe", "GET"): Access(everyone(200), lambda w: {"token": w.unsubscribe_token}),
    ("notices.unsubscribe_post", "POST"): Access(
        everyone(200), lambda w: {"token": w.unsubscribe_token}
    ),
}
