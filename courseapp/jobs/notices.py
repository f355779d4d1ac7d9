"""Stopping reminder emails: the signed link in each reminder. Services flush; the
request commits."""

from __future__ import annotations

from courseapp.accounts.models import User
from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.mail import user_id_for_unsubscribe


def person_for(token: str) -> User | None:
    user_id = user_id_for_unsubscribe(token)
    return db.session.get(User, user_id) if user_id is not None else None


def stop_reminders(user: User) -> None:
    if user.reminders_off_at is None:
        user.reminders_off_at = utcnow()
        db.session.flush()
