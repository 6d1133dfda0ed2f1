"""The one real SMTP server for tests: aiosmtpd, in a thread of the test process, on a
free loopback port. Every test that reads email uses the ``smtp_server`` fixture from
here (tests/conftest.py makes it available everywhere), whoever sends the email:

- code in the test process: the fixture points Django's SMTP backend at the server;
- a worker process (`manage.py run_huey`): pass ``smtp_server.url`` as its EMAIL_URL.

Emails are read the way a user's mail client would see them, after a real SMTP
conversation: ``smtp_server.messages`` (``email.message.EmailMessage``, parsed with
the modern policy; the server is also a sequence of them: ``len(smtp_server)``,
``smtp_server[0]``), ``smtp_server.envelopes`` ((MAIL FROM, RCPT TOs) per message).
``smtp_server.refuse_first = n`` answers "451 try again later" to the first n
deliveries (``attempts`` counts every delivery tried), for retry tests.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import pytest

from devservers.process import free_port

HOST = "127.0.0.1"


class SMTPServer:
    """What the server received, and where it listens (also the aiosmtpd handler)."""

    def __init__(self, port: int) -> None:
        self.host = HOST
        self.port = port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.attempts = 0
        self.refuse_first = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.refuse_first:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        """The EMAIL_URL that sends here (for worker processes)."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def inbox(self) -> SMTPServer:
        """The same object: tests written for the former tests/jobs fixture read
        ``smtp_server.inbox.messages``."""
        return self

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, index: int) -> EmailMessage:
        return self.messages[index]

    def __iter__(self) -> Iterator[EmailMessage]:
        return iter(list(self.messages))


def body_of(message: Any) -> str:
    """The text of a received message (or of a django.core.mail message in mail.outbox)."""
    if not hasattr(message, "get_body"):
        return message.body
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def link_in(message: Any, pattern: str) -> str:
    """The first URL in the message's text that matches ``pattern``."""
    match = re.search(r"https?://\S*" + pattern + r"\S*", body_of(message))
    assert match, f"no link matching {pattern!r} in:\n{body_of(message)}"
    return match.group(0)


@contextmanager
def serving(handler: Any) -> Iterator[int]:
    """Run aiosmtpd with a test's own handler (e.g. one that holds a conversation open)
    on a free loopback port; yields the port. The one place besides the fixture that
    starts an SMTP server, so every test gets the same real server."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings) -> Iterator[SMTPServer]:
    from aiosmtpd.controller import Controller

    server = SMTPServer(free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()  # returns once the server answers
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        controller.stop()
