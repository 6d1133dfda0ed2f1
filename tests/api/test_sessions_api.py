"""The sessions list (SPEC §10): every browser session and refresh family, with revoke
that takes effect at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import revocation, services
from accounts.login_sessions import SESSION_MARKER, describe_device
from accounts.models import LoginSession, RevokedToken
from tests.factories import DEFAULT_PASSWORD

SESSIONS = "/api/auth/sessions/"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
pytestmark = pytest.mark.django_db


def api_login(user, user_agent: str = "curl/8.5.0", ip: str = "192.0.2.10") -> dict:
    response = APIClient().post(
        "/api/auth/login/",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        format="json",
        HTTP_USER_AGENT=user_agent,
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 200
    return response.json()


def bearer(tokens: dict) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


def browser_login(user, user_agent: str = FIREFOX) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR="198.51.100.4")
    response = client.post(
        reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_lists_refresh_families_and_browser_sessions_with_device_and_ip(user, other_user):
    tokens = api_login(user)
    browser_login(user, IPHONE)
    browser_login(other_user)
    listed = bearer(tokens).get(SESSIONS).json()
    facts = sorted((s["kind"], s["device"], s["ip"], s["current"]) for s in listed)
    assert facts == [
        ("api", "curl", "192.0.2.10", True),
        ("browser", "Safari on iOS", "198.51.100.4", False),
    ]


def test_last_seen_moves_at_most_once_a_minute(user):
    tokens = api_login(user, ip="192.0.2.10")
    sid = LoginSession.objects.get().marker
    seen_from = []
    for ip in ("192.0.2.11", None, "192.0.2.12"):
        if ip is None:
            cache.delete(f"session-seen:{sid}")  # the minute is over
            continue
        bearer(tokens).get("/api/tasks/", REMOTE_ADDR=ip, HTTP_USER_AGENT="HTTPie/3.2")
        seen_from.append(LoginSession.objects.get().ip)
    assert seen_from == ["192.0.2.10", "192.0.2.12"]
    assert LoginSession.objects.get().user_agent == "HTTPie/3.2"


def test_revoking_a_family_rejects_its_access_and_refresh_tokens_at_once(user):
    victim = api_login(user)
    mine = api_login(user)
    family = next(s for s in bearer(victim).get(SESSIONS).json() if s["current"])
    deleted = bearer(mine).delete(f"{SESSIONS}{family['id']}/")
    refresh = APIClient().post("/api/auth/refresh/", {"refresh": victim["refresh"]}, format="json")
    assert deleted.status_code == 204
    assert bearer(victim).get("/api/tasks/").status_code == 401
    assert refresh.status_code == 401
    assert bearer(mine).get("/api/tasks/").status_code == 200
    assert [s["current"] for s in bearer(mine).get(SESSIONS).json()] == [True]


def test_revoking_a_browser_session_signs_that_browser_out(user):
    browser = browser_login(user)
    tokens = api_login(user)
    row = LoginSession.objects.get(kind="browser")
    assert browser.get(reverse("tasks:dashboard")).status_code == 200
    assert bearer(tokens).delete(f"{SESSIONS}{row.id}/").status_code == 204
    assert browser.get(reverse("tasks:dashboard")).status_code == 302


def test_a_browser_session_revoked_elsewhere_ends_even_if_this_instance_cached_it(user):
    """Another instance wrote the revocation; this one still holds the session in its
    own cache: the middleware's revocation check signs it out anyway."""
    browser = browser_login(user)
    marker = browser.session[SESSION_MARKER]
    RevokedToken.objects.create(
        jti=marker, kind="session", user=user, expires_at=timezone.now().replace(year=2100)
    )
    cache.delete(f"revoked:{marker}")
    assert revocation.is_revoked(marker)
    assert browser.get(reverse("tasks:dashboard")).status_code == 302


def test_rotation_keeps_the_family_and_logout_removes_it(user):
    tokens = api_login(user)
    before = LoginSession.objects.get()
    rotated = APIClient().post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    after = LoginSession.objects.get()
    assert rotated.status_code == 200
    assert after.id == before.id
    assert after.expires_at >= before.expires_at
    new = rotated.json()
    bearer(new).post("/api/auth/logout/", {"refresh": new["refresh"]}, format="json")
    assert LoginSession.objects.get().ended_at is not None


def test_refresh_reuse_ends_the_family_in_the_list(user):
    tokens = api_login(user)
    other = api_login(user)
    for _ in range(2):
        APIClient().post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert len(bearer(other).get(SESSIONS).json()) == 1


def test_browser_logout_removes_the_session_from_the_list(user):
    browser = browser_login(user)
    browser.post(reverse("accounts:logout"))
    assert LoginSession.objects.get().ended_at is not None


def test_another_users_or_unknown_session_is_404(user, other_user):
    browser_login(other_user)
    theirs = LoginSession.objects.get()
    mine = bearer(api_login(user))
    assert mine.delete(f"{SESSIONS}{theirs.id}/").status_code == 404
    assert mine.delete(f"{SESSIONS}nope/").status_code == 404
    assert LoginSession.objects.get(pk=theirs.pk).ended_at is None


def test_sign_out_everywhere_empties_the_list(user):
    browser_login(user)
    tokens = api_login(user)
    bearer(tokens).post("/api/auth/logout-all/")
    assert LoginSession.objects.filter(ended_at__isnull=True).count() == 0


def test_expired_sessions_leave_the_list_and_are_pruned(user):
    browser_login(user)
    tokens = api_login(user)
    LoginSession.objects.filter(kind="browser").update(expires_at=timezone.now())
    assert [s["kind"] for s in bearer(tokens).get(SESSIONS).json()] == ["api"]
    assert services.revocations_prune_expired() == 1
    assert list(LoginSession.objects.values_list("kind", flat=True)) == ["api"]


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (FIREFOX, "Firefox on Linux"),
        (IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        ("python-requests/2.32.3", "Python"),
        ("", "Unknown device"),
    ],
)
def test_device_words(agent, words):
    assert describe_device(agent) == words
