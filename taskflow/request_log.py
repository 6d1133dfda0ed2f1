"""One structured log line per request, tied together by a request id.

The request id comes from the proxy's X-Request-ID when it looks like one (so a single
id follows the request from nginx through every instance), otherwise it is generated;
it is echoed in the X-Request-ID response header, bound to every log line written
while the request runs, and attached to Sentry events.

Built on django-structlog's middleware, which handles exceptions (a "request_failed"
line with the traceback) and streaming responses; this subclass chooses the request
id, times the request, counts database queries and writes the route (the URL
pattern), never the raw query string, which may carry user data or a token.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django_structlog import signals
from django_structlog.app_settings import app_settings
from django_structlog.middlewares import RequestMiddleware
from django_structlog.middlewares.request import logger as request_logger

from taskflow import metrics
from taskflow.client_ip import client_ip

HEADER = "X-Request-ID"
# Letters, digits and - _ . : only, at most 128: what proxies and tracers emit, and
# nothing that could forge a log field or smuggle a header.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def choose_request_id(incoming: str | None) -> str:
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def route_of(request: HttpRequest) -> str:
    """The URL pattern that matched (``api/tasks/<pk>/``), or a fixed label when none
    did, so that a scan of random URLs cannot create unbounded distinct values."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "<unmatched>"
    # DRF's router writes regexes (^tasks/(?P<pk>[^/.]+)/$): show them like path().
    route = _NAMED_GROUP.sub(r"<\1>", match.route)
    return route.replace("^", "").replace("$", "").replace("\\", "")


class _QueryCounter:
    """A connection.execute_wrapper: counts and times SQL queries of one request."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            metrics.observe_db_query(self.vendor, time.perf_counter() - started)


class RequestLogMiddleware(RequestMiddleware):
    sync_capable = True
    async_capable = False  # served through WSGI (gunicorn's gthread workers)

    def __call__(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        request._log_started = time.perf_counter()  # type: ignore[attr-defined]
        connection = connections[DEFAULT_DB_ALIAS]
        self.prepare(request)
        if connection.vendor == "mongodb":
            # No SQL there: pymongo's command monitoring counts (taskflow.metrics).
            with metrics.count_mongo_commands() as counter:
                request._log_queries = counter  # type: ignore[attr-defined]
                response = self.get_response(request)
        else:
            sql_counter = _QueryCounter(connection.vendor)
            request._log_queries = sql_counter  # type: ignore[attr-defined]
            with connection.execute_wrapper(sql_counter):
                response = self.get_response(request)
        response[HEADER] = request.request_id  # type: ignore[attr-defined]
        self.handle_response(request, response)
        return response

    def prepare(self, request: HttpRequest) -> None:
        request_id = choose_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, ip=client_ip(None, request))
        # Looked up, not imported: without SENTRY_DSN nothing imports sentry_sdk (about
        # 10 MB a worker), and where it is not loaded no Sentry client can send the tag.
        sentry = sys.modules.get("sentry_sdk")
        if sentry is not None:
            sentry.set_tag("request_id", request_id)
        # user_id is bound when the response is ready: authentication runs further in.
        # DEBUG by default (settings): only LOG_LEVEL=DEBUG shows a line at the start too.
        request_logger.log(
            app_settings.STATUS_START_LOG_LEVEL,
            "request_started",
            method=request.method,
            path=request.path,
            user_agent=request.META.get("HTTP_USER_AGENT"),
        )

    def handle_response(self, request: HttpRequest, response: HttpResponse) -> None:
        """The finished line of an ordinary response, written here: django-structlog's
        version sends a signal (one receiver, ``_on_finished``) and reads the whole log
        context back for streaming only. Failures and streaming responses keep its path,
        which the signal receivers below complete; the fields are the same either way."""
        if hasattr(request, "_raised_exception") or isinstance(response, StreamingHttpResponse):
            super().handle_response(request, response)
            return
        self.bind_user_id(request)
        status = response.status_code
        request_logger.log(
            self._log_level_for_status_code(status),
            "request_finished",
            **_request_fields(request, status),
        )
        structlog.contextvars.clear_contextvars()

    @staticmethod
    def format_request(request: HttpRequest) -> str:
        return f"{request.method} {request.path}"


def _request_fields(request: HttpRequest, status: int) -> dict[str, Any]:
    started = getattr(request, "_log_started", None)
    counter = getattr(request, "_log_queries", None)
    return {
        "method": request.method,
        "path": request.path,
        "route": route_of(request),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "db_queries": counter.count if counter is not None else None,
    }


def _on_finished(
    sender: Any, request: HttpRequest, response: HttpResponse, log_kwargs: dict, **_: Any
) -> None:
    log_kwargs.pop("code", None)
    log_kwargs.pop("request", None)
    log_kwargs.update(_request_fields(request, response.status_code))


def _on_failed(sender: Any, request: HttpRequest, log_kwargs: dict, **_: Any) -> None:
    log_kwargs.pop("code", None)
    log_kwargs.pop("request", None)
    log_kwargs.update(_request_fields(request, 500))


signals.bind_extra_request_finished_metadata.connect(
    _on_finished, sender=RequestLogMiddleware, dispatch_uid="taskflow.request_log.finished"
)
signals.bind_extra_request_failed_metadata.connect(
    _on_failed, sender=RequestLogMiddleware, dispatch_uid="taskflow.request_log.failed"
)
