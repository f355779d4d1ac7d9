"""How long a certificate stays current, and renewing it once it has lapsed.

A pathway may set `valid_for_months` (content/pathways.yaml). A certificate's last
current day is fixed when it is issued, so changing the setting later does not rewrite
what was issued. From 60 days before that day it is "due for renewal"; after it, it
has "expired": it still verifies as genuine, with the date it lapsed.

When a certificate lapses the learner starts a renewal round on the pathway's
`renew_with` pathway (a short refresher, or the full pathway again). Completion keeps
its one rule (content.completion): the round is complete when a certificate is issued
for it. The learner's module progress on the renewal pathway starts again (which parts
they opened and their knowledge checks), and only post-test attempts started since the
round began count, towards passing and towards the attempts allowed. The pre-test, a
baseline, is not taken again, and rewording exercises already submitted still count.
The attempts, rewordings and the lapsed certificate of the earlier round are kept.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment.models import Certificate, Renewal
from courseapp.catalogue import course
from courseapp.catalogue.course import Pathway
from courseapp.clock import utcnow
from courseapp.content import services as content
from courseapp.content.models import Enrolment, ModuleProgress, PartVisit
from courseapp.database import read_once
from courseapp.extensions import db

DUE_DAYS = 60  # a certificate is "due for renewal" this many days before it lapses
# A certificate whose renewal round has begun: its holder no longer counts as having
# completed the pathway until the round is done (content.completion).
BEING_RENEWED = sa.exists().where(Renewal.certificate_id == Certificate.id)


class Currency(enum.StrEnum):
    CURRENT = "Current"
    DUE = "Due for renewal"
    LAPSED = "Lapsed"


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(pathway: Pathway, issued_at: datetime) -> date | None:
    """The last day a certificate issued now is current, or None if it never lapses."""
    months = pathway.definition.valid_for_months
    return add_months(issued_at.date(), months) if months else None


def currency(certificate: Certificate, today: date | None = None) -> Currency:
    return currency_on(certificate.valid_until, today or utcnow().date())


def currency_on(valid_until: date | None, today: date) -> Currency:
    """Current, due or lapsed on `today`, for a certificate valid until this date."""
    if valid_until is None or today + timedelta(days=DUE_DAYS) < valid_until:
        return Currency.CURRENT
    return Currency.DUE if today <= valid_until else Currency.LAPSED


def expired(certificate: Certificate, today: date | None = None) -> bool:
    return currency(certificate, today) is Currency.LAPSED


def renewal_pathway(pathway_id: str) -> Pathway | None:
    """The pathway a learner takes when a certificate of `pathway_id` lapses."""
    pathway = course().pathways.get(pathway_id)
    if pathway is None:
        return None
    return course().pathways.get(pathway.definition.renewal_pathway_id)


def round_start(user: User, pathway: Pathway) -> datetime | None:
    """When the learner's latest renewal round on this pathway began, if there is one:
    only what they did since then counts towards completing it. A page that only
    reads asks it once (a pathway's page needs it three times)."""
    values = {"user_id": user.id, "pathway_id": pathway.id}
    return read_once(("round_start", user.id, pathway.id),
                     lambda: db.session.scalar(_ROUND_START, values))  # fmt: skip


def latest_certificate(user: User, pathway_id: str) -> Certificate | None:
    return db.session.scalar(_LATEST_CERTIFICATE, {"user_id": user.id, "pathway_id": pathway_id})


# Built once: a pathway's page reads both.
_ROUND_START = sa.select(sa.func.max(Renewal.started_at)).where(
    Renewal.user_id == sa.bindparam("user_id"), Renewal.pathway_id == sa.bindparam("pathway_id")
)
_LATEST_CERTIFICATE = (
    sa.select(Certificate)
    .where(
        Certificate.user_id == sa.bindparam("user_id"),
        Certificate.pathway_id == sa.bindparam("pathway_id"),
    )
    .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    .limit(1)
)


def start_renewal(certificate: Certificate) -> Renewal | None:
    """Begin the renewal round for a lapsed certificate, once: the learner is enrolled
    on the renewal pathway (if they are not already) and starts it afresh."""
    pathway = renewal_pathway(certificate.pathway_id)
    if pathway is None:
        return None
    learner = certificate.user
    renewal = Renewal(user_id=learner.id, certificate_id=certificate.id, pathway_id=pathway.id,
                      started_at=utcnow())  # fmt: skip
    db.session.add(renewal)
    enrolled = db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == learner.id, Enrolment.pathway_id == pathway.id
        )
    )
    if enrolled is None:
        content.enrol(learner, pathway)
    modules = [module.id for module in pathway.modules]
    for model in (PartVisit, ModuleProgress):
        db.session.execute(
            sa.delete(model).where(model.user_id == learner.id, model.module_id.in_(modules))
        )
    db.session.flush()
    return renewal


@dataclass(frozen=True)
class LapsedCertificate:
    """A learner's certificate that lapsed, and the round that renews it."""

    certificate: Certificate
    pathway: Pathway  # the pathway the certificate was for
    renewal_pathway: Pathway
    renewed: bool


def lapsed_for(user: User) -> dict[str, LapsedCertificate]:
    """The learner's lapsed certificates with a renewal round, by renewal pathway id."""
    rows = db.session.scalars(
        sa.select(Renewal).where(Renewal.user_id == user.id).order_by(Renewal.started_at)
    )
    pathways = course().pathways
    found: dict[str, LapsedCertificate] = {}
    for renewal in rows:
        old = renewal.certificate
        if old.pathway_id not in pathways or renewal.pathway_id not in pathways:
            continue
        newer = latest_certificate(user, renewal.pathway_id)
        renewed = newer is not None and newer.issued_at >= renewal.started_at
        found[renewal.pathway_id] = LapsedCertificate(
            old, pathways[old.pathway_id], pathways[renewal.pathway_id], renewed
        )
    return found
