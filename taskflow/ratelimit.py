"""Login and registration limits per client IP, shared by the API and the pages.

Counters live in the "ratelimit" cache: Redis in production (so the limit holds
across instances), with a per-instance fallback when Redis is down (taskflow.cache).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from taskflow import metrics


def client_ip(group: str | None, request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the
    outermost of TRUSTED_PROXY_COUNT proxies. Entries further left are the client's own
    claims and are never trusted, so a forged header cannot reset a limit."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote


@dataclass(frozen=True)
class Limited:
    retry_after: int


def hit(request: HttpRequest, group: str) -> Limited | None:
    """Count one attempt in ``group``; a Limited when the caller must be refused."""
    usage = get_usage(request, group=group, key=client_ip, rate=settings.LOGIN_RATE, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    metrics.record_rate_limited(group)
    return Limited(retry_after=max(int(usage["time_left"]), 1))
