"""gunicorn with the production config (deploy/gunicorn.conf.py: gthread workers,
Prometheus multiprocess hooks, JSON logs), sized through its environment variables."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devservers.process import (
    ROOT,
    Server,
    free_port,
    spawn,
    wait_for_http,
    wait_for_port,
    wait_until,
)

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


class Gunicorn(Server):
    """One instance of ``taskflow.wsgi`` on 127.0.0.1.

    ``env`` is the whole environment of the process (settings come from it);
    ``workers``/``threads``/``max_requests`` set WEB_CONCURRENCY, GUNICORN_THREADS and
    GUNICORN_MAX_REQUESTS when given; ``args`` are extra command-line flags (they
    override the config file). Ready when ``ready_path`` answers 200 (or, with
    ``ready_path=None``, when the port accepts connections). ``tree``: another checkout
    of TaskFlow to serve (its own code and config; bench's A/B runs), this one by
    default. ``python``: the interpreter, hence the installed packages (bench's
    production-install pass), this one by default."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        port: int | None = None,
        log: Path | None = None,
        workers: int | None = None,
        threads: int | None = None,
        max_requests: int | None = None,
        args: Sequence[str] = (),
        ready_path: str | None = "/healthz",
        ready_timeout: float = 90.0,
        wait_for_workers: bool = False,
        tree: Path = ROOT,
        python: str | Path = sys.executable,
    ) -> None:
        self.port = port or free_port()
        self.log = log or Path(tempfile.mkdtemp(prefix="devservers-gunicorn-")) / "gunicorn.log"
        settings = {"GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        if workers is not None:
            settings["WEB_CONCURRENCY"] = str(workers)
        if threads is not None:
            settings["GUNICORN_THREADS"] = str(threads)
        if max_requests is not None:
            settings["GUNICORN_MAX_REQUESTS"] = str(max_requests)
        self.tree = tree
        self.python = str(python)
        self.env = {**env, **settings}
        self.workers = workers
        self.args = list(args)
        self.ready_path = ready_path
        self.ready_timeout = ready_timeout
        self.wait_for_workers = wait_for_workers
        self.ready_after_s: float | None = None
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> int:
        """Start the master; returns its pid (``wait=False``: call ``wait_ready()``)."""
        config = self.tree / GUNICORN_CONF.relative_to(ROOT)
        argv = [self.python, "-m", "gunicorn", "-c", str(config), *self.args]
        argv += ["taskflow.wsgi:application"]
        self._started = time.monotonic()
        # `python -m` puts the working directory first on sys.path: the tree's packages.
        self.pid = spawn(argv, log=self.log, env=self.env, cwd=self.tree)
        if wait:
            self.wait_ready()
        return self.pid

    def wait_ready(self) -> None:
        if self.ready_path is None:
            wait_for_port(self.port, timeout=self.ready_timeout, pid=self.pid)
        else:
            url = f"{self.url}{self.ready_path}"
            wait_for_http(url, timeout=self.ready_timeout, pid=self.pid)
        self.ready_after_s = time.monotonic() - self._started
        if self.wait_for_workers:
            # The first 200 may come from the first worker that booted.
            expected = self.workers or int(self.env.get("WEB_CONCURRENCY") or 2)
            wait_until(
                lambda: len(self.worker_pids()) >= expected,
                f"{expected} gunicorn workers on {self.port} (log: {self.log})",
                timeout=self.ready_timeout,
                pid=self.pid,
            )
