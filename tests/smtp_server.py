"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), recording what it receives."""
from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps each accepted message; ``refuse`` makes it answer 550 to recipients;
    ``delay`` makes it sit that many seconds on each message before accepting it (a slow server).
    ``sessions`` counts the SMTP sessions opened (each client's EHLO); ``receiving`` is set while a
    message's DATA is being held."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False
        self.delay = 0.0
        self.sessions = 0
        self.receiving = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.receiving = True
        if self.delay:
            await asyncio.sleep(self.delay)
        self.receiving = False
        msg = message_from_bytes(envelope.content, policy=default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller: Controller | None = None
        self.app = None  # the app the smtp fixture pointed at this server

    def start(self) -> SMTPServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    # -- what arrived -------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    def to(self, email: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == email]

    def subjects_to(self, email: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(email)]

    def recipients(self) -> set[str]:
        return {str(m["To"]) for m in self.messages}

    def body_to(self, email: str, n: int = 0) -> str:
        """The text of the ``n``th message to ``email``, with the wire's CRLFs as newlines."""
        return self.to(email)[n].get_content().replace("\r\n", "\n")

    def clear(self) -> None:
        self.recorder.messages.clear()

    # -- the mail worker ----------------------------------------------------------------------
    def deliver(self):
        """One pass of the mail worker (what ``flask --app app worker --once`` does), in the test's
        application context: pages never send mail, the worker does."""
        from app.worker import Worker

        return Worker(self.app).run_pass()


@pytest.fixture(name="smtp")
def smtp_fixture(app, monkeypatch):
    """A running SMTP server, with the app configured to send to it (``smtp.deliver()`` runs the worker)."""
    server = SMTPServer().start()
    server.app = app
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://tlf.example.org")
    try:
        yield server
    finally:
        server.stop()
