"""The notices the daily sweep sends, each recorded once, and stopping reminder emails
(the signed link in each reminder). Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.jobs.models import Notice
from courseapp.mail import address_stamp, unsubscribe_claim


def person_for(token: str) -> User | None:
    """Whose reminders a link stops: the account it was sent to, if it still has the
    address it was sent to."""
    claim = unsubscribe_claim(token)
    user = db.session.get(User, claim[0]) if claim is not None else None
    return user if user is not None and address_stamp(user.email) == claim[1] else None


def stop_reminders(user: User) -> None:
    if user.reminders_off_at is None:
        user.reminders_off_at = utcnow()
        db.session.flush()


def claim(user_id: int, kind: str, period: str) -> bool:
    """Record a notice; True if this run recorded it (and so must send it)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Notice)
        .values(user_id=user_id, kind=kind, period=period, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "period"])
        .returning(Notice.id)
    )
    return db.session.execute(statement).scalar() is not None
