"""Stats cache with one version key per scope, in the shared cache.

A scope is a set of tasks whose stats readers cache together (today a user's own
tasks, ``owner:<id>``; with projects, ``project:<id>``). A write does not delete cached
stats: the write path (``tasks.events``) gives each scope it touched a new version.
A reader's entry carries the versions of every scope it read before computing, and is
used only while they are still current, so a reader that computed stats just before a
write can only store them under the old versions, which no later reader accepts: no
stale value outlives a write, on any instance, whatever the interleaving. The versions
and the entry are read together (one ``get_many``, one round trip on a hit). One bump per
scope also reaches every member of a project at once, with no per-user deletes.

A version is a fresh ULID rather than an incremented counter: if Redis evicts or
loses a version key, a counter would start again at 1 and could revive an entry
cached under that old number; a random new version never matches an old key.
When the cache is down every call is a miss and stats come from the database.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from taskflow import batched_reads, metrics
from taskflow.ids import new_id

logger = logging.getLogger(__name__)


def version_key(scope: str) -> str:
    return f"stats:v:{scope}"


def bump(scopes: Iterable[str]) -> None:
    """Give each scope a new version (called by tasks.events.task_written only)."""
    fresh = {version_key(scope): new_id() for scope in scopes}
    if fresh:
        batched_reads.forget(fresh)
        cache.set_many(fresh, timeout=None)


def current_versions(scopes: list[str], *, found: dict[str, Any] | None = None) -> list[str]:
    """``found``: what a ``cache.get_many`` of these version keys already returned."""
    keys = [version_key(scope) for scope in scopes]
    found = dict(found) if found is not None else cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        # add() keeps a version another instance created a moment ago.
        cache.add(key, new_id(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return [found.get(key) or "none" for key in keys]


# A reader whose stats are read in one zone only: a user's own ("mine") stats, read in
# their zone (accounts.preferences.zone_for). Their entry's key is known from their id
# alone, so an API request reads it in its authentication's round trip
# (taskflow.batched_reads); its zone and day are checked inside the entry.
OWN_READER = "user:"


def entry_key(reader_id: str, zone: str) -> str:
    # Other readers (a project's members) read in many zones: an entry for each.
    if reader_id.startswith(OWN_READER):
        return f"stats:{reader_id}"
    return f"stats:{reader_id}:{zone}"


def cache_keys(reader_id: str, scopes: list[str]) -> list[str]:
    """Every key ``get_or_compute`` reads on a hit, for a reader whose key needs no
    zone (``OWN_READER``)."""
    if not reader_id.startswith(OWN_READER):
        raise ValueError(f"{reader_id}: its entry's key depends on the reader's zone")
    return [version_key(scope) for scope in scopes] + [entry_key(reader_id, "")]


def get_or_compute(
    reader_id: str, scopes: list[str], compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """``reader_id``'s stats over ``scopes``, from the cache or ``compute()``.

    The entry is stored with the versions it was computed under and read in the same
    ``get_many`` as the current versions (one round trip on a hit, none of its own when
    the request's authentication read them: ``taskflow.batched_reads``): it is used
    only if they match, which is the old "versions in the key" rule without a second
    read."""
    ttl = settings.STATS_CACHE_TTL
    if ttl <= 0:
        return compute()
    # "Overdue" and "due today" depend on the reader's zone and change at its midnight
    # (and, for tasks with a due time, during the day: the short TTL bounds that).
    zone = timezone.get_current_timezone_name()
    day = timezone.localdate().isoformat()
    key = entry_key(reader_id, zone)
    keys = [version_key(scope) for scope in scopes] + [key]
    found = batched_reads.take(keys)
    if found is None:
        found = cache.get_many(keys)
        batched_reads.keep(keys, found)
    versions = _versions_digest(scopes, current_versions(scopes, found=found))
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 4 and entry[:3] == (versions, zone, day):
        record_lookup(hit=True)
        return entry[3]
    record_lookup(hit=False)
    # A miss writes these keys: a later read in this request goes to the cache.
    batched_reads.forget(keys)
    value = compute()
    cache.set(key, (versions, zone, day, value), timeout=ttl)
    return value


def _versions_digest(scopes: list[str], versions: list[str]) -> str:
    text = ":".join(f"{scope}={version}" for scope, version in zip(scopes, versions, strict=True))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def record_lookup(*, hit: bool) -> None:
    """Hook for metrics (stats-cache hits and misses)."""
    metrics.record_stats_cache_lookup(hit=hit)
