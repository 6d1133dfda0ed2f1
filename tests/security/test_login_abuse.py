"""Login: no account enumeration, and the per-client limit (20 failures / 15 min) holds
for the API and the page together and cannot be dodged with a forged X-Forwarded-For.
Every door, the per-account limit and IPv6 grouping: tests/security/test_login_doors.py.
The same limit across real instances sharing Redis is proven in
tests/reliability/test_cluster_faults.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LIMIT = 20
API_LOGIN = "/api/auth/login/"


def _api_login(email: str, password: str, **extra) -> object:
    return APIClient().post(API_LOGIN, {"email": email, "password": password}, **extra)


def test_unknown_email_and_wrong_password_get_the_same_api_answer(user):
    unknown = _api_login("nobody@example.com", "whatever password 1")
    wrong = _api_login(user.email, "whatever password 1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_unknown_email_and_wrong_password_get_the_same_page(user):
    def error_of(email: str) -> str:
        page = Client().post(
            reverse("accounts:login"), {"email": email, "password": "whatever password 1"}
        )
        assert page.status_code == 200
        html = page.content.decode().replace(email, "EMAIL")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)

    assert error_of("nobody@example.com") == error_of(user.email)


def test_inactive_account_looks_like_a_wrong_password(user, password):
    user.is_active = False
    user.save()
    assert _api_login(user.email, password).json() == _api_login(user.email, "nope 1234").json()


def test_limit_counts_api_and_page_together_then_429_with_retry_after(user, password):
    # Guesses at many accounts (one account alone meets its own, lower limit first).
    codes = [
        _api_login(f"guess{i}@example.com", "wrong password 1").status_code
        for i in range(LIMIT // 2)
    ]
    codes += [
        Client()
        .post(reverse("accounts:login"), {"email": f"page{i}@example.com", "password": "wrong"})
        .status_code
        for i in range(LIMIT // 2)
    ]
    blocked = _api_login(user.email, password)  # even the right password now

    assert codes == [401] * (LIMIT // 2) + [200] * (LIMIT // 2)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "access" not in blocked.json()


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_forged_x_forwarded_for_does_not_reset_the_limit(settings, user, trusted_proxies):
    settings.TRUSTED_PROXY_COUNT = trusted_proxies
    real_client = "203.0.113.7"  # what a trusted proxy would append

    def attempt(index: int) -> int:
        forged = f"198.51.100.{index}, 192.0.2.{index}"
        header = f"{forged}, {real_client}" if trusted_proxies else forged
        email = f"guess{index}@example.com"
        return _api_login(email, "wrong 1", HTTP_X_FORWARDED_FOR=header).status_code

    codes = [attempt(index) for index in range(LIMIT + 3)]
    assert codes == [401] * LIMIT + [429] * 3


def test_register_is_rate_limited_too():
    codes = [
        APIClient()
        .post("/api/auth/register/", {"email": f"x{i}@example.com", "password": "short"})
        .status_code
        for i in range(LIMIT + 1)
    ]
    assert codes == [400] * LIMIT + [429]
