"""The auth endpoints of SPEC §4: register, login, refresh (rotation), logout,
logout-all, me, password change; revocation reaches access tokens at once."""

from __future__ import annotations

import itertools

import pytest
from rest_framework.test import APIClient

from accounts.models import RevokedToken, User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

AUTH = "/api/auth"


def login(client: APIClient, email: str = "alice@example.com", **extra) -> dict:
    response = client.post(
        f"{AUTH}/login/", {"email": email, "password": DEFAULT_PASSWORD}, format="json", **extra
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def me_status(access: str) -> int:
    return bearer(access).get(f"{AUTH}/me/").status_code


def refresh_status(refresh: str) -> int:
    return APIClient().post(f"{AUTH}/refresh/", {"refresh": refresh}, format="json").status_code


# --- register ---------------------------------------------------------------------------


def test_register_creates_user_with_lower_cased_email(anon_client):
    response = anon_client.post(
        f"{AUTH}/register/",
        {"email": "New.User@Example.COM", "password": DEFAULT_PASSWORD, "name": "New"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "name"}
    assert body["email"] == "new.user@example.com"
    assert User.objects.get(pk=body["id"]).check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "ALICE@example.com", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "fresh@example.com", "password": "123"}, "password"),
        ({"email": "fresh@example.com", "password": "password"}, "password"),
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "email"),
        ({"password": DEFAULT_PASSWORD}, "email"),
        ({"email": "fresh@example.com"}, "password"),
        ({"email": "fresh@example.com", "password": DEFAULT_PASSWORD, "name": "n" * 151}, "name"),
    ],
)
def test_register_rejects_bad_input(anon_client, user, payload, field):
    response = anon_client.post(f"{AUTH}/register/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == 1


# --- login ------------------------------------------------------------------------------


def test_login_returns_a_working_token_pair(anon_client, user):
    tokens = login(anon_client, "ALICE@example.com")
    assert set(tokens) == {"access", "refresh"}
    assert me_status(tokens["access"]) == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong password 1"), ("nobody@example.com", DEFAULT_PASSWORD)],
)
def test_login_with_bad_credentials_is_401(anon_client, user, email, password):
    response = anon_client.post(
        f"{AUTH}/login/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_of_inactive_user_is_401(anon_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = anon_client.post(
        f"{AUTH}/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_login_with_missing_fields_is_400(anon_client):
    assert anon_client.post(f"{AUTH}/login/", {}, format="json").status_code == 400


# --- rate limits ------------------------------------------------------------------------


_guessed_accounts = itertools.count()


def _attempt(client: APIClient, **extra) -> object:
    # A different account per guess: these tests are about the per-network limit (20),
    # which one account's own limit (10, tests/security/test_login_doors.py) would mask.
    return client.post(
        f"{AUTH}/login/",
        {"email": f"guess{next(_guessed_accounts)}@example.com", "password": "wrong password 1"},
        format="json",
        **extra,
    )


def test_21st_login_attempt_is_429_with_retry_after(anon_client, user):
    statuses = [_attempt(anon_client).status_code for _ in range(20)]
    assert statuses == [401] * 20
    limited = _attempt(anon_client)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 0 < int(limited["Retry-After"]) <= 15 * 60


def test_limit_also_refuses_correct_passwords(anon_client, user):
    for _ in range(20):
        _attempt(anon_client)
    response = anon_client.post(
        f"{AUTH}/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 429


def test_register_is_rate_limited_too(anon_client):
    for i in range(20):
        anon_client.post(f"{AUTH}/register/", {"email": f"u{i}@example.com"}, format="json")
    response = anon_client.post(
        f"{AUTH}/register/",
        {"email": "late@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 429
    assert "Retry-After" in response


def test_forwarded_for_is_ignored_without_trusted_proxies(anon_client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(20):
        _attempt(anon_client, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert _attempt(anon_client, HTTP_X_FORWARDED_FOR="10.0.1.1").status_code == 429


def test_one_trusted_proxy_limits_by_the_address_it_saw(anon_client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forges the left-most entries; the proxy appends the real address.
    for i in range(20):
        _attempt(anon_client, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.7")
    assert _attempt(anon_client, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code == 429
    assert _attempt(anon_client, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


# --- refresh (rotation) -----------------------------------------------------------------


def test_refresh_rotates_the_pair(anon_client, user):
    tokens = login(anon_client)
    response = anon_client.post(f"{AUTH}/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh"] != tokens["refresh"]
    assert me_status(rotated["access"]) == 200


def test_reused_refresh_is_401_and_ends_the_whole_session(anon_client, user):
    tokens = login(anon_client)
    rotated = anon_client.post(
        f"{AUTH}/refresh/", {"refresh": tokens["refresh"]}, format="json"
    ).json()
    assert refresh_status(tokens["refresh"]) == 401
    # The thief or the owner: nobody keeps the session.
    assert refresh_status(rotated["refresh"]) == 401
    assert me_status(rotated["access"]) == 401
    assert me_status(tokens["access"]) == 401


def test_reuse_does_not_end_other_sessions(anon_client, user):
    first, second = login(anon_client), login(anon_client)
    refresh_status(first["refresh"])
    refresh_status(first["refresh"])
    assert me_status(second["access"]) == 200


@pytest.mark.parametrize("refresh", ["", "garbage", "a.b.c", "x" * 2001])
def test_refresh_with_invalid_token_is_4xx(anon_client, refresh):
    response = anon_client.post(f"{AUTH}/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code in (400, 401)


def test_refresh_with_an_access_token_is_401(anon_client, user):
    tokens = login(anon_client)
    assert refresh_status(tokens["access"]) == 401


def test_refresh_of_deactivated_user_is_401(anon_client, user):
    tokens = login(anon_client)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert refresh_status(tokens["refresh"]) == 401


# --- logout -----------------------------------------------------------------------------


def test_logout_rejects_refresh_and_current_access_at_once(anon_client, user):
    tokens = login(anon_client)
    client = bearer(tokens["access"])
    response = client.post(f"{AUTH}/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 204
    assert me_status(tokens["access"]) == 401
    assert refresh_status(tokens["refresh"]) == 401
    assert RevokedToken.objects.filter(kind=RevokedToken.Kind.SESSION).count() == 1


def test_logout_leaves_other_sessions_alone(anon_client, user):
    first, second = login(anon_client), login(anon_client)
    bearer(first["access"]).post(f"{AUTH}/logout/", {"refresh": first["refresh"]}, format="json")
    assert me_status(second["access"]) == 200


def test_logout_with_someone_elses_refresh_is_401(anon_client, user, other_user):
    mine = login(anon_client)
    theirs = login(anon_client, other_user.email)
    response = bearer(mine["access"]).post(
        f"{AUTH}/logout/", {"refresh": theirs["refresh"]}, format="json"
    )
    assert response.status_code == 401
    assert me_status(theirs["access"]) == 200


def test_logout_requires_authentication(anon_client, user):
    tokens = login(anon_client)
    response = APIClient().post(f"{AUTH}/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401


def test_logout_without_refresh_is_400(anon_client, user):
    tokens = login(anon_client)
    assert bearer(tokens["access"]).post(f"{AUTH}/logout/", {}, format="json").status_code == 400


# --- logout-all and password change -----------------------------------------------------


def test_logout_all_rejects_every_token_of_the_user(anon_client, user, other_user):
    first, second = login(anon_client), login(anon_client)
    bystander = login(anon_client, other_user.email)
    assert bearer(first["access"]).post(f"{AUTH}/logout-all/").status_code == 204
    assert [me_status(first["access"]), me_status(second["access"])] == [401, 401]
    assert [refresh_status(first["refresh"]), refresh_status(second["refresh"])] == [401, 401]
    assert me_status(bystander["access"]) == 200
    assert me_status(login(anon_client)["access"]) == 200


def test_logout_all_requires_authentication(anon_client):
    assert anon_client.post(f"{AUTH}/logout-all/").status_code == 401


def test_password_change_revokes_all_tokens(anon_client, user):
    first, second = login(anon_client), login(anon_client)
    response = bearer(first["access"]).post(
        f"{AUTH}/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "a brand new secret 42"},
        format="json",
    )
    assert response.status_code == 204
    assert [me_status(first["access"]), me_status(second["access"])] == [401, 401]
    assert refresh_status(second["refresh"]) == 401
    relogin = anon_client.post(
        f"{AUTH}/login/",
        {"email": user.email, "password": "a brand new secret 42"},
        format="json",
    )
    assert relogin.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"old_password": "wrong one 1", "new_password": "a brand new secret 42"}, "old_password"),
        ({"old_password": DEFAULT_PASSWORD, "new_password": "short"}, "new_password"),
        ({"old_password": DEFAULT_PASSWORD}, "new_password"),
    ],
)
def test_password_change_rejects_bad_input_and_keeps_tokens(anon_client, user, payload, field):
    tokens = login(anon_client)
    response = bearer(tokens["access"]).post(f"{AUTH}/password/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert me_status(tokens["access"]) == 200


# --- me ---------------------------------------------------------------------------------


def test_me_returns_the_profile(api_client, user):
    body = api_client.get(f"{AUTH}/me/").json()
    assert set(body) == {
        "id",
        "email",
        "name",
        "bio",
        "date_joined",
        "timezone",
        "week_start",
        "date_format",
    }
    assert (body["id"], body["email"], body["name"]) == (user.pk, "alice@example.com", "Alice")


def test_me_patch_updates_profile(api_client, user):
    response = api_client.patch(
        f"{AUTH}/me/",
        {"name": " Alice B ", "bio": "Hi", "email": "Alice.B@Example.com"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["email"]) == (
        "Alice B",
        "alice.b@example.com",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "BOB@example.com"}, "email"),
        ({"email": "nope"}, "email"),
        ({"bio": "b" * 201}, "bio"),
        ({"name": ["x"]}, "name"),
    ],
)
def test_me_patch_rejects_bad_input(api_client, other_user, payload, field):
    response = api_client.patch(f"{AUTH}/me/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_me_ignores_read_only_fields(api_client, user):
    api_client.patch(f"{AUTH}/me/", {"id": "x", "token_generation": 9}, format="json")
    user.refresh_from_db()
    assert user.token_generation == 0


def test_me_requires_authentication(anon_client):
    response = anon_client.get(f"{AUTH}/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer", "Token abc", "Bearer a.b.c"])
def test_bad_authorization_header_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(f"{AUTH}/me/").status_code == 401


def test_auth_endpoints_reject_wrong_methods(anon_client):
    assert anon_client.get(f"{AUTH}/login/").status_code == 405
    assert anon_client.get(f"{AUTH}/register/").status_code == 405


def test_token_of_a_deleted_user_is_401(anon_client, other_user):
    tokens = login(anon_client, other_user.email)
    other_user.delete()
    assert me_status(tokens["access"]) == 401
    assert refresh_status(tokens["refresh"]) == 401
