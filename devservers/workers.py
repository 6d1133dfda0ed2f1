"""Job workers: ``manage.py run_huey`` processes (taskflow/queue.py's Huey)."""

from __future__ import annotations

import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from devservers.process import ROOT, Server, spawn, wait_until

STARTED_LINE = "Huey consumer started"


class JobWorker(Server):
    """One ``run_huey`` consumer with environment ``env``. Ready once its log shows the
    consumer's start line, so ``env`` must log at INFO. It stops on SIGTERM by default
    (finishes running jobs); ``stop_signal=signal.SIGINT`` stops at once."""

    port = 0  # listens on nothing

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        log: Path | None = None,
        args: Sequence[str] = (),
        stop_signal: int = signal.SIGTERM,
        ready_timeout: float = 60.0,
    ) -> None:
        self.env = dict(env)
        self.log = log or Path(tempfile.mkdtemp(prefix="devservers-worker-")) / "worker.log"
        self.args = list(args)
        self.stop_signal = stop_signal
        self.ready_timeout = ready_timeout
        self.pid: int | None = None

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def start(self, *, wait: bool = True) -> int:
        argv = [sys.executable, "manage.py", "run_huey", *self.args]
        self.pid = spawn(argv, log=self.log, env=self.env, cwd=ROOT)
        if wait:
            self.wait_ready()
        return self.pid

    def wait_ready(self) -> None:
        wait_until(
            lambda: STARTED_LINE in self.log_text(),
            f"job worker (log: {self.log})",
            timeout=self.ready_timeout,
            pid=self.pid,
        )
