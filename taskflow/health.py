"""Probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework_simplejwt.tokens import AccessToken

from taskflow.ids import new_id

logger = logging.getLogger("taskflow.availability")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        # An ORM read works the same on SQLite, PostgreSQL and MongoDB.
        get_user_model().objects.only("pk").exists()
        return True
    except Exception:  # any failure means "not ready"; the reason is logged
        logger.exception("readiness: database check failed")
        connections["default"].close_if_unusable_or_obsolete()
        return False


def _cache_ok() -> bool:
    cache = caches["default"]
    probe = f"readyz:{new_id()}"
    try:
        # django-redis swallows errors when IGNORE_EXCEPTIONS is on, so check the
        # round trip rather than the absence of an exception.
        cache.set(probe, "1", timeout=5)
        ok = cache.get(probe) == "1"
        cache.delete(probe)
        return ok
    except Exception:
        logger.exception("readiness: cache check failed")
        return False


def _tokens_ok() -> bool:
    """Sign and verify a probe token the way logins and Bearer requests do.

    An empty signing key once made every API login a 500 while this probe said ok.
    """
    try:
        probe = AccessToken()
        probe["readyz"] = new_id()
        return AccessToken(str(probe))["readyz"] == probe["readyz"]
    except Exception:
        logger.exception("readiness: token signing check failed")
        return False


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database and cache reachable, tokens signable: 200; otherwise 503 naming what
    failed."""
    checks = {"database": _database_ok(), "cache": _cache_ok(), "tokens": _tokens_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    status = 503 if failed else 200
    body = {"status": "ok" if not failed else "unavailable", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=status)
