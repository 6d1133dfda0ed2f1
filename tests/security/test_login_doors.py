"""Every door that checks a password enforces the same limits (SPEC §10, issue 10 §2):
the login page, POST /api/auth/login/, the browsable API's /api-auth/login/ and
/admin/login/ count failures in one bucket per client network (an IPv4 address, an
IPv6 /64; LOGIN_RATE, 20 per 15 minutes) and one per account (LOGIN_ACCOUNT_RATE,
10 per 15 minutes), with the production defaults. The clock is fixed at the start of
a window (tests/conftest.py), so every Retry-After here is the full 900 seconds.

The figures in docs/reliability.md's login-doors table are these tests' assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import authenticate
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from accounts.backends import RateLimitedModelBackend
from taskflow import ratelimit
from tests.conftest import RATELIMIT_NOW
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WINDOW = 900


@dataclass(frozen=True)
class Door:
    name: str
    send: Callable[[str, str, str, dict], HttpResponse]
    ok: int  # the status of a successful sign-in
    wrong: int  # the status of a wrong password

    def post(self, email: str, password: str, ip: str, **headers: str) -> HttpResponse:
        return self.send(email, password, ip, headers)

    def attempt(self, email: str, password: str, ip: str, **headers: str) -> str:
        return outcome(self, self.post(email, password, ip, **headers))


def _page(email: str, password: str, ip: str, headers: dict) -> HttpResponse:
    data = {"email": email, "password": password}
    return Client().post("/accounts/login/", data, REMOTE_ADDR=ip, **headers)


def _api(email: str, password: str, ip: str, headers: dict) -> HttpResponse:
    data = {"email": email, "password": password}
    return APIClient().post("/api/auth/login/", data, format="json", REMOTE_ADDR=ip, **headers)


def _api_auth(email: str, password: str, ip: str, headers: dict) -> HttpResponse:
    data = {"username": email, "password": password}
    return Client().post("/api-auth/login/", data, REMOTE_ADDR=ip, **headers)


def _admin(email: str, password: str, ip: str, headers: dict) -> HttpResponse:
    data = {"username": email, "password": password, "next": "/admin/"}
    return Client().post("/admin/login/", data, REMOTE_ADDR=ip, **headers)


PAGE = Door("login page", _page, ok=302, wrong=200)
API = Door("api/auth/login", _api, ok=200, wrong=401)
API_AUTH = Door("api-auth/login", _api_auth, ok=302, wrong=200)
ADMIN = Door("admin/login", _admin, ok=302, wrong=200)
DOORS = [PAGE, API, API_AUTH, ADMIN]


def outcome(door: Door, response: HttpResponse) -> str:
    if response.status_code == 429:
        assert int(response["Retry-After"]) > 0
        return "limited"
    if response.status_code == door.ok:
        return "ok"
    assert response.status_code == door.wrong, response.content[:300]
    return "wrong"


@pytest.fixture
def owner(db):
    # Staff, so the admin door lets the right password in too.
    return UserFactory(email="owner@example.com", is_staff=True)


@pytest.fixture
def bystander(db):
    return UserFactory(email="bystander@example.com", is_staff=True)


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_each_door_refuses_a_network_after_20_failures(door, owner, password):
    attacker = "198.51.100.7"
    # 30 wrong passwords, each at another account: only the network's bucket fills.
    outcomes = [door.attempt(f"guess{i}@example.com", "wrong 1", attacker) for i in range(30)]
    refused = door.post(owner.email, password, attacker)  # even the right password

    assert outcomes == ["wrong"] * 20 + ["limited"] * 10
    assert (refused.status_code, refused["Retry-After"]) == (429, str(WINDOW))
    assert door.attempt(owner.email, password, "198.51.100.8") == "ok"  # another client


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_each_door_refuses_an_account_after_10_failures_from_anywhere(
    door, owner, bystander, password
):
    # 30 wrong passwords at one account, each from another address, in any letter case.
    outcomes = [
        door.attempt(owner.email.upper() if i % 2 else owner.email, "wrong 1", f"203.0.113.{i}")
        for i in range(30)
    ]
    refused = door.post(owner.email, password, "192.0.2.200")

    assert outcomes == ["wrong"] * 10 + ["limited"] * 20
    assert (refused.status_code, refused["Retry-After"]) == (429, str(WINDOW))
    # That account only: another account signs in from the attacker's own address.
    assert door.attempt(bystander.email, password, "203.0.113.1") == "ok"


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_each_door_answers_a_refusal_in_its_own_shape(door, owner):
    for i in range(10):
        door.post(owner.email, "wrong 1", f"203.0.113.{i}")
    refused = door.post(owner.email, "wrong 1", "203.0.113.99")
    assert refused.status_code == 429
    if door is API:
        assert refused.json()["code"] == "rate_limited"
        assert refused.json()["detail"].startswith("Too many sign-in attempts.")
    else:
        assert b"Too many attempts. Try again in 15 minute" in refused.content
        assert b"Traceback" not in refused.content


def test_the_four_doors_share_both_buckets(owner, password):
    one_network = [
        DOORS[i % 4].attempt(f"guess{i}@example.com", "wrong 1", "198.51.100.7") for i in range(24)
    ]
    one_account = [
        DOORS[i % 4].attempt(owner.email, "wrong 1", f"203.0.113.{i}") for i in range(14)
    ]
    assert one_network == ["wrong"] * 20 + ["limited"] * 4
    assert one_account == ["wrong"] * 10 + ["limited"] * 4
    assert [door.attempt(owner.email, password, "192.0.2.1") for door in DOORS] == ["limited"] * 4


def test_125_guesses_at_one_account_from_30_addresses_get_10_answers(owner, password):
    # The attack from issue 10: 25 addresses in one IPv6 /64 and 5 IPv4 addresses.
    addresses = [f"2001:db8:7:7::{i:x}" for i in range(1, 26)] + [
        f"198.51.100.{i}" for i in range(1, 6)
    ]
    outcomes = [
        DOORS[i % 4].attempt(owner.email, f"guess {i}", addresses[i % 30]) for i in range(125)
    ]
    assert outcomes == ["wrong"] * 10 + ["limited"] * 115
    assert API.attempt(owner.email, password, "192.0.2.77") == "limited"


def test_ipv6_addresses_in_one_64_share_a_bucket_and_another_64_does_not(owner):
    same_64 = [
        API.attempt(f"guess{i}@example.com", "wrong 1", f"2001:db8:1:2:{i:x}::1") for i in range(21)
    ]
    assert same_64 == ["wrong"] * 20 + ["limited"]
    assert API.attempt("guess@example.com", "wrong 1", "2001:db8:1:3::1") == "wrong"
    # An IPv4-mapped IPv6 address is its IPv4 address.
    assert [
        PAGE.attempt(f"v4-{i}@example.com", "wrong 1", ip)
        for i, ip in enumerate(["192.0.2.9"] * 10 + ["::ffff:192.0.2.9"] * 11)
    ] == ["wrong"] * 20 + ["limited"]


@pytest.mark.parametrize("trusted_proxies", [1, 2])
def test_the_trusted_proxy_entry_is_the_client_and_ipv6_is_grouped(settings, trusted_proxies):
    settings.TRUSTED_PROXY_COUNT = trusted_proxies

    def attempt(i: int) -> str:
        # Forged entries on the left; the first trusted proxy wrote the client's address.
        chain = [f"198.51.100.{i}", f"2001:db8:5:5::{i + 1:x}"] + ["10.0.0.1"] * (
            trusted_proxies - 1
        )
        header = ", ".join(chain)
        return API.attempt(f"guess{i}@example.com", "wrong 1", "10.0.0.2", X_FORWARDED_FOR=header)

    assert [attempt(i) for i in range(21)] == ["wrong"] * 20 + ["limited"]


def test_the_owner_signs_in_from_a_known_network_while_a_stranger_locks_the_account(
    owner, password
):
    home = "2001:db8:aaaa:1::10"
    assert API.attempt(owner.email, password, home) == "ok"

    stranger = [API.attempt(owner.email, "wrong 1", f"198.51.100.{i}") for i in range(15)]
    owner_elsewhere = PAGE.attempt(owner.email, password, "192.0.2.50")
    owner_at_home = [door.attempt(owner.email, password, "2001:db8:aaaa:1::beef") for door in DOORS]
    # The known network has a bucket of its own for this account, limited the same way.
    guesses_at_home = [API.attempt(owner.email, "wrong 1", home) for _ in range(11)]

    assert stranger == ["wrong"] * 10 + ["limited"] * 5
    assert owner_elsewhere == "limited"
    assert owner_at_home == ["ok"] * 4
    assert guesses_at_home == ["wrong"] * 10 + ["limited"]


def test_a_locked_account_opens_again_when_its_window_ends(monkeypatch, owner, password):
    for i in range(10):
        API.post(owner.email, "wrong 1", f"198.51.100.{i}")
    monkeypatch.setattr(ratelimit, "clock", lambda: RATELIMIT_NOW + 600)
    late = API.post(owner.email, password, "192.0.2.1")
    monkeypatch.setattr(ratelimit, "clock", lambda: RATELIMIT_NOW + WINDOW)
    next_window = API.post(owner.email, password, "192.0.2.1")

    assert (late.status_code, late["Retry-After"]) == (429, "300")
    assert next_window.status_code == 200


def test_successful_sign_ins_use_up_nothing(owner, password):
    # Only failures count: a busy office behind one address is not locked out.
    assert [API.attempt(owner.email, password, "198.51.100.7") for _ in range(25)] == ["ok"] * 25
    assert [API.attempt(f"g{i}@example.com", "x", "198.51.100.7") for i in range(21)] == [
        "wrong"
    ] * 20 + ["limited"]


def test_an_inactive_account_with_the_right_password_counts_as_a_failure(owner, password):
    owner.is_active = False
    owner.save()
    outcomes = [API.attempt(owner.email, password, f"198.51.100.{i}") for i in range(11)]
    assert outcomes == ["wrong"] * 10 + ["limited"]


def test_authenticate_without_a_request_still_counts_per_account(owner, password):
    # A door that forgets to pass the request still meets the per-account limit.
    failures = [authenticate(None, email=owner.email, password="wrong 1") for _ in range(10)]
    assert failures == [None] * 10
    with pytest.raises(ratelimit.LoginRateLimited):
        authenticate(None, email=owner.email, password=password)


def test_every_authentication_backend_is_limited(settings):
    backends = [import_string(path) for path in settings.AUTHENTICATION_BACKENDS]
    assert backends
    assert all(issubclass(backend, RateLimitedModelBackend) for backend in backends)


def test_limits_hold_in_each_process_while_redis_is_down(settings, owner, password):
    # Nothing listens on port 9: every call fails over to the per-process fallback.
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "taskflow.cache.FallbackRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "KEY_PREFIX": "tf",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": False,
            },
        },
    }
    caches["ratelimit"].clear()
    one_account = [API.attempt(owner.email, "wrong 1", f"203.0.113.{i}") for i in range(11)]
    one_network = [PAGE.attempt(f"g{i}@example.com", "x", "198.51.100.7") for i in range(21)]
    caches["ratelimit"].clear()

    assert one_account == ["wrong"] * 10 + ["limited"]
    assert one_network == ["wrong"] * 20 + ["limited"]


def test_registration_is_limited_per_64_too():
    codes = [
        APIClient()
        .post(
            "/api/auth/register/",
            {"email": f"x{i}@example.com", "password": "short"},
            REMOTE_ADDR=f"2001:db8:3:3::{i + 1:x}",
        )
        .status_code
        for i in range(21)
    ]
    assert codes == [400] * 20 + [429]
