"""The application's own counters move when the events they name happen."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from taskflow.cache_metrics import TimedCacheMixin
from taskflow.metrics import count_mongo_commands
from taskflow.mongo_metrics import MongoCommandTimer

pytestmark = pytest.mark.django_db


class Sample:
    """A metric sample's value relative to when the test started (the registry is
    process-wide and other tests move it too)."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name = name
        self.labels = labels
        self.start = self._read()

    def _read(self) -> float:
        return REGISTRY.get_sample_value(self.name, self.labels) or 0.0

    @property
    def delta(self) -> float:
        return self._read() - self.start


def _login(client: APIClient, email: str, password: str):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def test_stats_cache_hits_and_misses(api_client, task, settings):
    settings.STATS_CACHE_TTL = 60
    hits = Sample("taskflow_stats_cache_lookups_total", result="hit")
    misses = Sample("taskflow_stats_cache_lookups_total", result="miss")

    for _ in range(3):
        assert api_client.get("/api/tasks/stats/").status_code == 200

    assert (misses.delta, hits.delta) == (1, 2)


def test_logins_by_result(user, password):
    succeeded = Sample("taskflow_logins_total", channel="api", result="success")
    failed = Sample("taskflow_logins_total", channel="api", result="failure")
    client = APIClient()

    _login(client, user.email, password)
    _login(client, user.email, "not-the-password")
    _login(client, "nobody@example.com", "not-the-password")

    assert (succeeded.delta, failed.delta) == (1, 2)


def test_rate_limit_rejections(user, settings):
    settings.LOGIN_RATE = "2/m"
    rejected = Sample("taskflow_rate_limited_total", group="login")
    client = APIClient()

    statuses = [_login(client, user.email, "wrong-password").status_code for _ in range(4)]

    assert statuses == [401, 401, 429, 429]
    assert rejected.delta == 2


def test_token_revocations_by_kind(user, password):
    refresh_kind = Sample("taskflow_token_revocations_total", kind="refresh")
    session_kind = Sample("taskflow_token_revocations_total", kind="session")
    client = APIClient()
    pair = _login(client, user.email, password).json()

    rotated = client.post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated.json()['access']}")
    logout = client.post("/api/auth/logout/", {"refresh": rotated.json()["refresh"]}, format="json")

    assert (rotated.status_code, logout.status_code) == (200, 204)
    assert refresh_kind.delta == 1
    assert session_kind.delta == 1  # the second end_session of the same sid is no new row


def test_database_queries_are_timed_per_vendor(api_client, task):
    timed = Sample("taskflow_db_query_duration_seconds_count", vendor=connection.vendor)

    api_client.get("/api/tasks/")

    assert timed.delta >= 1


class _RecordingCache(TimedCacheMixin):
    """Only for this unit test: a backend base whose calls we can see."""

    metrics_name = "unit"


def test_timed_cache_mixin_times_each_operation():
    class Backend:
        def get(self, key, default=None):
            return cache.get(key, default)

        def set(self, key, value, timeout=None):
            return cache.set(key, value, timeout)

    timed_cache = type("TimedBackend", (_RecordingCache, Backend), {})()
    gets = Sample("taskflow_cache_operation_duration_seconds_count", cache="unit", operation="get")
    sets = Sample("taskflow_cache_operation_duration_seconds_count", cache="unit", operation="set")

    timed_cache.set("k", "v")
    assert timed_cache.get("k") == "v"
    assert timed_cache.get("missing", "fallback") == "fallback"

    assert (gets.delta, sets.delta) == (2, 1)


class _CommandEvent:
    """Only for this unit test: the one attribute the listener reads."""

    duration_micros = 2500


def test_mongo_commands_are_counted_per_request_and_timed():
    listener = MongoCommandTimer()
    timed = Sample("taskflow_db_query_duration_seconds_count", vendor="mongodb")
    total = Sample("taskflow_db_query_duration_seconds_sum", vendor="mongodb")

    with count_mongo_commands() as request_commands:
        for _ in range(3):
            listener.started(_CommandEvent())
            listener.succeeded(_CommandEvent())
    listener.started(_CommandEvent())  # outside a request: timed, not counted
    listener.failed(_CommandEvent())

    assert request_commands.count == 3
    assert timed.delta == 4
    assert total.delta == pytest.approx(0.01)


def test_per_view_metrics_count_every_request(api_client):
    # The after-middleware keeps labelled children (taskflow.middleware): each request
    # must still move its own series, and a new status its own.
    labels = {"view": "api:task-list", "method": "GET"}
    ok = Sample("django_http_responses_total_by_status_view_method_total", status="200", **labels)
    latency = Sample("django_http_requests_latency_seconds_by_view_method_count", **labels)
    refused = Sample(
        "django_http_responses_total_by_status_view_method_total", status="401", **labels
    )

    api_client.get("/api/tasks/")
    api_client.get("/api/tasks/")
    APIClient().get("/api/tasks/")

    assert (ok.delta, latency.delta, refused.delta) == (2, 3, 1)
