"""Login and registration limits, shared by every door and every instance.

Login: every password check goes through accounts.backends.RateLimitedModelBackend,
so the login page, POST /api/auth/login/, the browsable API's /api-auth/login/ and
/admin/login/ (and any door added later that calls django.contrib.auth.authenticate)
count in the same two buckets:

- per client network (LOGIN_RATE, default 20 per 15 minutes): an IPv4 address, or an
  IPv6 /64 (taskflow.client_ip.network_of);
- per account (LOGIN_ACCOUNT_RATE, default 10 per 15 minutes), whichever network the
  guesses come from; unknown emails have buckets too, so a refusal says nothing
  about whether an account exists.

Only failures count: each attempt is counted before the password is checked (so
parallel requests cannot all slip under the limit) and given back when it succeeds.
A network the account logged in from successfully in the last LOGIN_KNOWN_NETWORK_DAYS
counts its failures in a bucket of its own for that account, so a stranger who locks
the account's shared bucket does not lock the owner out at home (docs/reliability.md).

Registration keeps django-ratelimit: every attempt counts, per client network.

Counters live in the "ratelimit" cache: Redis in production (so the limit holds
across instances), with a per-instance fallback when Redis is down (taskflow.cache).
Windows are fixed and aligned to the epoch: a bucket refuses until its window ends,
and Retry-After says when that is.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from taskflow import metrics
from taskflow.client_ip import client_network
from taskflow.errors import RateLimitedError

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Counters outlive their window a little so a slow request still finds its own key.
_KEY_SLACK_SECONDS = 60


@dataclass(frozen=True)
class Limited:
    retry_after: int


class LoginRateLimited(RateLimitedError):
    """A password check refused before it ran. DRF views answer it as a 429 with
    Retry-After themselves; accounts.middleware does it for Django views (the admin's
    and the browsable API's login), and the login page shows it on its form."""

    default_detail = "Too many sign-in attempts. Try again later."
    default_code = "rate_limited"


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """'20/15m' -> (20, 900): at most 20 per 900 seconds. Units s, m, h, d."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"Not a rate such as 20/15m: {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNIT_SECONDS[unit]


def clock() -> float:
    """Now, in seconds since the epoch (tests replace it to stay inside one window)."""
    return time.time()


def seconds_left_in_window(rate: str, now: float | None = None) -> int:
    """Seconds until the current window of ``rate`` ends (windows start at multiples
    of the period since the epoch, the same on every instance)."""
    _, period = parse_rate(rate)
    now = clock() if now is None else now
    return max(1, math.ceil((int(now // period) + 1) * period - now))


def _digest(value: str) -> str:
    # Keys carry no email addresses or client addresses in the clear.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _count(scope: str, value: str, rate: str, now: float) -> tuple[str, int, int, int]:
    """Add one to the bucket of ``value``; (key, count, limit, seconds left in window)."""
    limit, period = parse_rate(rate)
    window = int(now // period)
    key = f"login:{scope}:{period}:{window}:{_digest(value)}"
    store = caches[settings.RATELIMIT_USE_CACHE]
    store.add(key, 0, period + _KEY_SLACK_SECONDS)
    try:
        count = store.incr(key)
    except ValueError:  # evicted between add and incr
        store.set(key, 1, period + _KEY_SLACK_SECONDS)
        count = 1
    return key, count, limit, seconds_left_in_window(rate, now)


def _known_key(account: str, network: str) -> str:
    return f"login:known:{_digest(account + chr(0) + network)}"


class LoginAttempt:
    """One password check, already counted; succeeded() gives the count back."""

    def __init__(self, account: str, network: str | None, keys: list[str]) -> None:
        self.account = account
        self.network = network
        self.keys = keys

    def succeeded(self) -> None:
        store = caches[settings.RATELIMIT_USE_CACHE]
        for key in self.keys:
            # ValueError: the window ended meanwhile, nothing to give back.
            with contextlib.suppress(ValueError):
                store.decr(key)
        if self.network is not None:
            days = settings.LOGIN_KNOWN_NETWORK_DAYS
            store.set(_known_key(self.account, self.network), 1, days * 86400)


def _refuse(retry_after: int) -> LoginRateLimited:
    metrics.record_rate_limited("login")
    return LoginRateLimited(wait=retry_after)


def login_attempt(request: HttpRequest | None, account: str) -> LoginAttempt:
    """Count one password check for ``account`` (a normalized email) from the client
    of ``request``; raise LoginRateLimited when the client's network or the account
    has used up its failures. Without a request only the account is counted."""
    now = clock()
    keys: list[str] = []
    network = client_network(None, request) if request is not None else None
    if network is not None:
        key, count, limit, left = _count("ip", network, settings.LOGIN_RATE, now)
        keys.append(key)
        if count > limit:
            raise _refuse(left)
    store = caches[settings.RATELIMIT_USE_CACHE]
    if network is not None and store.get(_known_key(account, network)) is not None:
        scope, value = "known", account + chr(0) + network
    else:
        scope, value = "account", account
    key, count, limit, left = _count(scope, value, settings.LOGIN_ACCOUNT_RATE, now)
    keys.append(key)
    if count > limit:
        raise _refuse(left)
    return LoginAttempt(account, network, keys)


def hit(request: HttpRequest, group: str) -> Limited | None:
    """Count one attempt in ``group`` (registration) per client network; a Limited
    when the caller must be refused."""
    usage = get_usage(
        request, group=group, key=client_network, rate=settings.LOGIN_RATE, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    metrics.record_rate_limited(group)
    return Limited(retry_after=max(int(usage["time_left"]), 1))
