"""tasks.stats_cache reads the scope versions and the entry together (one round trip
on a hit), and still never serves an entry computed before a write."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from tasks import stats_cache
from tests.backends.conftest import redis_caches

pytestmark = pytest.mark.django_db


def counting_compute():
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    return compute, calls


def test_a_hit_is_one_cache_read(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    compute, calls = counting_compute()
    stats_cache.get_or_compute("user:a", ["owner:a", "project:p"], compute)
    with (
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
        mock.patch.object(cache, "get", wraps=cache.get) as get,
    ):
        assert stats_cache.get_or_compute("user:a", ["owner:a", "project:p"], compute) == {"n": 1}
    assert (get_many.call_count, get.call_count, len(calls)) == (1, 0, 1)


def test_an_entry_computed_before_a_write_is_not_served_after_it():
    compute, _ = counting_compute()
    stats_cache.get_or_compute("user:a", ["project:p"], compute)
    key = stats_cache.entry_key("user:a", timezone.get_current_timezone_name())
    stale = cache.get(key)
    assert stale is not None
    stats_cache.bump(["project:p"])
    cache.set(key, stale)  # a slow reader's late write of what it computed before
    assert stats_cache.get_or_compute("user:a", ["project:p"], compute) == {"n": 2}


def test_another_set_of_scopes_is_another_entry():
    compute, _ = counting_compute()
    stats_cache.get_or_compute("user:a", ["project:p"], compute)
    assert stats_cache.get_or_compute("user:a", ["project:p", "project:q"], compute) == {"n": 2}
