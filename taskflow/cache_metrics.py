"""Cache backends that time every operation (taskflow_cache_operation_duration_seconds).

django-prometheus's cache wrappers count hits and misses but do not time calls, and
cover only some backends; this mixin times whatever backend it is mixed into.
"""

from __future__ import annotations

import time
from typing import Any

from django_redis.cache import RedisCache

from taskflow import metrics
from taskflow.cache import FallbackRedisCache


def _timed(operation: str) -> Any:
    def method(self: TimedCacheMixin, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(super(TimedCacheMixin, self), operation)(*args, **kwargs)
        finally:
            metrics.observe_cache_operation(
                self.metrics_name, operation, time.perf_counter() - started
            )

    method.__name__ = operation
    return method


class TimedCacheMixin:
    """Mixed in before a cache backend; ``metrics_name`` labels its timings."""

    metrics_name = "default"

    get = _timed("get")
    set = _timed("set")
    add = _timed("add")
    delete = _timed("delete")
    get_many = _timed("get_many")
    set_many = _timed("set_many")
    delete_many = _timed("delete_many")
    incr = _timed("incr")
    touch = _timed("touch")


class TimedRedisCache(TimedCacheMixin, RedisCache):
    """The "default" cache (stats, revocation state, sessions) on Redis."""


class TimedFallbackRedisCache(TimedCacheMixin, FallbackRedisCache):
    """The "ratelimit" cache: Redis with a per-process fallback (taskflow.cache)."""

    metrics_name = "ratelimit"
