"""Turn "the database is unreachable" into a 503 with a reason, never a 500;
Django's message middleware without its per-request setup when no message is used;
django-prometheus's per-view metrics without a label lookup per metric and request."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject, empty
from django_prometheus import middleware as prometheus

logger = logging.getLogger("taskflow.availability")


def _unavailable_types() -> tuple[type[Exception], ...]:
    """MongoDB's driver raises its own errors when the server cannot be reached. They
    are looked up, not imported: pymongo is only loaded where MongoDB is the database
    (importing it costs every SQL worker about 0.1 s and several MB), and where it is not
    loaded none of its errors can have been raised."""
    mongo_errors = sys.modules.get("pymongo.errors")
    if mongo_errors is None:
        return (OperationalError, InterfaceError)
    return (
        OperationalError,
        InterfaceError,
        mongo_errors.ConnectionFailure,
        mongo_errors.ServerSelectionTimeoutError,
    )


def is_unavailable_error(exc: BaseException) -> bool:
    if isinstance(exc, _unavailable_types()):
        # SQLite reports constraint-free schema errors as OperationalError too; those
        # are bugs, not outages.
        return "no such table" not in str(exc) and "no such column" not in str(exc)
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_unavailable_error(exc):
            return None
        logger.error("database unavailable: %s", exc.__class__.__name__)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": "The service is temporarily unavailable.", "code": "unavailable"},
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, building the message storage on first use.

    Its storage reads the session and a signed cookie's setup on every request; API
    requests and most pages never touch it. Untouched storage has nothing to save (its
    update() stores only messages read or added), so the response is the same."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


class PrometheusAfterMiddleware(prometheus.PrometheusAfterMiddleware):
    """django-prometheus's, with each metric's labelled child kept per label values.

    ``labels()`` validates the values and takes the metric's lock on every call (about
    ten per request); the child it returns for the same values is always the same
    object, so keeping it changes no metric. The values are the ones the metrics
    already keep (methods, view names, status codes, charsets, template and exception
    names), so this holds no more keys than the metrics themselves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._children: dict[tuple[Any, ...], Any] = {}

    def label_metric(
        self, metric: Any, request: HttpRequest, response: Any = None, **labels: Any
    ) -> Any:
        if not labels:
            return metric
        key = (metric, *labels.items())
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(**labels)
        return child
