"""Real servers for the reliability suite.

``gunicorn_sqlite``: one gunicorn (2 workers x 8 threads) over a SQLite file in WAL
mode, for the concurrency tests. ``cluster``: the production topology from
devservers/cluster.py (PostgreSQL, Redis, 2 gunicorn instances, nginx) for fault
injection. Both listen on 127.0.0.1 on free ports and are stopped by pid afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from devservers import Gunicorn
from tests.conftest import require_binaries

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "reliability passphrase 42"


@pytest.fixture(scope="module")
def gunicorn_sqlite(tmp_path_factory) -> Iterator[Gunicorn]:
    workdir = tmp_path_factory.mktemp("gunicorn-sqlite")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DEBUG="false",
        REDIS_URL="",
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
    server = Gunicorn(env, log=workdir / "gunicorn.log", workers=2, threads=8)
    with server:
        yield server


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
    from devservers.cluster import BINARIES, Cluster, ClusterPorts

    require_binaries(*BINARIES)
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
