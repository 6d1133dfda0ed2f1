"""Content-Security-Policy for every response.

Pages run only our own scripts (no 'unsafe-inline' for scripts anywhere). The API's
interactive docs (Swagger UI, Redoc), the DRF browsable API and the admin ship
third-party CSS that sets inline styles and Redoc starts a blob: worker, so those path
prefixes get those two allowances and nothing more.

``settings.CSP_EXTRA_SCRIPT_SRC`` / ``CSP_EXTRA_CONNECT_SRC`` are the hooks for
integrations that must load or talk to another origin (e.g. Sentry's browser SDK when
SENTRY_DSN is set); they default to empty lists.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
RELAXED_PREFIXES = ("/api/", "/admin/", "/api-auth/")


def build_policy(path: str) -> str:
    """The policy for a request path (pure function: easy to test and to reason about)."""
    relaxed = path.startswith(RELAXED_PREFIXES)
    script_src = ["'self'", *getattr(settings, "CSP_EXTRA_SCRIPT_SRC", [])]
    connect_src = ["'self'", *getattr(settings, "CSP_EXTRA_CONNECT_SRC", [])]
    style_src = ["'self'", "'unsafe-inline'"] if relaxed else ["'self'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": script_src,
        "style-src": style_src,
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect_src,
        "worker-src": ["'self'", "blob:"] if relaxed else ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless a view already chose one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = build_policy(request.path)
        return response
