"""Sessions and Django's user lookup, stepping aside for token reads of the JSON API.

A GET or HEAD under /api/ that sends an Authorization header and no cookie at all
cannot be signed in by a browser session: Django's middleware would build an empty
session store, look the (absent) session up to find an anonymous user, and mark the
response ``Vary: Cookie``; DRF then authenticates the token itself. For such a
request these subclasses set the same anonymous user and the same ``Vary`` header
without the session store. Any cookie (a browser, Swagger UI in a signed-in tab, the
app's own scripts), any other method, a browsable-API request (``text/`` in Accept or
``?format=``) or a path outside /api/ takes Django's path unchanged.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"
DECISION_ATTR = "_token_read"


def is_token_read(request: HttpRequest) -> bool:
    """Whether ``request`` is a cookie-less token read of the JSON API (decided once)."""
    known = request.__dict__.get(DECISION_ATTR)
    if known is not None:
        return known
    meta = request.META
    answer = (
        request.method in ("GET", "HEAD")
        and not meta.get("HTTP_COOKIE")
        and bool(meta.get("HTTP_AUTHORIZATION"))
        and request.path.startswith(API_PREFIX)
        and "text/" not in meta.get("HTTP_ACCEPT", "")
        and "format" not in request.GET
    )
    setattr(request, DECISION_ATTR, answer)
    return answer


class TokenAwareSessionMiddleware(SessionMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not is_token_read(request):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if is_token_read(request):
            # Django's adds it: the user lookup below always reads the session.
            patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


async def _anonymous() -> AnonymousUser:
    return AnonymousUser()


class TokenAwareAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not is_token_read(request):
            super().process_request(request)
            return
        # What the lazy user resolves to without a session cookie; DRF's authentication
        # replaces it with the token's user.
        request.user = AnonymousUser()  # type: ignore[assignment]
        request.auser = _anonymous  # type: ignore[attr-defined]
