"""Fixtures shared by every suite. Real servers come from the devservers toolkit;
``require_binaries`` decides what a missing one means (skip, or fail under CI=true).
The cluster and chromium fixtures live in the conftest.py of the suites that use them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from accounts.tokens import issue_tokens
from devservers import RedisServer, missing_binaries
from taskflow import ratelimit, throttling
from tests.factories import DEFAULT_PASSWORD, TaskFactory, UserFactory
from tests.smtp import smtp_server  # noqa: F401  (a fixture: a real SMTP server)


def require_binaries(*names: str) -> None:
    """Skip the test, naming what is missing, unless every binary is installed; under
    CI=true fail instead (a CI machine without them would pass without testing)."""
    missing = missing_binaries(*names)
    if missing:
        reason = f"needs {', '.join(missing)} (install: redis-server postgresql nginx)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A real redis-server on 127.0.0.1 for this test (free port, no persistence)."""
    require_binaries("redis-server")
    with RedisServer(workdir=tmp_path / "redis") as server:
        yield server


@pytest.fixture(autouse=True)
def _fast_hasher_and_clean_caches(settings):
    # Argon2 is first in production (tests/unit/test_settings.py proves it); tests use
    # a fast hasher so that hundreds of logins stay cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for cache in caches.all():
        cache.clear()
    throttling.leases.clear()  # the throttle's slots held in this process, counted there
    yield
    for cache in caches.all():
        cache.clear()
    throttling.leases.clear()


# The start of a 15-minute (and of a 1-minute) login-limit window.
RATELIMIT_NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _login_limit_clock(monkeypatch):
    """Login limits count in fixed windows: a test that crossed a window's end would see
    its counts restart. Every test runs at one instant unless it moves this clock."""
    monkeypatch.setattr(ratelimit, "clock", lambda: RATELIMIT_NOW)


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_in_process() -> None:
    # A job enqueued by a test runs at once, in the test, against an in-memory store
    # (never the repository's var/jobs.sqlite3). tests/jobs runs real workers.
    from taskflow.jobs import queue

    queue().immediate = True


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(email="alice@example.com", name="Alice")


@pytest.fixture
def other_user(db):
    return UserFactory(email="bob@example.com", name="Bob")


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
    return client


@pytest.fixture
def api_client(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def task(user):
    return TaskFactory(owner=user, title="Write the report")
