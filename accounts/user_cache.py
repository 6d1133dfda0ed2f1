"""The user row of JWT requests and browser sessions, from the shared cache.

Every API request signed with a JWT, and every page of a signed-in browser session
(``accounts.backends``: Django's ``get_user``), needs the user's row (``is_active``, the token
generation, the time zone); reading it from the database was the largest part of
authentication. With a shared cache (Redis) the row is cached, and correctness comes
from the scheme of ``tasks.stats_cache``: each user has a version key, a row is stored
with the version read *before* the database read, and every write to a ``User`` gives
the user a new version (now, and again once its transaction commits). A request that
read the row just before a write can store it only under the old version, which no
later request accepts, so deactivation, a password change and "sign out everywhere"
are seen by every instance at the next request.

Writes are caught whichever way they go: ``save()`` and ``delete()`` by signals,
``User.objects…update()`` by the user queryset (``accounts.models.UserQuerySet``).

The embedded mode's per-process cache could not see another process's writes, so there
(``CACHE_IS_SHARED`` false) the row comes from ``taskflow.request_memo``: on SQLite it
is read again after any change to the database, of any process. If Redis is
unreachable, reads miss and the database answers; a new version lost to an outage
leaves a cached row alive at most ``ROW_TTL`` seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import salted_hmac

from taskflow import request_memo, statements
from taskflow.ids import new_id

if TYPE_CHECKING:
    from accounts.models import User

ROW_TTL = 60


def version_key(user_id: str) -> str:
    return f"user:v:{user_id}"


def row_key(user_id: str) -> str:
    return f"user:row:{user_id}"


def cache_keys(user_id: str) -> list[str]:
    """The keys ``load`` reads, for a caller that batches them with its own reads."""
    return [version_key(user_id), row_key(user_id)]


# Never in the cache: a password hash has no business in Redis. A request that needs
# it (a password check) loads it on first access, as Django does for deferred fields.
UNCACHED_FIELDS = frozenset({"password"})
# What a browser session is checked against instead (User.get_session_auth_hash): the
# HMAC every session already stores (in this same cache: cached_db sessions), under a
# tag of the secret it was made with, and the token generation it covers.
SESSION_HASH_ATTR = "_cached_session_auth"


@functools.cache
def _field_names() -> tuple[str, ...]:
    from accounts.models import User

    fields = User._meta.concrete_fields
    return tuple(f.attname for f in fields if f.attname not in UNCACHED_FIELDS)


def secret_tag() -> str:
    """Which SECRET_KEY a cached session hash was made with: after a rotation a
    cached one no longer counts (Django then also tries SECRET_KEY_FALLBACKS)."""
    key = settings.SECRET_KEY
    tag = _SECRET_TAGS.get(key)
    if tag is None:
        tag = salted_hmac("taskflow.accounts.user_cache.secret", "", algorithm="sha256")
        tag = _SECRET_TAGS[key] = tag.hexdigest()[:16]
    return tag


_SECRET_TAGS: dict[str, str] = {}


def _session_hash(user: User) -> tuple[str, int, str]:
    return (secret_tag(), user.token_generation, user.get_session_auth_hash())


def _from_entry(entry: Any, version: Any) -> User | None:
    from accounts.models import User

    names = _field_names()
    # A row cached by another release (other columns) is a miss, not a half user.
    if not (isinstance(entry, tuple) and len(entry) == 4 and entry[0] == version):
        return None
    if entry[1] != names:
        return None
    user = User.from_db(User.objects.db, names, entry[2])
    setattr(user, SESSION_HASH_ATTR, entry[3])
    return user


# (user id, found): keys a caller already read in its own batch, for a ``load`` it
# cannot pass them to (Django's get_user asks the backend with the user id only).
_PREFETCHED: ContextVar[tuple[str, dict[str, Any]] | None] = ContextVar(
    "user_cache_prefetched", default=None
)


@contextmanager
def prefetched(user_id: str, found: dict[str, Any]) -> Iterator[None]:
    """Within this block, ``load(user_id)`` takes ``found`` (what a batched
    ``cache.get_many`` returned for ``cache_keys(user_id)`` among others)."""
    token = _PREFETCHED.set((user_id, found))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def load(user_id: str, found: dict[str, Any] | None = None) -> User | None:
    """The user ``user_id`` (active or not), or None if there is none.

    ``found``: what a batched ``cache.get_many`` already returned for ``cache_keys``."""

    if not settings.CACHE_IS_SHARED:
        return _read_memoized(user_id)
    if found is None:
        batch = _PREFETCHED.get()
        found = batch[1] if batch is not None and batch[0] == user_id else None
    if found is None:
        found = cache.get_many(cache_keys(user_id))
    version = found.get(version_key(user_id))
    if version is not None:
        user = _from_entry(found.get(row_key(user_id)), version)
        if user is not None:
            return user
    else:
        # add() keeps a version another instance created a moment ago.
        cache.add(version_key(user_id), new_id(), timeout=None)
        version = cache.get(version_key(user_id))
    user = _read(user_id)
    if user is not None and version is not None:
        names = _field_names()
        values = tuple(getattr(user, name) for name in names)
        entry = (version, names, values, _session_hash(user))
        cache.set(row_key(user_id), entry, timeout=ROW_TTL)
    return user


def _read_memoized(user_id: str) -> User | None:
    """The embedded mode: the row from ``taskflow.request_memo`` while the database is
    unchanged (each request gets its own instance), else from the database. The memo is
    in this process's memory only, so it holds the whole row."""
    from accounts.models import User

    key = ("user", user_id)
    found = request_memo.get(key)
    if found is None:
        user = _read(user_id)
        names = _all_field_names()
        request_memo.put(
            key, (names, None if user is None else tuple(getattr(user, n) for n in names))
        )
        return user
    names, values = found
    return None if values is None else User.from_db(User.objects.db, names, values)


@functools.cache
def _all_field_names() -> tuple[str, ...]:
    from accounts.models import User

    return tuple(f.attname for f in User._meta.concrete_fields)


def _read(user_id: str) -> User | None:
    from accounts.models import User

    # Every request reads this row when no cache holds it: its SQL compiled once per
    # thread (taskflow.statements).
    return statements.row(User, "pk", user_id)


def changed(user_ids: Iterable[Any]) -> None:
    """Called on every write to users: their cached rows are no longer accepted."""
    ids = [str(pk) for pk in user_ids if pk is not None]
    if not ids:
        return

    def bump() -> None:
        cache.set_many({version_key(pk): new_id() for pk in ids}, timeout=None)

    # Now (so this request and the tests see it), and after the commit: a request that
    # read the old row between the two cached it under the version the commit replaces.
    bump()
    transaction.on_commit(bump)


def on_user_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    changed([instance.pk])


def on_user_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    changed([instance.pk])
