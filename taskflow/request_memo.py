"""Values read once per request and shared by the code of that request.

Between Django's ``request_started`` and ``request_finished`` signals (connected in
``TaskflowConfig.ready``) each thread has an empty memo; outside a request (jobs,
commands, shell) there is none and ``get`` always misses, so nothing is kept beyond one
request. A writer that changes what a memo holds calls ``forget`` for its keys.

What it is for: with the embedded mode's per-process cache, values another process may
change cannot be cached across requests, yet one page may need the same read twice
(a user's memberships: the list's project ids and the project switcher).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("taskflow_request_memo", default=None)


def get(key: Any) -> Any | None:
    """The value stored under ``key`` in this request, or None."""
    memo = _memo.get()
    return None if memo is None else memo.get(key)


def active() -> bool:
    """Whether this code runs inside a request (a memo is kept)."""
    return _memo.get() is not None


def put(key: Any, value: Any) -> None:
    """Keep ``value`` for the rest of this request (a no-op outside one)."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def forget(key: Any) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


def start(**kwargs: Any) -> None:
    """``request_started``: a fresh memo (whatever an unfinished request left)."""
    _memo.set({})


def finish(**kwargs: Any) -> None:
    """``request_finished``."""
    _memo.set(None)
