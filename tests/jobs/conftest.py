"""Real services for job tests: an SMTP server (aiosmtpd, in a thread of the test
process), redis-server, and `manage.py run_huey` worker processes."""

from __future__ import annotations

import contextlib
import email
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from huey.storage import MemoryStorage

from taskflow.jobs import queue
from tests import services
from tests.production import ROOT, production_env
from tests.services import RedisServer, free_port, require_binaries


class Inbox:
    """aiosmtpd handler: keeps every accepted message; answers 451 (try again later)
    to the first ``refuse_first`` deliveries."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.attempts = 0
        self.refuse_first = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.refuse_first:
            return "451 4.3.0 Try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox = inbox
        self.port = port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    yield SMTPServer(inbox, port)
    controller.stop()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    binary = require_binaries("redis-server")["redis-server"]
    server = RedisServer(port=free_port(), workdir=tmp_path / "redis", binary=binary)
    server.start()
    yield server
    server.stop()


@contextlib.contextmanager
def enqueue_into(storage: Any) -> Iterator[Any]:
    """Jobs enqueued by this process go to ``storage`` (what a worker reads) instead of
    running at once; the in-memory immediate mode of tests/conftest.py comes back after."""
    huey = queue()
    # The private flag, not the ``immediate`` setter: the setter would open the
    # queue file of the settings (var/jobs.sqlite3) before we replace it.
    huey._immediate = False
    huey.storage = storage
    try:
        yield huey
    finally:
        storage.close()
        huey._immediate = True
        huey.storage = MemoryStorage(huey.name)


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Worker:
    """One `manage.py run_huey` process in production mode (JSON log lines)."""

    def __init__(self, pid: int, log: Path) -> None:
        self.pid = pid
        self.log = log

    def events(self) -> list[dict[str, Any]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        parsed = []
        for line in lines:
            with contextlib.suppress(ValueError):
                parsed.append(json.loads(line))
        return parsed

    def named(self, event: str) -> list[dict[str, Any]]:
        return [entry for entry in self.events() if entry.get("event") == event]

    def stop(self) -> None:
        # SIGINT: the consumer's immediate stop (SIGTERM waits for running jobs).
        services.stop_pid(self.pid, sig=signal.SIGINT, timeout=15)


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str = "worker", **env: str) -> Worker:
        log = tmp_path / f"{name}.log"
        environment = production_env(tmp_path, LOG_LEVEL="INFO", **env)
        argv = [sys.executable, "manage.py", "run_huey", "--workers", "1"]
        worker = Worker(services.spawn(argv, log=log, env=environment, cwd=ROOT), log)
        started.append(worker)
        wait_until(
            lambda: "Huey consumer started" in (log.read_text() if log.exists() else ""),
            timeout=60,
            what=f"{name} to start (log: {log})",
        )
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database file that worker processes can share."""
    path = tmp_path_factory.mktemp("jobs-db") / "db.sqlite3"
    env = production_env(path.parent, DATABASE_URL=f"sqlite:///{path}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path
