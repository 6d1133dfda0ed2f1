"""Real services for job tests: redis-server and `manage.py run_huey` worker processes.
The SMTP server is the one of every test, ``smtp_server`` (tests/smtp.py): workers
send to it with ``EMAIL_URL=smtp_server.url``."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huey.storage import MemoryStorage

from devservers import JobWorker
from taskflow.jobs import queue
from tests.production import ROOT, production_env


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


class Worker(JobWorker):
    """One `manage.py run_huey` process in production mode (JSON log lines); stopped
    with SIGINT, the consumer's immediate stop (SIGTERM waits for running jobs)."""

    def events(self) -> list[dict[str, Any]]:
        parsed = []
        for line in self.log_text().splitlines():
            with contextlib.suppress(ValueError):
                parsed.append(json.loads(line))
        return parsed

    def named(self, event: str) -> list[dict[str, Any]]:
        return [entry for entry in self.events() if entry.get("event") == event]


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str = "worker", **env: str) -> Worker:
        environment = production_env(tmp_path, LOG_LEVEL="INFO", **env)
        worker = Worker(
            environment,
            log=tmp_path / f"{name}.log",
            args=["--workers", "1"],
            stop_signal=signal.SIGINT,
        )
        started.append(worker)
        worker.start()
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
