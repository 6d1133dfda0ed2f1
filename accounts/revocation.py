"""Revoked JWT state that every instance sees.

The database (``RevokedToken``) is the truth. With a shared cache (Redis) each answer
is cached for a minute, so most authenticated requests cost one cache read; with the
in-process cache of the embedded mode, or when Redis is down, the database answers.
A per-process cache is never trusted for "not revoked": another process may have
revoked the token a moment ago. The embedded mode keeps the database's answer in
``taskflow.request_memo`` instead, which on SQLite is dropped at any change to the
database, a revocation by another process included.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import RevokedToken
from taskflow import metrics, request_memo, statements

_NEGATIVE_TTL = 60


def cache_key(jti: str) -> str:
    return f"revoked:{jti}"


def is_revoked(jti: str, *, found: dict[str, str] | None = None) -> bool:
    """``found``: what a batched ``cache.get_many`` already returned for ``cache_key``
    (JWT authentication reads it with the user's row in one round trip)."""
    if settings.CACHE_IS_SHARED:
        key = cache_key(jti)
        cached = found.get(key) if found is not None else cache.get(key)
        if cached is not None:
            return cached == "1"
    else:
        # The embedded mode: while the database is unchanged (taskflow.request_memo).
        memo_key = ("revoked", jti)
        memoized = request_memo.get(memo_key)
        if memoized is not None:
            return memoized
    revoked = statements.exists(RevokedToken, "jti", jti)
    if not settings.CACHE_IS_SHARED:
        request_memo.put(memo_key, revoked)
    else:
        cache.set(cache_key(jti), "1" if revoked else "0", timeout=_NEGATIVE_TTL)
    return revoked


def revoke(*, jti: str, kind: str, user_id: str, expires_at: datetime) -> bool:
    """Record ``jti`` as revoked. Returns False if it already was (one atomic insert)."""
    try:
        # A savepoint, so that a duplicate leaves an enclosing transaction usable.
        with transaction.atomic():
            RevokedToken.objects.create(jti=jti, kind=kind, user_id=user_id, expires_at=expires_at)
        created = True
    except IntegrityError:
        created = False
    if created:
        metrics.record_revocation(kind)
    remaining = int((expires_at - timezone.now()).total_seconds())
    cache.set(cache_key(jti), "1", timeout=max(remaining, 1))
    return created


def prune_expired(*, now: datetime | None = None) -> int:
    deleted, _ = RevokedToken.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
