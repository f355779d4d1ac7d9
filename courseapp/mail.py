"""Email, through Flask-Mailman over the SMTP server in the MAIL_* settings.

Requests never talk to the mail server: `send_email` puts the message on the job queue
and a job delivers it. Every email is plain text and ends with the service's name.
Reminders (`reminder_for=` the person) also carry a link to stop them, and the
`List-Unsubscribe` and `List-Unsubscribe-Post` headers of RFC 8058 so that mail
programs can offer one-click unsubscribing. Set-password and reset emails are sent
whatever the person chose.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_mailman import EmailMessage, Mail
from itsdangerous import BadSignature, URLSafeSerializer

from courseapp.jobs import queue
from courseapp.links import external_url

mail = Mail()

UNSUBSCRIBE_SALT = "unsubscribe-reminders"


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def address_stamp(email: str) -> str:
    """A short digest of an address. A link sent to an address carries it, so that
    the link stops working for an account that no longer has that address: after a
    change of address, or when an erased account's id is given to someone new (as
    SQLite does with the highest id)."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, email: str) -> str:
    return _unsubscribe_serializer().dumps([user_id, address_stamp(email)])


def unsubscribe_claim(token: str) -> tuple[int, str] | None:
    """The account id and address stamp a reminder's link was made for."""
    try:
        user_id, stamp = _unsubscribe_serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    return (user_id, stamp) if isinstance(user_id, int) and isinstance(stamp, str) else None


def compose(to: str, subject: str, body: str, reminder_for: int | None = None) -> dict[str, Any]:
    """The message as plain data (it travels through the queue): the body signed with
    the service's name and, for a reminder, the way to stop them."""
    service = current_app.config["SERVICE_NAME"]
    footer = f"\n--\n{service}\n"
    headers = {}
    if reminder_for is not None:
        link = external_url("notices.unsubscribe", token=unsubscribe_token(reminder_for, to))
        footer += f"To stop these reminders, open this link: {link}\n"
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return {"to": to, "subject": subject, "body": body.rstrip("\n") + "\n" + footer,
            "headers": headers}  # fmt: skip


def send_email(to: str, subject: str, body: str, reminder_for: int | None = None) -> None:
    """Queue an email; a job delivers it. Nothing happens without MAIL_SERVER."""
    if not mail_configured():
        return
    queue.enqueue_now("deliver_email", message=compose(to, subject, body, reminder_for))


def queue_email(message: dict[str, Any]) -> None:
    """For jobs: hand a composed message to a delivery job of its own once the job's
    transaction commits. The job's record of what it sent (a notice, a claimed link)
    and the sending then stand or fall together, and a delivery that fails is tried
    again without undoing anything else."""
    queue.enqueue("deliver_email", message=message)


def deliver(message: dict[str, Any]) -> None:
    """Send one composed message now: the delivery job's work."""
    EmailMessage(
        subject=message["subject"],
        body=message["body"],
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message["to"]],
        headers=message["headers"],
    ).send()
