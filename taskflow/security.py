"""Content-Security-Policy for every response.

Pages run only our own scripts (no 'unsafe-inline' for scripts anywhere). The API's
interactive docs (Swagger UI, Redoc), the DRF browsable API and the admin ship
third-party CSS that sets inline styles and Redoc starts a blob: worker, so those path
prefixes get those two allowances and nothing more.

``settings.CSP_EXTRA_SCRIPT_SRC`` / ``CSP_EXTRA_CONNECT_SRC`` are the hooks for
integrations that must load or talk to another origin (e.g. Sentry's browser SDK when
SENTRY_DSN is set); they default to empty lists.

Django's DEBUG error pages (technical_404.html, technical_500.html) carry their CSS and
script inline and cannot take a nonce, so under the strict policy they rendered as bare
text. Only when ``settings.DEBUG`` is on, and only for those pages, inline style and script
are allowed. DEBUG is never on in production (the settings refuse to start with it), and
a production error page is our own template under the unchanged policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
RELAXED_PREFIXES = ("/api/", "/admin/", "/api-auth/")
# Both of Django's technical error templates have this line in their <head>; none of ours
# has (and escaping keeps user text from producing it).
TECHNICAL_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def build_policy(path: str, *, debug_page: bool = False) -> str:
    """The policy for a request path (pure function: easy to test and to reason about).

    ``debug_page``: the response is one of Django's DEBUG technical error pages."""
    return _policy(
        path.startswith(RELAXED_PREFIXES),
        debug_page,
        tuple(getattr(settings, "CSP_EXTRA_SCRIPT_SRC", ())),
        tuple(getattr(settings, "CSP_EXTRA_CONNECT_SRC", ())),
    )


# Every response gets a policy; there are a handful of distinct ones per process, so
# each is joined once (keyed by the settings it reads: tests override them).
@functools.lru_cache(maxsize=32)
def _policy(
    relaxed: bool, debug_page: bool, extra_script: tuple[str, ...], extra_connect: tuple[str, ...]
) -> str:
    script_src = ["'self'", *extra_script]
    connect_src = ["'self'", *extra_connect]
    style_src = ["'self'", "'unsafe-inline'"] if relaxed or debug_page else ["'self'"]
    if debug_page:
        script_src.append("'unsafe-inline'")  # the 500 page's frame and copy/paste toggles
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
            response[HEADER] = build_policy(request.path, debug_page=is_debug_page(response))
        return response


def is_debug_page(response: HttpResponse) -> bool:
    """Whether this is Django's DEBUG 404/500 page (never true with DEBUG off)."""
    return (
        settings.DEBUG
        and response.status_code >= 400
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and TECHNICAL_PAGE_MARK in response.content[:1024]
    )
