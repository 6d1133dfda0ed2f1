"""A Redis cache that falls back to a per-process memory cache while Redis is down.

Used for the "ratelimit" cache alias. With plain IGNORE_EXCEPTIONS a Redis outage makes
every counter read fail, and django-ratelimit then refuses everyone (or, fail-open,
nobody). Here the same call is served from a local-memory cache instead, so login
limits keep holding per process until Redis answers again; the next call after that
goes back to Redis without a restart. Outages are logged at most once a minute per
process, with how many calls fell back in between.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("taskflow.cache")

# django-redis re-raises the redis-py error itself when IGNORE_EXCEPTIONS is off.
REDIS_DOWN_ERRORS = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, OSError)
LOG_INTERVAL_SECONDS = 60.0


class _OutageLog:
    """Rate-limited outage reporting shared by the threads of one process."""

    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_logged = 0.0
        self._suppressed = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if self._down_since is None:
                self._down_since = now
            elif now - self._last_logged < self.interval:
                self._suppressed += 1
                return
            suppressed, self._suppressed, self._last_logged = self._suppressed, 0, now
        logger.warning(
            "cache %s: Redis unreachable (%s: %s); serving from the per-process fallback "
            "(%d more failures since the last report)",
            self.name,
            exc.__class__.__name__,
            exc,
            suppressed,
        )

    def succeeded(self) -> None:
        if self._down_since is None:  # the common path takes no lock
            return
        with self._lock:
            if self._down_since is None:
                return
            outage = time.monotonic() - self._down_since
            self._down_since, self._suppressed, self._last_logged = None, 0, 0.0
        logger.warning(
            "cache %s: Redis is back after %.1fs; fallback no longer used", self.name, outage
        )


class FallbackRedisCache(RedisCache):
    """django-redis RedisCache whose calls go to a LocMemCache when Redis is down.

    Configure with OPTIONS["IGNORE_EXCEPTIONS"] = False: this class handles the
    outage itself. Values written to the fallback are not copied back to Redis.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        fallback_params = {
            key: params[key]
            for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
            if key in params
        }
        # Django builds one cache object per thread; a name that is the same for all
        # of them makes the threads of a process share one fallback store (LocMemCache
        # keeps its data per name), so a gthread worker counts every attempt once.
        self.fallback = LocMemCache(f"taskflow-fallback-{server}", fallback_params)
        self.outage = _OutageLog(server, LOG_INTERVAL_SECONDS)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except REDIS_DOWN_ERRORS as exc:
            self.outage.failed(exc)
            return getattr(self.fallback, name)(*args, **kwargs)
        self.outage.succeeded()
        return result

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def decr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("decr", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        self.fallback.clear()
        return self._call("clear")
