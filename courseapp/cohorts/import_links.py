"""What follows a confirmed import: set-password links for the learners it created (a
CSV file of them, given once, or an email to each, sent by a job), and a note to anyone
whose address already has an account with another organisation."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.accounts.services import (
    issue_password_link,
    make_password_link,
    tell_address_holder,
)
from courseapp.audit.services import record
from courseapp.clock import utcnow
from courseapp.cohorts.import_file import COLUMNS
from courseapp.cohorts.imports import NEW
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.extensions import db
from courseapp.jobs import queue
from courseapp.jobs.models import Job
from courseapp.reports.statistics import csv_bytes

LINKS_HEADER = ("name", "email", "team", "password link")
ALREADY_SET = "Password already set"


class LinksAlreadyGiven(Exception):
    """The links file has been downloaded once already."""


def template_csv() -> bytes:
    """An empty file with the column names, to fill in with one learner a row."""
    return csv_bytes(COLUMNS, [])


def created_learners(upload: EnrolmentImport) -> list[User]:
    """The accounts the import created that still exist (none were erased), in row order."""
    ids = [row["user_id"] for row in upload.rows if row["status"] == NEW and row.get("user_id")]
    if upload.confirmed_at is None or not ids:
        return []
    found = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [found[user_id] for user_id in ids if user_id in found]


def links_csv(upload: EnrolmentImport, actor: User) -> bytes:
    """The new learners with their set-password links, once: the download is recorded
    and a second one refused, so that the links do not spread further than needed."""
    claimed = db.session.execute(
        sa.update(EnrolmentImport)
        .where(EnrolmentImport.id == upload.id, EnrolmentImport.links_downloaded_at.is_(None))
        .values(links_downloaded_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise LinksAlreadyGiven
    db.session.refresh(upload, ["links_downloaded_at"])
    record(actor, "download-password-links", f"cohort {upload.cohort_id}")
    rows = [
        (
            user.name,
            user.email,
            user.team.name if user.team else "",
            make_password_link(user) if user.password_hash is None else ALREADY_SET,
        )
        for user in created_learners(upload)
    ]
    return csv_bytes(LINKS_HEADER, rows)


def learners_to_email(upload: EnrolmentImport) -> list[User]:
    """The new learners of an import still to set a password, who can be emailed."""
    return [u for u in created_learners(upload) if u.password_hash is None and u.active]


def email_links(upload: EnrolmentImport, actor: User) -> Job:
    """Queue an email to each new learner who has not set a password yet, with their
    link: a job sends them, and its page shows how far it has got."""
    job = queue.track("email-password-links", actor.id, upload.cohort.organisation_id,
                      total=len(learners_to_email(upload)))  # fmt: skip
    queue.enqueue("email_import_links", job, import_id=upload.id)
    record(actor, "email-password-links", f"cohort {upload.cohort_id}")
    db.session.flush()
    return job


def emailed_message(sent: int, already: int) -> str:
    """What a links job did, for its page."""
    message = f"{sent} email{'' if sent == 1 else 's'} on the way"
    if already:
        message += (f"; {already} learner{' was' if already == 1 else 's were'} already "
                    "sent a link today, so not again")  # fmt: skip
    return message


@dataclass(frozen=True)
class PasswordLink:
    user: User
    link: str | None  # None: emailed


def tell_learners_elsewhere(users: list[User], cohort: Cohort) -> None:
    """Email each person whose address was in the file but who has an account with
    another organisation, if mail is set up: they are told, the coordinator is not."""
    for user in users:
        tell_address_holder(user, cohort.organisation, "Someone tried to enrol you on",
                            "enrol this email address in a group of learners")  # fmt: skip


def send_password_links(users: list[User]) -> list[PasswordLink]:
    """Email each new learner a set-password link if mail is set up (a job sends each
    one after the request commits), else return the links for the coordinator."""
    return [PasswordLink(user, issue_password_link(user)) for user in users]
