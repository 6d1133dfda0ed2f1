"""A real SMTP server for tests (aiosmtpd) on a free loopback port.

``smtp_server`` starts it, points Django's SMTP backend at it and hands the test the
list of messages it received (``email.message.Message``). Emails are then read the way
a user's mail client would see them: after a real SMTP conversation.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from devservers.process import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


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


@pytest.fixture
def smtp_server(settings) -> Iterator[list[EmailMessage]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox.messages
    finally:
        controller.stop()
