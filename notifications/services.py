"""In-app notifications: writes, reads, and the bell's cached unread count.

The unread count is one indexed COUNT, cached per user under a version that every
write here bumps (``tasks.stats_cache``'s version keys, scope ``notifications:<id>``):
a new or read notification changes the version, so no instance serves a stale count.
Cached only when the cache is shared (NOTIFICATIONS_UNREAD_TTL, 300 s with Redis, else
0): with a per-process cache the worker's bump would not reach the web processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.db.models import Count, QuerySet
from django.utils import timezone

from notifications.models import TITLE_MAX, Notification, notification_rank
from taskflow import batched_reads, query_shapes, request_memo
from tasks import stats_cache

MARK_READ_MAX = 100  # ids in one mark-read request


def _scope(user_id: str) -> str:
    return f"notifications:{user_id}"


def _changed(user_id: str) -> None:
    stats_cache.bump([_scope(user_id)])


def notification_create(
    *,
    user_id: str,
    kind: str,
    title: str,
    body: str = "",
    task_id: str = "",
    notification_id: str | None = None,
) -> tuple[Notification, bool]:
    """Create a notification, or find the one with ``notification_id`` (a derived id:
    a retried delivery must not add a second). Returns (notification, created). No
    transaction needed: the primary key is the only guard, on every backend."""
    if notification_id is not None:
        found = Notification.objects.filter(pk=notification_id).first()
        if found is not None:
            return found, False
    now = timezone.now()
    fields: dict[str, Any] = {
        "user_id": user_id,
        "kind": kind,
        "task_id": task_id,
        "title": title[:TITLE_MAX],
        "body": body,
        "created_at": now,
        "rank": notification_rank(created_at=now, read=False),
    }
    if notification_id is not None:
        fields["id"] = notification_id
    try:
        notification = Notification.objects.create(**fields)
    except IntegrityError:  # another worker created it between the read and the insert
        return Notification.objects.get(pk=notification_id), False
    _changed(user_id)
    return notification, True


def mark_read(*, user: Any, ids: Iterable[str] | None = None, everything: bool = False) -> int:
    """Mark the user's notifications ``ids`` (or all of them) read; ids that are not the
    user's are ignored. Returns how many changed from unread to read."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=list(ids or [])[:MARK_READ_MAX])
    now = timezone.now()
    changed = 0
    # One conditional update per row (the rank embeds the row's own creation time), in
    # batches: every pass marks what it read, so the loop ends.
    while batch := list(unread.order_by("pk").values_list("pk", "created_at")[:500]):
        for pk, created_at in batch:
            changed += Notification.objects.filter(pk=pk, read_at__isnull=True).update(
                read_at=now, rank=notification_rank(created_at=created_at, read=True)
            )
    if changed:
        _changed(user.pk)
    return changed


# --- reads --------------------------------------------------------------------------------


def user_notifications(user: Any) -> QuerySet[Notification]:
    """The user's notifications; list them ordered by ``-rank`` (unread first)."""
    return Notification.objects.filter(user_id=user.pk)


def unread_count(user: Any) -> int:
    """The bell's number: cached per user with the version it was counted under (one
    COUNT on a miss). The entry is read in the same ``get_many`` as the version and
    used only if they match (tasks.stats_cache.get_or_compute's rule): one round trip
    on every page, not two."""
    ttl = settings.NOTIFICATIONS_UNREAD_TTL
    if ttl <= 0:
        # A per-process cache would miss the worker's new notifications; the memo is
        # dropped at any change to the database, theirs included (taskflow.request_memo).
        key = ("unread", str(user.pk))
        memoized = request_memo.get(key)
        if memoized is None:
            memoized = _count_unread(user)
            request_memo.put(key, memoized)
        return memoized
    keys = unread_cache_keys(str(user.pk))
    # Read with the page's session state where a page asked (taskflow.batched_reads).
    found = batched_reads.take(keys)
    if found is None:
        found = cache.get_many(keys)
        batched_reads.keep(keys, found)
    key = keys[1]
    (version,) = stats_cache.current_versions([_scope(user.pk)], found=found)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return int(entry[1])
    batched_reads.forget(keys)
    value = _count_unread(user)
    cache.set(key, (version, value), timeout=ttl)
    return value


def unread_cache_keys(user_id: str) -> list[str]:
    """What ``unread_count`` reads on a hit: its scope's version, then the entry."""
    return [stats_cache.version_key(_scope(user_id)), f"notifications:unread:v2:{user_id}"]


def _count_unread(user: Any) -> int:
    # Counted on every page when no cache holds it: the statement names nothing but the
    # user, so it is built and compiled once per thread (taskflow.query_shapes.rows),
    # as a values() query (count() compiles its own aggregate each time). Grouped by
    # the user it filters on: one row, or none for no unread notification.
    user_id = str(user.pk)
    found = query_shapes.rows(
        ("unread", user_id),
        lambda: (
            Notification.objects.filter(user_id=user_id, read_at__isnull=True)
            .order_by()
            .values("user_id")
            .annotate(unread=Count("pk"))
            .values_list("unread", flat=True)
        ),
    )
    return found[0] if found else 0
