"""An organisation's local procedures page: what it says, who may change it, and what
its learners see (their own organisation's page, or the national support list)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from courseapp.accounts.models import User
from courseapp.audit import services as audit
from courseapp.catalogue.markdown import to_html
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from courseapp.procedures.models import LocalProcedures

# (field, heading): the four things every local procedures page covers, in order.
SECTIONS = (
    ("safeguarding_lead", "Your designated safeguarding lead"),
    ("out_of_hours", "Out-of-hours social work"),
    ("local_services", "Local domestic abuse services"),
    ("marac_referral", "How to refer to MARAC"),
)


@dataclass(frozen=True)
class Section:
    heading: str
    html: Markup


def of(org_id: int | None) -> LocalProcedures | None:
    return db.session.get(LocalProcedures, org_id) if org_id is not None else None


def render(texts: dict[str, str]) -> list[Section]:
    """The filled-in sections as safe HTML: Markdown rendered, then sanitised by nh3
    (no scripts, styles, images or other than https, mailto and tel links)."""
    return [
        Section(heading, to_html(texts[field], heading))
        for field, heading in SECTIONS
        if texts.get(field, "").strip()
    ]


def texts_of(procedures: LocalProcedures | None) -> dict[str, str]:
    return {field: getattr(procedures, field) if procedures else "" for field, _ in SECTIONS}


def for_learner(user: User) -> list[Section]:
    """The sections of the learner's own organisation's page; none if it has none."""
    return render(texts_of(of(user.organisation_id)))


def save(org: Organisation, editor: User, texts: dict[str, str]) -> LocalProcedures:
    procedures = of(org.id)
    if procedures is None:
        procedures = LocalProcedures(organisation_id=org.id)
        db.session.add(procedures)
    for field, _ in SECTIONS:
        setattr(procedures, field, texts.get(field, "").strip())
    procedures.updated_at = utcnow()
    procedures.updated_by = editor.id
    audit.record(editor, "edit local procedures", f"organisation {org.id}")
    return procedures
