"""Certificate currency for the reports: whether each learner's certificate is
current, due for renewal (within 60 days of lapsing) or lapsed (assessment.renewal).

A learner's certificate here is their latest of the pathway, or of the pathway they
renew it with: a learner who lapsed and then completed a separate refresher is
current again. Worked out when asked (it changes with the date, not only the data)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from courseapp.assessment.models import Certificate
from courseapp.assessment.renewal import Currency, currency, currency_on
from courseapp.catalogue.course import Pathway
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.reports.data import among


@dataclass(frozen=True)
class CertificateCurrency:
    status: Currency
    valid_until: date | None


def certificate_currency(
    user_ids: Collection[int] | sa.Select, pathway: Pathway, today: date | None = None
) -> dict[int, CertificateCurrency]:
    """Each certified learner's certificate currency, by user id (of the ids given,
    or of a query that selects them)."""
    if not isinstance(user_ids, sa.Select) and not user_ids:
        return {}
    today = today or utcnow().date()
    pathway_ids = {pathway.id, pathway.definition.renewal_pathway_id}
    latest: dict[int, Certificate] = {}
    for certificate in db.session.scalars(
        sa.select(Certificate)
        .where(among(Certificate.user_id, user_ids), Certificate.pathway_id.in_(pathway_ids))
        .order_by(Certificate.issued_at, Certificate.id)
    ):
        latest[certificate.user_id] = certificate
    return {
        user_id: CertificateCurrency(currency(found, today), found.valid_until)
        for user_id, found in latest.items()
    }


def counts(valid_until: Mapping[date | None, int], today: date | None = None) -> Counter[Currency]:
    """How many learners' certificates are current, due and lapsed, from how many are
    valid until each date (None: no end)."""
    today = today or utcnow().date()
    found: Counter[Currency] = Counter()
    for until, n in valid_until.items():
        found[currency_on(until, today)] += n
    return found


def status_text(found: CertificateCurrency | None) -> str:
    return found.status.value if found else ""


def valid_until_text(found: CertificateCurrency | None) -> str:
    return found.valid_until.isoformat() if found and found.valid_until else ""


CURRENCY_COLUMNS = ["certificate status", "valid until"]


def currency_cells(found: CertificateCurrency | None) -> list[str]:
    """The learners CSV's certificate status and valid-until cells."""
    return [status_text(found), valid_until_text(found)]
