"""A real SMTP server in the test process (aiosmtpd), keeping what arrives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from flask import Flask

from courseapp.mail import mail


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0  # refuse this many messages for now (451), as a busy server does

    async def handle_DATA(self, _server, _session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def settings(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False}


@contextmanager
def mail_to(app: Flask) -> Iterator[SMTPServer]:
    """Point an app's email at a real SMTP server in this process for a test."""
    server = SMTPServer()
    server.controller.start()
    try:
        app.config.update(server.settings())
        mail.init_app(app)  # Flask-Mailman reads its settings when it is set up
        yield server
    finally:
        server.controller.stop()
