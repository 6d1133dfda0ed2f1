"""Primary keys for TaskFlow's own models.

One id type on every backend: a 26-character ULID string (48-bit millisecond time +
80 random bits, Crockford base32). It is opaque to clients, sorts by creation time
(a good tie-breaker for keyset pagination), needs no database sequence, and is a
plain string on SQLite, PostgreSQL and MongoDB alike, so our migrations are shared.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 26
ID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


_RANDOM_BITS = 80
_lock = threading.Lock()
_last = 0  # the last id this process made, as an integer


def new_id() -> str:
    """A new ULID, monotonic within this process: ids made in the same millisecond
    (or after the clock stepped back) follow the last one (its random part plus one),
    so "newest first" by id is creation order here, as the ULID spec's monotonic
    mode does. Across processes only the millisecond orders them."""
    global _last
    fresh = (time.time_ns() // 1_000_000) << _RANDOM_BITS | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if fresh >> _RANDOM_BITS <= _last >> _RANDOM_BITS:
            fresh = _last + 1  # a carry into the time needs 2**80 ids in one ms
        _last = fresh
    return _encode(fresh)


def derived_id(*parts: str) -> str:
    """A well-formed id that is a function of ``parts`` (128 bits of their SHA-256): the
    same parts always give the same id, and no one can aim it at an existing id."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return _encode(int.from_bytes(digest[:16], "big"))


def _encode(value: int) -> str:
    chars = []
    for _ in range(ID_LENGTH):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(ID_PATTERN.match(value))
