"""Enrolling learners in a cohort from a CSV file, in two steps.

Upload: the file is read (import_file.py) and every row checked (missing fields, badly formed or
repeated email addresses, coordinators' addresses, accounts in other organisations,
unknown teams or job roles). The rows and what was found are kept in an
EnrolmentImport and shown to the coordinator; nothing else is written. Confirm: the
rows are checked again against the database as it is now and, if nothing has
changed, every valid row is imported in the caller's one transaction, so all of them
are or none are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from courseapp.accounts.models import JobRole, Role, User, normalise_email
from courseapp.audit.services import record
from courseapp.catalogue.course import Pathway
from courseapp.clock import utcnow
from courseapp.cohorts.import_file import COLUMNS, ImportFileError, read_csv
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.cohorts.services import cohort_pathway
from courseapp.content.models import Enrolment
from courseapp.content.services import next_form_order
from courseapp.database import unique_or
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, coordinator_organisations

# Unconfirmed uploads hold personal details; they are deleted after this long.
PREVIEW_MAX_AGE = timedelta(days=1)

# Row statuses
NEW = "new"  # an account will be created
EXISTING = "existing"  # an account in this organisation will be enrolled
UNCHANGED = "unchanged"  # already in this cohort: nothing to do
PROBLEM = "problem"  # not imported
WILL_IMPORT = (NEW, EXISTING)

CLOSED = "This cohort is closed, so nobody can be added to it. Reopen it first"
STAFF_ACCOUNT = (
    "This is a training coordinator's address. Coordinators cannot be enrolled as learners"
)


class AlreadyConfirmed(Exception):
    """The import has been confirmed already (a double click or a second tab)."""


# -- Checking rows --------------------------------------------------------------------


def _job_roles() -> dict[str, JobRole]:
    names = {role.name.casefold(): role for role in JobRole}
    return names | {role.value.casefold(): role for role in JobRole}


def _email_problem(email: str) -> str | None:
    if not email:
        return "Enter an email address"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Enter an email address in the correct format, like name@example.org"
    if len(email) > 320:
        return "The email address must be 320 characters or fewer"
    return None


def check_rows(cohort: Cohort, raw_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its status, its problems and what it refers to (team_id,
    job_role, user_id). Reads the database a fixed number of times, whatever the size."""
    org = cohort.organisation
    teams = {team.name.casefold(): team.id for team in org.teams}
    job_roles = _job_roles()
    emails = {normalise_email(row["email"]) for row in raw_rows if row["email"]}
    users = _users_by_email(emails)
    staff_here = _staff_here(org, users.values())
    in_cohort = _already_in_cohort(cohort, [user.id for user in users.values()])
    first_seen: dict[str, int] = {}
    checked = []
    for raw in raw_rows:
        row = {key: raw[key] for key in ("row", *COLUMNS, "extra_cells")}
        email = normalise_email(raw["email"])
        problems = []
        if row["extra_cells"]:
            problems.append("This row has more cells than there are columns. Check for a comma")
        if not row["name"]:
            problems.append("Enter a name")
        elif len(row["name"]) > 200:
            problems.append("The name must be 200 characters or fewer")
        if email_problem := _email_problem(email):
            problems.append(email_problem)
        elif email in first_seen:
            problems.append(f"This email address is also in row {first_seen[email]}")
        else:
            first_seen[email] = row["row"]
        user = users.get(email)
        if user is not None and user.id in staff_here:
            problems.append(STAFF_ACCOUNT)
        elif user is not None and (user.organisation_id != org.id or user.role != Role.LEARNER):
            # Someone else's learner, or staff the coordinators here cannot see (an
            # administrator, a coordinator elsewhere): shown as new, never named (see confirm).
            user = None
        team_id = teams.get(row["team"].casefold()) if row["team"] else None
        if row["team"] and team_id is None:
            problems.append(f"{org.name} has no team called {row['team']}")
        job_role = job_roles.get(row["job_role"].casefold()) if row["job_role"] else None
        if row["job_role"] and job_role is None:
            problems.append(f"{row['job_role']} is not one of the job roles")
        if problems:
            status = PROBLEM
        elif user is None:
            status = NEW
        else:
            status = UNCHANGED if user.id in in_cohort else EXISTING
        row.update(
            status=status,
            problems=problems,
            team_id=team_id,
            job_role_name=job_role.name if job_role else None,
            user_id=user.id if user is not None and not problems else None,
        )
        checked.append(row)
    return checked


