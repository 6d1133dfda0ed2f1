"""The per-user API throttle: a fixed-window counter.

DRF's UserRateThrottle keeps a sliding log (a list of timestamps) per user: a cache
read, a list rebuild and a cache write on every request, growing with the rate
(1200/min means lists of up to 1200 floats). A fixed window costs one atomic
increment per request (plus one add at the start of each window). It allows at most
twice the rate across a window boundary, acceptable for an abuse guard; the login
limit, which protects passwords, is separate (taskflow.ratelimit).
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle


class FixedWindowUserRateThrottle(UserRateThrottle):
    """Same scope ("user"), rate setting and cache keys' identity as UserRateThrottle;
    answers 429 with Retry-After = seconds left in the current window."""

    cache_format = "throttle_fw_%(scope)s_%(ident)s"

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
        try:
            count = self.cache.incr(key)
        except ValueError:
            # First request of the window (or the key just expired): create it. A
            # concurrent add may win; then this request counts on top of it.
            if self.cache.add(key, 1, timeout=self.duration + 1):
                count = 1
            else:
                count = self._incr_or_allow(key)
        if count is None:
            return True  # cache unreachable (IGNORE_EXCEPTIONS): fail open, like DRF's
        return count <= self.num_requests

    def _incr_or_allow(self, key: str) -> int | None:
        try:
            return self.cache.incr(key)
        except ValueError:
            return None

    def wait(self) -> float | None:
        return max(self._window_end - self.timer(), 1.0)
