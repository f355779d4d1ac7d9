"""Getting set-password links to the learners an import created: a CSV file of them,
given once, or an email to each. Kept apart from the request so that a job queue can
send a large import's emails later."""

from __future__ import annotations

import smtplib

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.accounts.services import issue_password_link, make_password_link
from courseapp.audit.services import record
from courseapp.clock import utcnow
from courseapp.cohorts.imports import COLUMNS, NEW, PasswordLink
from courseapp.cohorts.models import EnrolmentImport
from courseapp.extensions import db
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


def email_links(upload: EnrolmentImport, actor: User) -> list[PasswordLink]:
    """Email each new learner who has not set a password yet their link. Any that cannot
    be sent come back with the link, for the coordinator to pass on."""
    results = []
    for user in created_learners(upload):
        if user.password_hash is not None or not user.active:
            continue
        try:
            link = issue_password_link(user)
        except (OSError, smtplib.SMTPException):
            link = make_password_link(user)
        results.append(PasswordLink(user, link))
    record(actor, "email-password-links", f"cohort {upload.cohort_id}")
    db.session.flush()
    return results
