"""Pinned saved filters in the nav of every signed-in page (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tasks import saved_filters


def pinned_filters(request: HttpRequest) -> dict[str, Any]:
    """``pinned_filters``: lazy, and read from the cache (tasks.saved_filters), so a
    page pays no query for it once the user's filters are cached."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "pinned_filters": SimpleLazyObject(
            lambda: saved_filters.pinned_filters(user, saved_filters.request_filters(request))
        )
    }
