"""redis-server without persistence: a restart starts empty, as after a failover."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from devservers.process import Server, free_port, require_binary, spawn, wait_for_port


class RedisServer(Server):
    """``RedisServer()`` picks a free port and a temporary directory (removed on stop);
    pass ``port``/``workdir`` to choose them (the cluster's fixed ports)."""

    def __init__(
        self, *, port: int | None = None, workdir: Path | None = None, binary: str | None = None
    ) -> None:
        self.port = port or free_port()
        self.owns_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="devservers-redis-"))
        self.binary = binary or require_binary("redis-server")
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.pid = spawn(argv, log=self.workdir / "redis.log")
        wait_for_port(self.port, pid=self.pid)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
