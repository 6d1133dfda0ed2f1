"""Error reporting to Sentry, switched on by SENTRY_DSN (and nothing else).

Events carry the environment, the release and the request id (as the ``request_id``
tag, the same id as in the logs and the X-Request-ID header). Nothing personal or
secret leaves: default PII collection is off (``send_default_pii``), local variables
are not sent unless SENTRY_INCLUDE_LOCALS is set, and ``before_send`` masks passwords,
tokens, cookies and Authorization headers wherever they appear in the event
(taskflow.scrub).

Browser errors are reported only when SENTRY_BROWSER_LOADER_URL is set: the pages
then load Sentry's loader script, and the Content-Security-Policy is widened for that
script and for the ingest host only then (CSP_EXTRA_SCRIPT_SRC/CSP_EXTRA_CONNECT_SRC).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.http import HttpRequest

from taskflow.scrub import scrub

# The loader fetches the SDK bundle from here.
SENTRY_SDK_CDN = "https://browser.sentry-cdn.com"
DEFAULT_INGEST_ORIGINS = ("https://*.ingest.sentry.io", "https://*.ingest.us.sentry.io")


def _drop_query_parameters(event: dict[str, Any]) -> None:
    """SQL and Redis breadcrumbs keep the statement or command, never its values: a
    session key (in a Redis key such as `…cached_db<session key>`), a token hash or an
    email sits there as a bare value no key-based mask can recognise."""
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    for crumb in values if isinstance(values, list) else []:
        if not isinstance(crumb, dict):
            continue
        data = crumb.get("data")
        if crumb.get("category") == "query" and isinstance(data, dict):
            for key in [k for k in data if "param" in k]:
                del data[key]
        if "redis" in (crumb.get("category"), crumb.get("type")):
            crumb["message"] = str(crumb.get("message") or "").split(" ", 1)[0]
            if isinstance(data, dict):
                for key in [k for k in data if "key" in k or "statement" in k]:
                    del data[key]


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Mask secrets anywhere in the event and make sure the request id is attached."""
    _drop_query_parameters(event)
    event = scrub(event)
    tags = event.get("tags")
    if not isinstance(tags, dict):
        tags = {}
    if "request_id" not in tags:
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            tags["request_id"] = request_id
    event["tags"] = tags
    return event


def git_release(base_dir: Path) -> str | None:
    """The checked-out commit, read from .git without running git."""
    git = base_dir / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head.removeprefix("ref: ")
        ref_file = git / ref
        if ref_file.exists():
            return ref_file.read_text().strip() or None
        for line in (git / "packed-refs").read_text().splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    except OSError:
        return None
    return None


def init(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float = 0.0,
    include_local_variables: bool = False,
    transport: Any = None,
) -> None:
    # Imported here, not at the top: the page context processor below imports this
    # module on every worker, and without SENTRY_DSN nothing needs the SDK (~10 MB).
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        # send_default_pii stays unset: this SDK deprecates the flag and treats unset as
        # False (no user identity, IP, cookies; sensitive headers filtered).
        include_local_variables=include_local_variables,
        max_request_body_size="small",
        before_send=before_send,
        before_send_transaction=before_send,
        integrations=[
            DjangoIntegration(transaction_style="url"),
            # Exceptions arrive through the Django integration; logs are only
            # breadcrumbs, or every failed request would be reported twice.
            LoggingIntegration(event_level=None),
        ],
        **options,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def browser_csp(loader_url: str, browser_dsn: str = "") -> tuple[list[str], list[str]]:
    """Extra CSP sources (script-src, connect-src) that the loader needs, or none."""
    if not loader_url:
        return [], []
    connect = [_origin(browser_dsn)] if browser_dsn else list(DEFAULT_INGEST_ORIGINS)
    return [_origin(loader_url), SENTRY_SDK_CDN], connect


def browser_reporting(request: HttpRequest) -> dict[str, str]:
    """Template context processor: the loader URL for templates/observability/sentry_loader.html."""
    return {"sentry_loader_url": settings.SENTRY_BROWSER_LOADER_URL}
