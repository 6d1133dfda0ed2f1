"""The index of browser sessions and refresh-token families behind the sessions page.

Django keeps sessions in ``cached_db`` storage, which cannot be listed by user, and a
refresh family exists only as the ``sid`` claim of its tokens; so each login writes one
``LoginSession`` row (browser: on ``user_logged_in``, whichever door; API: when a login
issues its first token pair). Requests keep ``last_seen_at``/``ip`` fresh at most once a
minute per session (a shared-cache gate, then an update). Ending a session records its
marker in RevokedToken (accounts.revocation), which every instance checks: the JWT
authentication for families, ``LoginSessionMiddleware`` for browser sessions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings

from accounts import revocation, user_cache
from accounts.models import LoginSession, RevokedToken, User
from taskflow import batched_reads
from taskflow.client_ip import client_ip

# The session key under which a browser session remembers its LoginSession row.
SESSION_MARKER = "_tf_login_session"
SEEN_EVERY_SECONDS = 60

_BROWSERS = [
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"python-requests|python-httpx|Python-urllib|aiohttp")),
]
_SYSTEMS = [
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
]


def describe_device(user_agent: str) -> str:
    """ "Firefox on Linux"-style words for a User-Agent; a first match, not a parser."""
    browser = next((name for name, rx in _BROWSERS if rx.search(user_agent)), "")
    system = next((name for name, rx in _SYSTEMS if rx.search(user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def _request_facts(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {"user_agent": "", "ip": ""}
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "ip": client_ip(None, request)[:45],
    }


def _browser_expiry(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def record_browser(request: HttpRequest, user: User) -> LoginSession | None:
    """Index the browser session ``request`` just signed in to (user_logged_in)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    if session.session_key is None:
        session.save()
    now = timezone.now()
    row = LoginSession(
        user=user,
        kind=LoginSession.Kind.BROWSER,
        session_key=session.session_key or "",
        created_at=now,
        last_seen_at=now,
        expires_at=_browser_expiry(now),
        **_request_facts(request),
    )
    row.marker = row.id
    row.save(force_insert=True)
    _seen_just_now(row.marker)
    session[SESSION_MARKER] = row.id
    return row


def record_family(user: User, sid: str, request: HttpRequest | None) -> None:
    """Index a refresh family at its first token pair."""
    now = timezone.now()
    LoginSession.objects.create(
        user=user,
        kind=LoginSession.Kind.API,
        marker=sid,
        created_at=now,
        last_seen_at=now,
        expires_at=now + api_settings.REFRESH_TOKEN_LIFETIME,
        **_request_facts(request),
    )
    _seen_just_now(sid)


def family_rotated(sid: str, request: HttpRequest | None) -> None:
    now = timezone.now()
    changes: dict = {"last_seen_at": now, "expires_at": now + api_settings.REFRESH_TOKEN_LIFETIME}
    if request is not None:
        changes["ip"] = _request_facts(request)["ip"]
    LoginSession.objects.filter(marker=sid, ended_at__isnull=True).update(**changes)


def seen_key(marker: str) -> str:
    return f"session-seen:{marker}"


def _seen_just_now(marker: str) -> None:
    # The row was written now: the next minute of requests has nothing to update.
    cache.set(seen_key(marker), "1", timeout=SEEN_EVERY_SECONDS)


def seen(marker: str, request: HttpRequest, *, kind: str, recently: bool = False) -> None:
    """Keep last seen (time, address, user agent) fresh, at most once a minute per
    session (cache.add is atomic on Redis, so one instance writes; on the in-process
    cache, one write per process). ``recently``: the caller already read ``seen_key``
    and found it set, so this minute's write is done (no second round trip)."""
    if recently or not cache.add(seen_key(marker), "1", timeout=SEEN_EVERY_SECONDS):
        return
    now = timezone.now()
    changes: dict = {"last_seen_at": now, **_request_facts(request)}
    if kind == LoginSession.Kind.BROWSER:
        changes["expires_at"] = _browser_expiry(now)
    LoginSession.objects.filter(marker=marker, ended_at__isnull=True).update(**changes)


def end(row: LoginSession) -> None:
    """End one session on every instance: the revocation record is what they check."""
    now = timezone.now()
    LoginSession.objects.filter(pk=row.pk, ended_at__isnull=True).update(ended_at=now)
    revocation.revoke(
        jti=row.marker,
        kind=RevokedToken.Kind.SESSION,
        user_id=row.user_id,
        expires_at=max(row.expires_at, now + timedelta(seconds=1)),
    )
    if row.kind == LoginSession.Kind.BROWSER and row.session_key:
        engine = import_module(settings.SESSION_ENGINE)
        engine.SessionStore().delete(row.session_key)


def ended_by_logout(request: HttpRequest) -> None:
    """user_logged_out: the row leaves the list (the session itself is flushed)."""
    session = getattr(request, "session", None)
    marker = session.get(SESSION_MARKER) if session is not None else None
    if marker:
        LoginSession.objects.filter(marker=marker, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


class LoginSessionMiddleware:
    """Signs a browser session out when it was ended elsewhere, and keeps it listed.

    After AuthenticationMiddleware. A session signed in before this index existed gets
    its row on its next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        found = self._cached_state(request)
        if found is not None:
            # The user row, the revocation and "seen this minute" in one round trip,
            # as JWT authentication reads them (accounts.authentication).
            with user_cache.prefetched(str(request.session[SESSION_KEY]), found):
                authenticated = user is not None and user.is_authenticated
        else:
            authenticated = user is not None and user.is_authenticated
        if authenticated:
            marker = request.session.get(SESSION_MARKER)
            if marker is None:
                record_browser(request, user)
            elif revocation.is_revoked(marker, found=found):
                logout(request)
            else:
                recently = found is not None and seen_key(marker) in found
                seen(marker, request, kind=LoginSession.Kind.BROWSER, recently=recently)
        return self.get_response(request)

    @staticmethod
    def _cached_state(request: HttpRequest) -> dict[str, Any] | None:
        """What the shared cache holds for a signed-in session with a marker, read in
        one ``get_many`` before the (lazy) user is loaded; ``None`` otherwise."""
        session = getattr(request, "session", None)
        if not settings.CACHE_IS_SHARED or session is None:
            return None
        user_id, marker = session.get(SESSION_KEY), session.get(SESSION_MARKER)
        if not user_id or not marker:
            return None
        keys = [*user_cache.cache_keys(str(user_id)), revocation.cache_key(marker)]
        # And what every page reads for its user next (taskflow.batched_reads).
        page = batched_reads.page_keys(request, str(user_id))
        found = cache.get_many([*keys, seen_key(marker), *page])
        batched_reads.keep(page, found)
        return found