def _users_by_email(emails: set[str]) -> dict[str, User]:
    if not emails:
        return {}
    return {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}


def _staff_here(org: Organisation, users: Iterable[User]) -> set[int]:
    """Ids of the staff accounts among these that the organisation's page shows to its
    coordinators (its members, and the coordinators who cover it): a row with one of
    these addresses is refused by name. Any other staff account is treated as an
    address held elsewhere."""
    staff = [user for user in users if user.role != Role.LEARNER]
    if not staff:
        return set()
    covering = db.session.scalars(
        sa.select(coordinator_organisations.c.user_id).where(
            coordinator_organisations.c.organisation_id == org.id,
            coordinator_organisations.c.user_id.in_([user.id for user in staff]),
        )
    )
    return {user.id for user in staff if user.organisation_id == org.id} | set(covering)


def _already_in_cohort(cohort: Cohort, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Enrolment.user_id).where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.pathway_id == cohort.pathway_id,
                Enrolment.user_id.in_(user_ids),
            )
        )
    )


# -- Upload and preview ---------------------------------------------------------------


def start_import(cohort: Cohort, actor: User, filename: str, stream: IO[bytes]) -> EnrolmentImport:
    """Read and check a file and keep the result for the preview. Imports nothing."""
    _check_open(cohort)
    rows = check_rows(cohort, read_csv(filename, stream))
    db.session.execute(
        sa.delete(EnrolmentImport).where(
            EnrolmentImport.confirmed_at.is_(None),
            EnrolmentImport.created_at < utcnow() - PREVIEW_MAX_AGE,
        )
    )
    upload = EnrolmentImport(cohort=cohort, uploaded_by=actor.id, rows=rows)
    db.session.add(upload)
    db.session.flush()
    return upload


@dataclass(frozen=True)
class Summary:
    new: int
    existing: int
    unchanged: int
    problems: int

    @property
    def to_import(self) -> int:
        return self.new + self.existing


def summary(upload: EnrolmentImport) -> Summary:
    counts = Counter(row["status"] for row in upload.rows)
    return Summary(counts[NEW], counts[EXISTING], counts[UNCHANGED], counts[PROBLEM])


def recheck(upload: EnrolmentImport) -> bool:
    """Check the rows again against the database as it is now. If anything differs
    from the preview the coordinator saw (someone registered meanwhile, a team was
    renamed), keep the new result and return False: they must look again."""
    if upload.confirmed_at is not None:
        return True
    fresh = check_rows(upload.cohort, upload.rows)
    if fresh == upload.rows:
        return True
    upload.rows = fresh
    db.session.flush()
    return False


# -- Confirming -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    created: list[User]
    summary: Summary
    elsewhere: list[User]  # new rows whose address has an account held elsewhere


CHANGED_WHILE_IMPORTING = (
    "The learners changed while the file was being imported (someone registered with "
    "an address in it). Try again"
)


def confirm(
    upload: EnrolmentImport, actor: User, on_progress: Callable[[int], None] | None = None
) -> Outcome:
    """Import every valid row of a checked upload, all or nothing: on any error
    (AlreadyConfirmed, ImportFileError) nothing of it is kept. `on_progress` is told
    how many learners have been enrolled so far, every PROGRESS_EVERY of them."""
    with unique_or(ImportFileError(CHANGED_WHILE_IMPORTING)):
        return _confirm(upload, actor, on_progress)


