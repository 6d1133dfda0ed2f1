"""The cache backends settings.py names for Redis time every operation."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from taskflow.cache_metrics import TimedFallbackRedisCache, TimedRedisCache

pytestmark = pytest.mark.integration

OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}


def _count(cache: str, operation: str) -> float:
    labels = {"cache": cache, "operation": operation}
    return REGISTRY.get_sample_value("taskflow_cache_operation_duration_seconds_count", labels) or 0


@pytest.mark.parametrize(
    ("backend", "name", "ignore_exceptions"),
    [(TimedRedisCache, "default", True), (TimedFallbackRedisCache, "ratelimit", False)],
)
def test_redis_operations_are_timed(redis_url, backend, name, ignore_exceptions):
    cache = backend(
        redis_url,
        {"KEY_PREFIX": "tf", "OPTIONS": {**OPTIONS, "IGNORE_EXCEPTIONS": ignore_exceptions}},
    )
    before = {op: _count(name, op) for op in ("add", "incr", "get", "set")}

    cache.set("greeting", "hello")
    cache.add("hits", 0)
    cache.incr("hits")
    values = (cache.get("greeting"), cache.get("hits"))

    assert values == ("hello", 1)
    after = {op: _count(name, op) - before[op] for op in before}
    assert after == {"add": 1, "incr": 1, "get": 2, "set": 1}
