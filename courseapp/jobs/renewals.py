"""The daily sweep's renewal work: reminders 60 and 14 days before a certificate
lapses, then, once it has lapsed, a renewal round and an email saying so.

Each notice is claimed once per learner, kind and certificate (see notices.claim), so a
second run sends nothing twice. A missed day is caught up: the sweep sends whichever
reminder is current, so after a gap it sends the 14-day one, never a stale 60-day one.
Reminders respect a learner's choice to stop them; the lapse email tells the learner
about a change to their training (a new enrolment), so it is always sent. Without a
mail server (MAIL_SERVER unset) no email is sent, and lapsed certificates are still
renewed.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from courseapp.accounts.models import Role, User
from courseapp.assessment import renewal
from courseapp.assessment.models import Certificate, Renewal
from courseapp.catalogue import course
from courseapp.catalogue.course import Pathway
from courseapp.extensions import db
from courseapp.jobs.notices import claim
from courseapp.links import external_url
from courseapp.mail import compose, mail_configured, queue_email

# (kind, days before the last current day it is sent on or after)
REMINDERS = (("renewal-60-days", 60), ("renewal-14-days", 14))
LAPSED = "renewal-lapsed"


def reminder_due(valid_until: date, on: date) -> str | None:
    """The renewal reminder current on `on`: the latest whose day has come, until the
    certificate lapses."""
    if on > valid_until:
        return None
    current = None
    for kind, days in REMINDERS:
        if on >= valid_until - timedelta(days=days):
            current = kind
    return current


def _certificates(on: date):
    """Certificates with a last current day within the reminder window or past, that
    have not been renewed and have no renewal round yet, of active learners."""
    newer = aliased(Certificate)
    return db.session.execute(
        sa.select(Certificate, User)
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.valid_until.is_not(None),
            Certificate.valid_until <= on + timedelta(days=REMINDERS[0][1]),
            User.active.is_(True),
            User.role == Role.LEARNER,
            ~sa.exists().where(newer.renewal_of_id == Certificate.id),
            ~sa.exists().where(Renewal.certificate_id == Certificate.id),
        )
        .order_by(Certificate.id)
    ).all()


def send_renewal_notices(on: date) -> int:
    """Send the renewal reminders due on `on` and start the renewal rounds of the
    certificates that have lapsed. Returns how many emails were sent."""
    sent = 0
    mail_on = mail_configured()
    for certificate, learner in _certificates(on):
        pathway = course().pathways.get(certificate.pathway_id)
        if pathway is None:
            continue
        if on > certificate.valid_until:
            if claim(learner.id, LAPSED, certificate.code):
                started = renewal.start_renewal(certificate)
                if started is not None and mail_on:
                    queue_email(_lapsed_email(learner, certificate, pathway))
                    sent += 1
            continue
        kind = reminder_due(certificate.valid_until, on)
        if kind is None or learner.reminders_off_at is not None or not mail_on:
            continue
        if claim(learner.id, kind, certificate.code):
            queue_email(_reminder_email(learner, certificate, pathway))
            sent += 1
    return sent


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


def _starting_again(renewing: Pathway) -> str:
    """What a renewal round starts again (renewal.start_renewal), in plain words."""
    test = " and take the post-test again" if renewing.definition.test_forms else ""
    return f"You will start its modules again from the beginning{test}."


def _reminder_email(learner: User, certificate: Certificate, pathway: Pathway) -> dict:
    following = renewal.renewal_pathway(pathway.id) or pathway
    title = pathway.title
    again = "take the course again" if following.id == pathway.id else f"take {following.title}"
    body = (
        f"Hello {learner.name},\n\n"
        f"Your certificate for {title} is current until {_day(certificate.valid_until)}.\n\n"
        "To keep it current, the training needs renewing. The day after that date we "
        f"will enrol you so that you can {again}. {_starting_again(following)} Your "
        "certificate will still show when you completed the course.\n\n"
        f"See your training: {external_url('site.index')}\n"
    )
    subject = f"Your certificate for {title} is current until {_day(certificate.valid_until)}"
    return compose(learner.email, subject, body, reminder_for=learner.id)


def _lapsed_email(learner: User, certificate: Certificate, pathway: Pathway) -> dict:
    following = renewal.renewal_pathway(pathway.id) or pathway
    title = pathway.title
    body = (
        f"Hello {learner.name},\n\n"
        f"Your certificate for {title} was current until {_day(certificate.valid_until)}. "
        "It still shows that you completed the course, but it is no longer current.\n\n"
        f"To renew it, we have enrolled you on {following.title}. {_starting_again(following)} "
        "You can start whenever suits you, and stop and come back at any time.\n\n"
        f"Start here: {external_url('site.index')}\n"
    )
    return compose(learner.email, f"Renew your certificate for {title}", body)