PROGRESS_EVERY = 50


def _confirm(
    upload: EnrolmentImport, actor: User, on_progress: Callable[[int], None] | None
) -> Outcome:
    _claim(upload)
    cohort = upload.cohort
    pathway = _check_open(cohort)
    rows = [row for row in upload.rows if row["status"] in WILL_IMPORT]
    existing_ids = [row["user_id"] for row in rows if row["status"] == EXISTING]
    new_rows = [row for row in rows if row["status"] == NEW]
    # recheck() has just confirmed that none of these is a learner of this organisation,
    # so any account found belongs to another one, or to an administrator: it is left
    # alone, not moved or named.
    elsewhere = _users_by_email({normalise_email(row["email"]) for row in new_rows})
    created = [
        _new_learner(cohort, row)
        for row in new_rows
        if normalise_email(row["email"]) not in elsewhere
    ]
    db.session.add_all(created)
    db.session.flush()
    _note_created(upload, created)
    enrolments = _enrolments(existing_ids, pathway.id)
    for number, user_id in enumerate([*existing_ids, *(user.id for user in created)], 1):
        _enrol_row(cohort, user_id, enrolments.get(user_id))
        if on_progress is not None and number % PROGRESS_EVERY == 0:
            db.session.flush()
            on_progress(number)
    db.session.flush()
    record(actor, "csv-import", f"cohort {cohort.id}")
    return Outcome(created, summary(upload), list(elsewhere.values()))


def _note_created(upload: EnrolmentImport, created: list[User]) -> None:
    """Keep the new accounts' ids in their rows, for the password links file."""
    ids = {user.email: user.id for user in created}
    rows = []
    for row in upload.rows:
        # A new row whose address has an account elsewhere created nobody: no id.
        user_id = ids.get(normalise_email(row["email"])) if row["status"] == NEW else None
        rows.append(row | {"user_id": user_id} if user_id else row)
    upload.rows = rows


def _check_open(cohort: Cohort) -> Pathway:
    if cohort.closed:
        raise ImportFileError(CLOSED)
    pathway = cohort_pathway(cohort)
    if pathway is None:
        raise ImportFileError("This cohort's pathway is no longer in the course")
    return pathway


def _claim(upload: EnrolmentImport) -> None:
    """Mark the upload confirmed, atomically: of two confirmations at once (a double
    click, two tabs) one updates the row and the other finds it already done."""
    claimed = db.session.execute(
        sa.update(EnrolmentImport)
        .where(EnrolmentImport.id == upload.id, EnrolmentImport.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyConfirmed
    db.session.refresh(upload, ["confirmed_at"])


def _new_learner(cohort: Cohort, row: dict[str, Any]) -> User:
    """An account with no password: the learner sets one from a link, which confirms
    the address too (see accounts.services.set_password_from_link)."""
    return User(
        name=row["name"],
        email=normalise_email(row["email"]),
        role=Role.LEARNER,
        job_role=JobRole[row["job_role_name"]] if row["job_role_name"] else None,
        organisation_id=cohort.organisation_id,
        team_id=row["team_id"],
    )


def _enrolments(user_ids: list[int], pathway_id: str) -> dict[int, Enrolment]:
    if not user_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Enrolment).where(
            Enrolment.user_id.in_(user_ids), Enrolment.pathway_id == pathway_id
        )
    )
    return {enrolment.user_id: enrolment for enrolment in rows}


def _enrol_row(cohort: Cohort, user_id: int, enrolment: Enrolment | None) -> Enrolment:
    """Enrol one learner in the cohort, moving an existing enrolment on its pathway."""
    if enrolment is None:
        order = next_form_order(cohort.pathway_id, cohort.id, cohort.organisation_id)
        enrolment = Enrolment(user_id=user_id, pathway_id=cohort.pathway_id, form_order=order)
        db.session.add(enrolment)
    enrolment.cohort_id = cohort.id
    return enrolment
