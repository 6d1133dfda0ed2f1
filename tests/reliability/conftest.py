"""Real servers for the reliability suite.

``gunicorn_sqlite``: one gunicorn (2 workers x 8 threads) over a SQLite file in WAL
mode, for the concurrency tests. ``cluster``: the production topology from
tests/cluster.py (PostgreSQL, Redis, 2 gunicorn instances, nginx) for fault injection.
Both listen on 127.0.0.1 on free ports and are stopped by pid afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import services

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "reliability passphrase 42"


@dataclass
class Server:
    url: str
    pid: int
    log: Path


def _wait_healthy(url: str, pid: int, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not services.pid_alive(pid):
            raise services.ServiceError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise services.ServiceError(f"{url} not healthy after {timeout:.0f}s")


@pytest.fixture(scope="module")
def gunicorn_sqlite(tmp_path_factory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("gunicorn-sqlite")
    port = services.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DEBUG="false",
        REDIS_URL="",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="8",
        LOG_LEVEL="WARNING",
        API_USER_RATE="100000/min",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    log = workdir / "gunicorn.log"
    argv = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "taskflow.wsgi"]
    pid = services.spawn(argv, log=log, env=env, cwd=ROOT)
    server = Server(url=f"http://127.0.0.1:{port}", pid=pid, log=log)
    try:
        _wait_healthy(server.url, pid, log)
        yield server
    finally:
        services.stop_pid(pid)


def register_and_login(
    base_url: str, email: str, headers: dict[str, str] | None = None
) -> dict[str, str]:
    """A new account on the server; returns the Authorization header of its token."""
    created = requests.post(
        f"{base_url}/api/auth/register/",
        json={"email": email, "password": PASSWORD, "name": "Reliability"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    tokens = requests.post(
        f"{base_url}/api/auth/login/",
        json={"email": email, "password": PASSWORD},
        headers=headers,
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access']}"}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    from tests.cluster import BINARIES, Cluster, ClusterPorts

    services.require_binaries(*BINARIES, extra_dirs=services.postgres_bin_dirs())
    root = tmp_path_factory.mktemp("cluster")
    # Long-lived tokens: a fault test must not fail on an expired access token.
    the_cluster = Cluster(
        root,
        ClusterPorts.free(2),
        workers=2,
        threads=4,
        extra_env={"JWT_ACCESS_MINUTES": "60", "API_USER_RATE": "100000/min"},
    )
    try:
        the_cluster.start()
        yield the_cluster
    finally:
        the_cluster.stop()


def all_at_once(count: int, request: Callable[[int], Any]) -> list:
    """Run ``request(i)`` in ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count, timeout=30)

    def run(index: int):
        barrier.wait()
        return request(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
