"""Account middleware: the user's time zone, and refused logins as 429s.

A refused login attempt becomes a 429, whichever door it came through.

DRF views answer LoginRateLimited themselves (it is an APIException). Django's own
login views (the admin's, the browsable API's /api-auth/login/) let it escape from
authenticate(); this turns it into the 429 page (JSON under /api/) with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.preferences import activate_for
from taskflow.ratelimit import LoginRateLimited


def retry_minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


class LoginRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, LoginRateLimited):
            return None
        wait = int(exc.wait or 1)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": str(exc.detail), "code": "rate_limited"}, status=429
            )
        else:
            page = render_to_string("429.html", {"minutes": retry_minutes(wait)}, request=request)
            response = HttpResponse(page, status=429)
        response["Retry-After"] = str(wait)
        return response


class UserTimezoneMiddleware:
    """Activates the signed-in user's time zone for the request (pages and the
    browsable API); JWT requests authenticate inside DRF, where
    ``RevocableJWTAuthentication`` activates it. Deactivated afterwards either way, so
    no zone leaks into the next request served by this thread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_for(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
