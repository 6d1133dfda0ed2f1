"""Prometheus metrics of TaskFlow itself, and the guarded /metrics endpoint.

HTTP request counts and latencies by view come from django-prometheus's middleware;
this module adds what only the application knows (stats-cache hits, rate-limit
rejections, token revocations, logins) and database/cache timings measured by our
own instrumentation, which works on every database backend. The job queue's depth,
failures and oldest job come from the queue itself at each scrape (taskflow.jobs).

Under gunicorn each worker is its own process: with PROMETHEUS_MULTIPROC_DIR set,
prometheus_client keeps every worker's values in files there and /metrics sums them
(MultiProcessCollector), so counts add up across workers and survive worker restarts.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

import prometheus_client
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram, multiprocess

from taskflow.client_ip import client_ip

_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

STATS_CACHE_LOOKUPS = Counter(
    "taskflow_stats_cache_lookups",
    "Task-stats cache lookups, by result (hit: served from the cache).",
    ["result"],
)
RATE_LIMITED = Counter(
    "taskflow_rate_limited",
    "Requests refused by a per-client rate limit (login, register), by group.",
    ["group"],
)
TOKEN_REVOCATIONS = Counter(
    "taskflow_token_revocations",
    "JWT revocations recorded (refresh rotation, logout, replay), by kind.",
    ["kind"],
)
LOGINS = Counter(
    "taskflow_logins",
    "Login attempts by channel (api: JWT, session: pages/admin) and result.",
    ["channel", "result"],
)
DB_QUERY_SECONDS = Histogram(
    "taskflow_db_query_duration_seconds",
    "Time of each database query (SQL statement or MongoDB command), by vendor.",
    ["vendor"],
    buckets=_FAST_BUCKETS,
)
CACHE_OPERATION_SECONDS = Histogram(
    "taskflow_cache_operation_duration_seconds",
    "Time of each cache operation, by cache and operation (get, set, ...).",
    ["cache", "operation"],
    buckets=_FAST_BUCKETS,
)


def record_stats_cache_lookup(*, hit: bool) -> None:
    STATS_CACHE_LOOKUPS.labels(result="hit" if hit else "miss").inc()


def record_rate_limited(group: str) -> None:
    RATE_LIMITED.labels(group=group).inc()


def record_revocation(kind: str) -> None:
    TOKEN_REVOCATIONS.labels(kind=kind).inc()


def record_login(*, channel: str, success: bool) -> None:
    LOGINS.labels(channel=channel, result="success" if success else "failure").inc()


def observe_db_query(vendor: str, seconds: float) -> None:
    DB_QUERY_SECONDS.labels(vendor=vendor).observe(seconds)


def observe_cache_operation(cache_name: str, operation: str, seconds: float) -> None:
    CACHE_OPERATION_SECONDS.labels(cache=cache_name, operation=operation).observe(seconds)


class CommandCount:
    def __init__(self) -> None:
        self.count = 0


_mongo_commands: ContextVar[CommandCount | None] = ContextVar("mongo_commands", default=None)


@contextmanager
def count_mongo_commands() -> Iterator[CommandCount]:
    """Count the MongoDB commands this thread runs inside the block (one request)."""
    counter = CommandCount()
    token = _mongo_commands.set(counter)
    try:
        yield counter
    finally:
        _mongo_commands.reset(token)


def note_mongo_command() -> None:
    """Count one MongoDB command against the request running in this thread, if any
    (taskflow.mongo_metrics calls it from pymongo's command monitoring)."""
    counter = _mongo_commands.get()
    if counter is not None:
        counter.count += 1


def _on_logged_in(sender: object, request: HttpRequest | None = None, **_: object) -> None:
    # The JWT login calls record_login itself: it issues tokens, it never calls login().
    record_login(channel="session", success=True)


def _on_login_failed(sender: object, request: HttpRequest | None = None, **_: object) -> None:
    # authenticate() sends this for every failed attempt, whichever view asked.
    channel = "api" if request is not None and request.path.startswith("/api/") else "session"
    record_login(channel=channel, success=False)


user_logged_in.connect(_on_logged_in, dispatch_uid="taskflow.metrics.logged_in")
user_login_failed.connect(_on_login_failed, dispatch_uid="taskflow.metrics.login_failed")


# --- /metrics ---------------------------------------------------------------------------


@cache
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _ip_allowed(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(None, request))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip(), expected)


def metrics_allowed(request: HttpRequest) -> bool:
    """A scraper in METRICS_ALLOWED_IPS (networks allowed) or holding METRICS_TOKEN."""
    return _token_ok(request) or _ip_allowed(request)


def registry() -> prometheus_client.CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return prometheus_client.REGISTRY


@cache
def job_registry() -> prometheus_client.CollectorRegistry:
    """The job queue's figures, computed from the queue at each scrape (taskflow.jobs):
    the same on every instance, so they stay out of the per-process registries."""
    from taskflow.jobs import JOB_QUEUE_COLLECTOR  # needs the apps (huey's djhuey) loaded

    jobs = prometheus_client.CollectorRegistry(auto_describe=False)
    jobs.register(JOB_QUEUE_COLLECTOR)
    return jobs


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        # 404, not 403: the endpoint is not advertised to whoever may not read it.
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    return HttpResponse(
        prometheus_client.generate_latest(registry())
        + prometheus_client.generate_latest(job_registry()),
        content_type=prometheus_client.CONTENT_TYPE_LATEST,
    )
