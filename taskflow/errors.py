"""One error shape for the API: {"detail": "...", "code": "..."} or a field map (400).

Domain errors arrive as ``taskflow.exceptions.ApplicationError`` subclasses and are
mapped by their own status/code: this module imports no app.

DRF's exception handler covers exceptions raised inside API views; the handler40x/500
views below cover what Django answers itself (an unknown path, an exception that DRF
re-raises, a SuspiciousOperation), so nothing under /api/ answers an HTML page.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from taskflow.exceptions import ApplicationError


class PreconditionFailedError(exceptions.APIException):
    """An If-Match header the API cannot parse (checked before any service runs)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The task was changed since you read it; fetch it again."
    default_code = "precondition_failed"


class ApplicationAPIError(exceptions.APIException):
    """An ApplicationError carried into DRF's handler with its own status and code."""

    def __init__(self, exc: ApplicationError) -> None:
        self.status_code = exc.status
        super().__init__(detail=exc.detail, code=exc.code)
        self.default_code = exc.code


class PayloadTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 1 MB."
    default_code = "payload_too_large"


class RateLimitedError(exceptions.Throttled):
    default_detail = "Too many attempts. Try again later."
    default_code = "rate_limited"


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLargeError()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, ApplicationError):
        return ApplicationAPIError(exc)
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: a 500 that error tracking sees (or a 503, middleware)
    data = response.data
    is_detail = isinstance(data, dict) and "detail" in data and "code" not in data
    if isinstance(exc, exceptions.APIException) and is_detail:
        codes = exc.get_codes()
        data["code"] = codes if isinstance(codes, str) else exc.default_code
    return response


API_PREFIX = "/api/"


def _api_json(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api_json(400, "Bad request.", "bad_request")
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api_json(403, "You do not have permission to perform this action.", "forbidden")
    return defaults.permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api_json(404, "Not found.", "not_found")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_json(500, "A server error occurred.", "server_error")
    return defaults.server_error(request)
