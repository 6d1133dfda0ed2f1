"""One local cluster (devservers/cluster.py) for the whole integration suite: real
redis-server, PostgreSQL, 3 gunicorn instances with production settings, nginx."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
import requests

from devservers.cluster import BINARIES, Cluster, ClusterPorts
from taskflow.ratelimit import seconds_left_in_window
from tests.conftest import require_binaries
from tests.factories import DEFAULT_PASSWORD

TIMEOUT = 15
LOGIN_RATE = "20/15m"  # SPEC: 20 tries per 15 minutes (the production default)
CLIENT_IP = "127.0.0.1"  # every request of these tests, as the instances see it
SAFE_MARGIN = 120


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    require_binaries(*BINARIES)
    running = Cluster(
        tmp_path_factory.mktemp("cluster"),
        ClusterPorts.free(),
        extra_env={"LOGIN_RATE": LOGIN_RATE},
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def fresh_redis(cluster) -> Iterator[redis.Redis]:
    """Redis emptied before and after (login counters are per client network and per
    account, and every request here comes from 127.0.0.1)."""
    client = redis.Redis.from_url(cluster.redis_url)
    client.flushall()
    yield client
    client.flushall()


@pytest.fixture
def fresh_login_window() -> None:
    """Login limits count in fixed windows (LOGIN_RATE's period, aligned to the epoch on
    every instance): a test that straddles a window's end would see the count restart.
    Start such tests with at least SAFE_MARGIN seconds of the current window left (waits
    at most that long)."""
    left = seconds_left_in_window(LOGIN_RATE, time.time())
    if left < SAFE_MARGIN:
        time.sleep(left + 1)


@pytest.fixture
def redis_restored(cluster) -> Iterator[None]:
    """Whatever a test does to Redis, the next test finds it running."""
    yield
    if "redis" not in cluster.state.pids:
        cluster.start_redis()


_accounts = iter(range(1_000_000))


def new_account(base_url: str) -> tuple[str, dict[str, str]]:
    """Register a fresh user through ``base_url`` and log in; (email, tokens)."""
    email = f"user{next(_accounts)}@example.com"
    body = {"email": email, "password": DEFAULT_PASSWORD, "name": "Cluster User"}
    registered = requests.post(f"{base_url}/api/auth/register/", json=body, timeout=TIMEOUT)
    assert registered.status_code == 201, registered.text
    credentials = {"email": email, "password": DEFAULT_PASSWORD}
    login = requests.post(f"{base_url}/api/auth/login/", json=credentials, timeout=TIMEOUT)
    assert login.status_code == 200, login.text
    return email, login.json()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access']}"}
