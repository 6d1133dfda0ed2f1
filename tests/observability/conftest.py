"""Fixtures of the observability suite: captured log output, captured Sentry events."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from devservers import RedisServer
from taskflow import sentry as taskflow_sentry
from taskflow.logconfig import formatter_config


class LogCapture:
    """What the real JSON formatter wrote, line by line."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [record for record in self.records() if record.get("event") == name]


@pytest.fixture
def json_logs() -> LogCapture:
    """Root-level capture through the production JSON formatter, at DEBUG so that
    nothing a lower level would hide escapes the secrets checks."""
    config = formatter_config("json")
    formatter = config.pop("()")(**config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield LogCapture(stream)
    root.removeHandler(handler)
    root.setLevel(previous_level)


class CapturingTransport(Transport):
    """An in-process Sentry transport: keeps every event instead of sending it."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event() or envelope.get_transaction_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry_events() -> list[dict[str, Any]]:
    """Sentry initialised the way settings does it, sending into a list."""
    transport = CapturingTransport()
    taskflow_sentry.init(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="test-release",
        traces_sample_rate=0.0,
        transport=transport,
    )
    yield transport.events
    sentry_sdk.get_client().close()
    # Back to a client that sends nothing, whatever SENTRY_DSN the environment holds.
    sentry_sdk.init(dsn="", default_integrations=False, auto_enabling_integrations=False)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A real redis-server on 127.0.0.1 for this test (skipped without the binary,
    failed under CI=true)."""
    return redis_server.url
