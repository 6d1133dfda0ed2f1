"""Cache keys a view reads in the round trip that authenticates its API request.

With the shared cache (Redis), an API request's first round trip reads its token's
user state (``accounts.authentication``). A view that knows, from the user id alone,
which keys it will read next (the stats endpoint's entry and versions, a task list's
memberships) names them in a ``cache_keys_with_user(user_id)`` method; the
authentication reads them in its own ``get_many``, and the code that reads them takes
their values from here instead of making a round trip of its own. A cached stats
request makes two round trips instead of three (the other is the throttle's), a task
list two instead of three before its database query (docs/performance.md, round 19).

Why the values are as fresh as a read of their own:

- Only safe requests (GET, HEAD) read a view's keys. Their views write none of these
  keys, so a value read at authentication is the value a read a moment later would
  have returned, bar a write by another request in between, which the later read could
  have missed as well: each reader's own rules (versions read in the same ``get_many``
  as the entry) hold as before, since every key a reader needs comes from the one
  ``get_many``.
- A writer of one of these keys (a stats version bump, a membership change, a miss
  that stores an entry) also ``forget``s it here, so a later read in the same request
  goes to the cache.
- The values live for one request: Django's ``request_started`` and
  ``request_finished`` (connected in ``TaskflowConfig.ready``) empty them, and outside a
  request nothing is batched.

The throttle's counter stays a round trip of its own: DRF counts a request only once
its authentication and permissions have passed it, and a pipeline of the read and the
increment measured no less CPU than the two calls (docs/performance.md, round 19).

The project package: it imports no app; the keys are the apps' own.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

_MISSING = object()
SAFE_METHODS = frozenset({"GET", "HEAD"})

# key -> the value the authentication's get_many returned, or _MISSING (a miss).
_batch: ContextVar[dict[str, Any] | None] = ContextVar("taskflow_batched_reads", default=None)


def _view(request: Any) -> Any:
    return (getattr(request, "parser_context", None) or {}).get("view")


def keys_for(request: Any, user_id: str) -> list[str]:
    """The keys the view of ``request`` (a DRF request) reads for ``user_id``, to be read
    with the authentication's own; none for unsafe methods or views that name none."""
    if request.method not in SAFE_METHODS:
        return []
    named = getattr(_view(request), "cache_keys_with_user", None)
    return list(named(user_id)) if callable(named) else []


def keep(keys: list[str], found: dict[str, Any]) -> None:
    """Called by the authentication with what its ``get_many`` returned."""
    _batch.set({key: found.get(key, _MISSING) for key in keys} if keys else None)


def take(keys: Iterable[str]) -> dict[str, Any] | None:
    """What this request's batch read for ``keys`` (as ``cache.get_many`` answers: misses
    left out), or None unless the batch read every one of them."""
    batch = _batch.get()
    if not batch:
        return None
    keys = list(keys)
    if any(key not in batch for key in keys):
        return None
    return {key: batch[key] for key in keys if batch[key] is not _MISSING}


def forget(keys: Iterable[str]) -> None:
    """A writer changed these keys: later reads in this request go to the cache."""
    batch = _batch.get()
    if batch:
        for key in keys:
            batch.pop(key, None)


def clear(**kwargs: Any) -> None:
    """``request_started`` and ``request_finished``: nothing outlives its request."""
    if _batch.get() is not None:
        _batch.set(None)
