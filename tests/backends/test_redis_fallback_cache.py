"""taskflow.cache.FallbackRedisCache and the "default" django-redis cache against a
real redis-server that the tests stop and start."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import redis
from django.core.cache import caches
from django.test import RequestFactory
from django.utils import timezone

from accounts import revocation
from taskflow import ratelimit
from taskflow.cache import FallbackRedisCache
from tasks.selectors import task_stats
from tests.backends.conftest import redis_caches
from tests.factories import TaskFactory, UserFactory


def make_cache(url: str) -> FallbackRedisCache:
    params = redis_caches(url)["ratelimit"]
    return FallbackRedisCache(url, {k: v for k, v in params.items() if k != "BACKEND"})


def redis_keys(url: str) -> list[str]:
    return sorted(key.decode() for key in redis.Redis.from_url(url).keys("*"))


def test_counts_live_in_redis_while_it_is_up(redis_server):
    cache = make_cache(redis_server.url)
    cache.add("hits", 0)
    assert cache.incr("hits") == 1
    assert redis_keys(redis_server.url) == ["tf:1:hits"]


def test_outage_is_served_from_the_fallback_and_logged_once(redis_server, caplog):
    cache = make_cache(redis_server.url)
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="taskflow.cache"):
        assert cache.add("hits", 1) is True
        counts = [cache.incr("hits") for _ in range(30)]
    assert counts == list(range(2, 32))
    warnings = [r.getMessage() for r in caplog.records if r.name == "taskflow.cache"]
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0]


def test_redis_is_used_again_after_it_returns_without_a_restart(redis_server, caplog):
    cache = make_cache(redis_server.url)
    redis_server.stop()
    cache.set("during-outage", "local")
    redis_server.start()
    with caplog.at_level(logging.WARNING, logger="taskflow.cache"):
        cache.set("after-outage", "shared")
    assert redis_keys(redis_server.url) == ["tf:1:after-outage"]
    assert any("Redis is back" in r.getMessage() for r in caplog.records)


def test_login_limit_falls_back_to_a_per_process_limit(redis_settings, redis_server):
    redis_server.stop()
    request = RequestFactory().post("/api/auth/login/", REMOTE_ADDR="203.0.113.9")
    for i in range(20):
        ratelimit.login_attempt(request, f"guess{i}@example.com")
    with pytest.raises(ratelimit.LoginRateLimited):
        ratelimit.login_attempt(request, "guess20@example.com")


def test_login_limit_is_shared_through_redis(redis_settings, redis_server):
    request = RequestFactory().post("/api/auth/login/", REMOTE_ADDR="203.0.113.9")
    for i in range(20):
        ratelimit.login_attempt(request, f"guess{i}@example.com")
    # Another process has its own fallback but the same Redis: it sees the 20 failures
    # of the client's network (and one for each account).
    other_process_cache = make_cache(redis_server.url)
    keys = [k.removeprefix("tf:1:") for k in redis_keys(redis_server.url)]
    (network_key,) = [k for k in keys if k.startswith("login:ip:")]
    assert len(keys) == 21
    assert other_process_cache.get(network_key) == 20
    with pytest.raises(ratelimit.LoginRateLimited):
        ratelimit.login_attempt(request, "guess20@example.com")


def test_default_cache_logs_every_ignored_redis_error(redis_settings, redis_server, caplog):
    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        assert caches["default"].get("anything") is None
        caches["default"].set("anything", 1)
    assert [r.getMessage() for r in caplog.records if r.name == "django_redis.cache"] == [
        "Exception ignored",
        "Exception ignored",
    ]


@pytest.mark.django_db
def test_revocation_answers_from_the_database_while_redis_is_down(redis_settings, redis_server):
    user = UserFactory()
    assert revocation.is_revoked("jti-1") is False  # caches "not revoked" in Redis
    redis_server.stop()
    expires = timezone.now() + timedelta(minutes=5)
    revocation.revoke(jti="jti-1", kind="access", user_id=user.pk, expires_at=expires)
    assert revocation.is_revoked("jti-1") is True


@pytest.mark.django_db
def test_stats_are_computed_from_the_database_while_redis_is_down(redis_settings, redis_server):
    user = UserFactory()
    TaskFactory(owner=user)
    assert task_stats(user)["total"] == 1
    redis_server.stop()
    TaskFactory(owner=user)
    assert task_stats(user)["total"] == 2
