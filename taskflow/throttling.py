"""The per-user API throttle: a fixed-window counter, counted in leases.

DRF's UserRateThrottle keeps a sliding log (a list of timestamps) per user: a cache
read, a list rebuild and a cache write on every request, growing with the rate
(1200/min means lists of up to 1200 floats). A fixed window costs one atomic
increment per request (plus one add at the start of each window). It allows at most
twice the rate across a window boundary, acceptable for an abuse guard; the login
limit, which protects passwords, is separate (taskflow.ratelimit).

**Leases.** That increment was a Redis round trip of its own on every API request, about
a tenth of a cached stats request's cost under gunicorn (docs/performance.md, "Round 21
(issue 15)"). So a process takes its slots of the shared counter a few at a time: it
adds n to the counter in one increment and answers the next n - 1 requests of that
user and window from what it holds. n starts at 1 in every window and doubles with
each increment, up to ``LEASE_MAX`` and to a 64th of the limit (a limit under 128 a
window is counted one request at a time, as before).

Why the limit still holds across instances:

- A slot is used only if the counter's total, after the increment that reserved it,
  numbers it within the limit. So all processes together never allow more than the
  limit in a window.
- Once an increment passes the limit, the window is full for everyone (a window's
  count only grows): the process refuses the rest of the window without asking.
- What a process holds and does not use is counted all the same: a client at its limit
  may be refused up to ``LEASE_MAX - 1`` requests early for each process that served
  it in the window. Never later. Losing the leases (a restart, the store's bound) only
  wastes slots.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

# The most slots one increment reserves. 8 turns 7 of 8 round trips of a busy client
# into a local count; a process can waste at most 7 of its client's window.
LEASE_MAX = 8
# A lease is at most this fraction of the limit: 1200/min leases up to 8 (18.75),
# 100/min one request at a time.
LEASE_SHARE = 64
# Users (or addresses) with a lease a process keeps; past it, the expired ones go, and
# if that is not enough, all of them (slots wasted, never extra slots).
LEASES_KEPT = 1024


@dataclass(slots=True)
class _Lease:
    left: int = 0  # slots reserved and not used yet
    size: int = 1  # the next increment's size
    full: bool = False  # an increment passed the limit: refuse the rest of the window
    expires: float = 0.0  # the window's end


class Leases:
    """The slots this process holds, by counter key (one user's or address's window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, _Lease] = {}

    def take(self, key: str) -> bool | None:
        """True: a held slot, used now. False: the window is full. None: ask the counter."""
        with self._lock:
            lease = self._by_key.get(key)
            if lease is None:
                return None
            if lease.left > 0:
                lease.left -= 1
                return True
            return False if lease.full else None

    def size(self, key: str, cap: int) -> int:
        """How many slots the next increment for ``key`` reserves."""
        with self._lock:
            lease = self._by_key.get(key)
            return min(lease.size if lease is not None else 1, cap)

    def grant(self, key: str, reserved: int, valid: int, cap: int, expires: float) -> None:
        """Keep what an increment of ``reserved`` gave beyond the request that made it:
        ``valid`` of its slots were within the limit."""
        with self._lock:
            lease = self._by_key.get(key)
            if lease is None:
                if len(self._by_key) >= LEASES_KEPT:
                    self._prune(time.time())
                lease = self._by_key[key] = _Lease(expires=expires)
            lease.left += max(valid - 1, 0)
            lease.size = min(reserved * 2, cap)
            if valid < reserved:
                lease.full = True

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()

    def __len__(self) -> int:
        return len(self._by_key)

    def _prune(self, now: float) -> None:
        for key in [k for k, lease in self._by_key.items() if lease.expires <= now]:
            del self._by_key[key]
        if len(self._by_key) >= LEASES_KEPT:
            self._by_key.clear()


# This process's leases (tests clear them with the caches).
leases = Leases()


class FixedWindowUserRateThrottle(UserRateThrottle):
    """Same scope ("user"), rate setting and cache keys' identity as UserRateThrottle;
    answers 429 with Retry-After = seconds left in the current window."""

    cache_format = "throttle_fw_%(scope)s_%(ident)s"
    leases = leases

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        base = self.get_cache_key(request, view)
        if base is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self._window_end = (window + 1) * self.duration
        key = f"{base}:{window}"
        held = self.leases.take(key)
        if held is not None:
            return held
        cap = max(1, min(LEASE_MAX, self.num_requests // LEASE_SHARE))
        size = self.leases.size(key, cap)
        total = self._reserve(key, size)
        if total is None:
            return True  # cache unreachable (IGNORE_EXCEPTIONS): fail open, like DRF's
        # The reserved slots are numbered total - size + 1 .. total.
        valid = max(0, min(size, self.num_requests - (total - size)))
        self.leases.grant(key, size, valid, cap, expires=self._window_end)
        return valid > 0

    def _reserve(self, key: str, size: int) -> int | None:
        """Add ``size`` to the window's counter; its new total (None: unreachable)."""
        try:
            return self.cache.incr(key, size)
        except ValueError:
            # First request of the window (or the key just expired): create it. A
            # concurrent add may win; then this request counts on top of it.
            if self.cache.add(key, size, timeout=self.duration + 1):
                return size
            try:
                return self.cache.incr(key, size)
            except ValueError:
                return None

    def wait(self) -> float | None:
        return max(self._window_end - self.timer(), 1.0)
