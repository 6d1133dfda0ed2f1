"""Personal API tokens: format, hashing, checking and revocation state.

A token reads ``tf_<prefix>_<secret>``: the prefix (12 hex characters) finds the row,
the secret (32 random bytes) is only ever stored as its sha256 and compared in constant
time. Revocation is ``revoked_at`` in the database (the truth) plus a shared-cache
entry that lets every instance refuse the token without a query; the database is still
read for every token that is not known revoked, so losing the cache (a Redis outage)
cannot bring a revoked token back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from accounts.models import ApiToken

TOKEN_PREFIX = "tf"  # noqa: S105 (the public start of every token, not a secret)
PREFIX_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32
# last_used_at/ip are written at most this often per token (a conditional update).
LAST_USED_EVERY = timedelta(minutes=1)
# How long a revoked marker stays in the shared cache when the token has no expiry.
REVOKED_CACHE_SECONDS = 7 * 24 * 3600


def _revoked_key(prefix: str) -> str:
    return f"apitoken-revoked:{prefix}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate() -> tuple[str, str, str]:
    """A new token: (full token shown once, prefix, hash of the secret)."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", prefix, hash_secret(secret)


def split(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_BYTES * 2 or not secret or len(secret) > 100:
        return None
    return prefix, secret


def find_valid(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token ``raw`` names (with its user loaded), or None."""
    parsed = split(raw)
    if parsed is None:
        return None
    prefix, secret = parsed
    if cache.get(_revoked_key(prefix)) == "1":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    now = now or timezone.now()
    user = token.user
    if (
        token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not user.is_active
        or token.generation != user.token_generation
    ):
        return None
    return token


def touch(token: ApiToken, *, ip: str, now: datetime | None = None) -> None:
    """Record the use, at most once a minute per token across every instance: the
    update only matches while last_used_at still holds the value this request read."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
        last_used_at=now, last_used_ip=ip[:45]
    )


def mark_revoked(tokens: list[ApiToken], *, now: datetime | None = None) -> None:
    """Tell every instance at once (shared cache); the caller has set revoked_at."""
    now = now or timezone.now()
    for token in tokens:
        seconds = REVOKED_CACHE_SECONDS
        if token.expires_at is not None:
            seconds = int((token.expires_at - now).total_seconds())
        if seconds > 0:
            cache.set(_revoked_key(token.prefix), "1", timeout=seconds)
