"""Writes of calendar feeds: create one on first use, rotate it (SPEC §9)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from calendars.models import CalendarFeed

_HMAC_SALT = "calendars.feed"


def secret_of(feed: CalendarFeed) -> str:
    """The URL secret of ``feed``: 64 hex characters derived from its salt and the
    server's SECRET_KEY (changing SECRET_KEY changes every feed URL)."""
    return salted_hmac(_HMAC_SALT, feed.salt, algorithm="sha256").hexdigest()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _fresh_values() -> dict[str, str]:
    probe = CalendarFeed(salt=secrets.token_hex(32))
    return {"salt": probe.salt, "token_hash": hash_secret(secret_of(probe))}


def feed_for(*, user: Any) -> CalendarFeed:
    """The user's feed, created on first use. Two first calls at once both end with the
    same row: the unique user column refuses the second insert on every backend."""
    feed = CalendarFeed.objects.filter(user_id=user.pk).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user_id=user.pk, **_fresh_values())
    except IntegrityError:
        return CalendarFeed.objects.get(user_id=user.pk)


def feed_rotate(*, user: Any) -> CalendarFeed:
    """A new secret for the user's feed; the old URL stops working at once."""
    feed = feed_for(user=user)
    values = _fresh_values()
    now = timezone.now()
    # One single-row update: atomic on every backend, MongoDB included.
    CalendarFeed.objects.filter(pk=feed.pk).update(**values, rotated_at=now)
    feed.salt, feed.token_hash, feed.rotated_at = values["salt"], values["token_hash"], now
    return feed
