"""Values read from the database once and shared by the code of a request, and on
SQLite by the next requests of the same thread while the database is unchanged.

Between Django's ``request_started`` and ``request_finished`` signals (connected in
``TaskflowConfig.ready``) each thread has a memo; outside a request (jobs, commands,
shell) there is none and ``get`` always misses. A writer that changes what a memo holds
calls ``forget`` for its keys.

What it is for: the embedded mode's per-process cache cannot see another process's
writes, so the reads a shared cache (Redis) spares every request — the user's row, the
revocation of their session, their memberships, the bell's count — would be made by
every request. Two rules keep the memo exactly as fresh as the database:

- **Within a request** (every backend) a value is kept until the request ends.
- **On SQLite, across requests**: SQLite tells a connection, at the cost of one pragma
  and no table read, whether anything may have changed since it last asked
  (``taskflow.backends.change_stamp``: ``PRAGMA data_version`` counts commits by any
  other connection, of this process or another; the connection's own count of changed
  rows covers its own writes, even those rolled back later). Every ``get`` and ``put``
  compares the stamp with the memo's; on any difference the memo is emptied. The thread
  keeps its memo for its next request (each thread has its own connection), unless the
  connection is another one or a value was stored inside a transaction, which could
  still be rolled back: the memo is then emptied once that transaction (or savepoint)
  ends, and not kept past the request.

So a read-mostly user of the embedded mode pays for these reads once per write, of any
user, to the database; PostgreSQL and MongoDB keep them per request (with Redis they
come from the shared cache instead).
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import Any

from django.db import connection

from taskflow import backends

# A memo kept across requests holds at most this many values (a busy read-only spell
# by many users); beyond it, it starts again empty.
MAX_VALUES = 2_000


class _Memo:
    __slots__ = ("inside", "missed", "stamp", "values")

    def __init__(self, stamp: Any = None) -> None:
        self.values: dict[Any, Any] = {}
        # The stamp under which each key was last missed: what ``put`` may store it under.
        self.missed: dict[Any, Any] = {}
        self.stamp = stamp
        # The deepest transaction (atomic block) a value was stored in, or None: once
        # that block has ended, committed or rolled back, the memo starts again empty,
        # and it is never kept past the request.
        self.inside: int | None = None


_memo: ContextVar[_Memo | None] = ContextVar("taskflow_request_memo", default=None)
# Each thread's memo between two of its requests (gunicorn's threads serve requests one
# after another, each with its own database connection).
_kept = threading.local()


def _checked() -> _Memo | None:
    """This request's memo, emptied if the database may have changed since its stamp."""
    memo = _memo.get()
    if memo is None:
        return None
    stamp = backends.change_stamp(connection)
    if stamp != memo.stamp or (
        memo.inside is not None and len(connection.atomic_blocks) < memo.inside
    ):
        memo.values.clear()
        memo.missed.clear()
        memo.stamp = stamp
        memo.inside = None
    return memo


def get(key: Any) -> Any | None:
    """The value stored under ``key`` and still current, or None."""
    memo = _checked()
    if memo is None:
        return None
    value = memo.values.get(key)
    if value is None:
        memo.missed[key] = memo.stamp
    return value


def active() -> bool:
    """Whether this code runs inside a request (a memo is kept)."""
    return _memo.get() is not None


def put(key: Any, value: Any) -> None:
    """Keep ``value``, read since the ``get`` of ``key`` that missed (a no-op outside a
    request, or without that ``get``).

    If the database changed between that ``get`` and now, the value may predate the
    change, and it is not kept."""
    memo = _checked()
    if memo is None or key not in memo.missed or memo.missed.pop(key) != memo.stamp:
        return
    depth = len(connection.atomic_blocks)
    if depth:
        memo.inside = max(depth, memo.inside or 0)
    if len(memo.values) >= MAX_VALUES:
        memo.values.clear()
        memo.missed.clear()
    memo.values[key] = value


def forget(key: Any) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.values.pop(key, None)


def start(**kwargs: Any) -> None:
    """``request_started``: the thread's kept memo (checked at its first use), or a
    fresh one."""
    kept = getattr(_kept, "memo", None)
    _kept.memo = None
    _memo.set(kept if kept is not None else _Memo())


def finish(**kwargs: Any) -> None:
    """``request_finished``: kept for the thread's next request where the stamp allows
    it to be checked then (SQLite) and nothing was read inside a transaction."""
    memo = _memo.get()
    _memo.set(None)
    if memo is not None and memo.inside is None and memo.stamp is not None and memo.values:
        _kept.memo = memo
    else:
        _kept.memo = None


def drop_kept() -> None:
    """Forget what this thread kept (tests that swap databases or settings)."""
    _kept.memo = None
