"""The fixed-window per-user throttle (taskflow.throttling)."""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle

from taskflow.throttling import FixedWindowUserRateThrottle

LIST = "/api/tasks/"


@pytest.fixture
def three_per_minute(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min"})


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 600.0}  # the start of a one-minute window
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", lambda self: now["t"])
    return now


def test_the_count_restarts_in_the_next_window(api_client, three_per_minute, clock):
    assert [api_client.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock["t"] += 60
    assert api_client.get(LIST).status_code == 200


def test_retry_after_is_the_rest_of_the_window(api_client, three_per_minute, clock):
    clock["t"] += 45
    for _ in range(3):
        api_client.get(LIST)
    limited = api_client.get(LIST)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "15"


def test_anonymous_requests_are_not_counted_against_a_user(
    api_client, anon_client, three_per_minute, clock
):
    for _ in range(3):
        anon_client.get(LIST)
    assert api_client.get(LIST).status_code == 200
