"""Shared-cache values this request has already read, and reads batched ahead.

With the shared cache (Redis) two things made requests pay round trips twice over:

- **Reads batched with the authentication.** An API request's first round trip reads
  its token's user state (``accounts.authentication``). A view that knows, from the
  user id alone, which keys it will read next (the stats endpoint's entry and
  versions, a task list's memberships) names them in a ``cache_keys_with_user(user_id)``
  method; the authentication reads them in its own ``get_many`` (GET and HEAD only).
  A signed-in page's first round trip reads its session's user state
  (``accounts.login_sessions``); the keys every page reads for its user (the project
  switcher's memberships, the bell's count, the nav's saved filters), which apps
  register with ``read_with_every_page``, are read in it too.
- **The same keys read again.** A task list page read the user's memberships entry
  three or four times (the list, its total, the project switcher, a search's scope).
  Readers that ``keep`` what they read let the next reader of the same keys in the
  request ``take`` it instead.

A cached stats request makes two round trips instead of three (the other is the
throttle's), an HTML task list three instead of eight (docs/performance.md, round 19).

Why a value taken here is as fresh as a read of its own:

- Every key a reader needs comes from one ``get_many`` (``take`` answers for all of a
  reader's keys or for none), so each reader's own rule holds as before: an entry is
  used only with the versions read together with it.
- A value read earlier in the request is the value a read now would return, bar a
  write by another request in between, which a read of its own a moment earlier could
  have missed as well; and a write by this request goes through the writers of these
  keys (``stats_cache.bump``, ``membership_cache.changed``, a miss that stores an
  entry), which ``forget`` them here, so the next read goes to the cache.
- The values live for one request: Django's ``request_started`` starts an empty store
  and ``request_finished`` drops it (connected in ``TaskflowConfig.ready``). Outside a
  request (jobs, commands) nothing is kept and every read goes to the cache.

The throttle's counter stays a round trip of its own: DRF counts a request only once
its authentication and permissions have passed it, and a pipeline of the read and the
increment measured no less CPU than the two calls (docs/performance.md, round 19).
Since round 21 a process takes that counter in leases of up to 8 slots
(``taskflow.throttling``), so most requests of a busy client skip that round trip.

The project package: it imports no app; the keys are the apps' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

_MISSING = object()
SAFE_METHODS = frozenset({"GET", "HEAD"})

# key -> the value a get_many of this request returned, or _MISSING (a miss); None
# outside a request.
_store: ContextVar[dict[str, Any] | None] = ContextVar("taskflow_batched_reads", default=None)


def keys_for(request: Any, user_id: str) -> list[str]:
    """The keys the view of ``request`` (a DRF request) reads for ``user_id``, to be read
    with the authentication's own; none for unsafe methods or views that name none."""
    if request.method not in SAFE_METHODS:
        return []
    view = (getattr(request, "parser_context", None) or {}).get("view")
    named = getattr(view, "cache_keys_with_user", None)
    return list(named(user_id)) if callable(named) else []


# name -> the keys every signed-in page reads for a user id (read_with_every_page).
_page_readers: dict[str, Callable[[str], list[str]]] = {}


def read_with_every_page(name: str, keys_of: Callable[[str], list[str]]) -> None:
    """Registered from an app's ``ready()``: ``keys_of(user_id)`` are shared-cache keys
    that every signed-in page reads for that user, and whose reader ``take``s them."""
    _page_readers[name] = keys_of


def page_keys(request: Any, user_id: str) -> list[str]:
    """The registered keys of every page, for a signed-in page request (GET, HEAD)."""
    if request.method not in SAFE_METHODS:
        return []
    return [key for keys_of in _page_readers.values() for key in keys_of(user_id)]


def keep(keys: Iterable[str], found: dict[str, Any]) -> None:
    """``found``: what a ``cache.get_many`` of ``keys`` returned in this request (misses
    left out), for the next reader of these keys in the request."""
    store = _store.get()
    if store is not None:
        for key in keys:
            store[key] = found.get(key, _MISSING)


def take(keys: Iterable[str]) -> dict[str, Any] | None:
    """What this request already read for ``keys`` (as ``cache.get_many`` answers: misses
    left out), or None unless it read every one of them (the caller reads the cache)."""
    store = _store.get()
    if not store:
        return None
    keys = list(keys)
    if any(key not in store for key in keys):
        return None
    return {key: store[key] for key in keys if store[key] is not _MISSING}


def forget(keys: Iterable[str]) -> None:
    """A writer changed these keys: the next read in this request goes to the cache."""
    store = _store.get()
    if store:
        for key in keys:
            store.pop(key, None)


def start(**kwargs: Any) -> None:
    """``request_started``."""
    _store.set({})


def finish(**kwargs: Any) -> None:
    """``request_finished``: nothing outlives its request."""
    _store.set(None)
