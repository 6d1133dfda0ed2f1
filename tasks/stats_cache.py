"""Per-user stats cache with generation keys.

A write does not delete the cached stats; it gives the user a new generation id.
Readers look up the stats under the current generation, so a reader that computed
stats just before a write can only store them under the old, no longer read, key:
no stale value can outlive a write, whatever the interleaving across instances.
When the cache is down every call is a miss and stats come from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from taskflow import metrics
from taskflow.ids import new_id

logger = logging.getLogger(__name__)


def _generation_key(user_id: str) -> str:
    return f"stats-gen:{user_id}"


def invalidate(user_id: str) -> None:
    cache.set(_generation_key(user_id), new_id(), timeout=None)


def _current_generation(user_id: str) -> str:
    key = _generation_key(user_id)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, new_id(), timeout=None)
        generation = cache.get(key)
    return generation or "none"


def get_or_compute(user_id: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    ttl = settings.STATS_CACHE_TTL
    if ttl <= 0:
        return compute()
    # The date is part of the key because "overdue" and "due today" change at midnight.
    key = f"stats:{user_id}:{_current_generation(user_id)}:{timezone.localdate().isoformat()}"
    value = cache.get(key)
    if value is not None:
        record_lookup(hit=True)
        return value
    record_lookup(hit=False)
    value = compute()
    cache.set(key, value, timeout=ttl)
    return value


def record_lookup(*, hit: bool) -> None:
    """Hook for metrics (stats-cache hits and misses)."""
    metrics.record_stats_cache_lookup(hit=hit)
