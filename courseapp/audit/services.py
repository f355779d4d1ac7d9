"""Recording who exported what or viewed which learner. Ids only, no personal data."""

from __future__ import annotations

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.audit.models import AuditEvent
from courseapp.extensions import db


def record(actor: User | None, action: str, subject: str = "") -> None:
    """`actor` is None for work done by a command rather than a person."""
    db.session.add(AuditEvent(actor_id=actor.id if actor else None, action=action, subject=subject))
    db.session.flush()


def recent(limit: int = 200) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
