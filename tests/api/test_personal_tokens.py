"""Personal API tokens (SPEC §10): `Authorization: Token tf_…` wherever a JWT works,
never for managing credentials; read scope cannot write; revocation is immediate."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import personal_tokens, services
from accounts.models import ApiToken

TOKENS = "/api/auth/tokens/"
pytestmark = pytest.mark.django_db


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def new_token(user, scope: str = "write", **extra) -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name="script", scope=scope, **extra)


def test_create_shows_the_token_once_and_stores_only_its_hash(api_client, user):
    created = api_client.post(TOKENS, {"name": "CI", "scope": "write"}, format="json")
    listed = api_client.get(TOKENS)
    raw = created.json()["token"]
    row = ApiToken.objects.get()
    secret = raw.split("_", 2)[2]
    assert created.status_code == 201
    assert raw.startswith(f"tf_{row.prefix}_")
    assert len(secret) >= 43
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row.__dict__)
    assert listed.status_code == 200
    assert [t["display"] for t in listed.json()] == [f"tf_{row.prefix}_…"]
    assert "token" not in listed.json()[0]
    assert secret not in listed.content.decode()


def test_a_token_reads_and_writes_tasks_like_a_jwt(user, task):
    _, raw = new_token(user)
    client = token_client(raw)
    listed = client.get("/api/tasks/")
    created = client.post("/api/tasks/", {"title": "From a script"}, format="json")
    assert (listed.status_code, created.status_code) == (200, 201)
    assert [t["title"] for t in listed.json()["results"]] == ["Write the report"]


def test_a_read_token_cannot_write(user, task):
    _, raw = new_token(user, scope="read")
    client = token_client(raw)
    assert client.get(f"/api/tasks/{task.pk}/").status_code == 200
    refused = [
        client.post("/api/tasks/", {"title": "x"}, format="json"),
        client.patch(f"/api/tasks/{task.pk}/", {"title": "x"}, format="json"),
        client.delete(f"/api/tasks/{task.pk}/"),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(403, "insufficient_scope")] * 3


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", TOKENS),
        ("post", TOKENS),
        ("post", "/api/auth/password/"),
        ("post", "/api/auth/logout-all/"),
        ("post", "/api/auth/logout/"),
        ("patch", "/api/auth/me/"),
        ("get", "/api/auth/sessions/"),
    ],
)
def test_a_token_cannot_manage_tokens_passwords_or_sessions(user, method, path):
    _, raw = new_token(user)
    response = getattr(token_client(raw), method)(path, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "token_not_allowed")


def test_a_token_cannot_revoke_a_token(user):
    other, _ = new_token(user)
    _, raw = new_token(user)
    response = token_client(raw).delete(f"{TOKENS}{other.pk}/")
    assert (response.status_code, response.json()["code"]) == (403, "token_not_allowed")
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


def test_a_token_may_read_the_profile(user):
    _, raw = new_token(user, scope="read")
    assert token_client(raw).get("/api/auth/me/").json()["email"] == user.email


def test_revoked_is_401_at_once_and_gone_from_the_list(api_client, user):
    token, raw = new_token(user)
    client = token_client(raw)
    assert client.get("/api/tasks/").status_code == 200
    deleted = api_client.delete(f"{TOKENS}{token.pk}/")
    after = client.get("/api/tasks/")
    assert (deleted.status_code, after.status_code) == (204, 401)
    assert after.json()["code"] == "token_not_valid"
    assert api_client.get(TOKENS).json() == []


def test_revoked_in_the_database_only_is_401_whatever_the_cache_holds(user):
    """Another instance revoked it and this one's cache never heard (or Redis is down):
    the database is read for every token not known revoked."""
    token, raw = new_token(user)
    client = token_client(raw)
    assert client.get("/api/tasks/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    cache.clear()
    assert client.get("/api/tasks/").status_code == 401


def test_the_cache_marker_refuses_without_a_query(user, django_assert_num_queries):
    token, raw = new_token(user)
    personal_tokens.mark_revoked([token])
    with django_assert_num_queries(0):
        assert personal_tokens.find_valid(raw) is None


def test_expired_is_401(user):
    token, raw = new_token(user, expires_at=timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(raw).get("/api/tasks/")
    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


@pytest.mark.parametrize(
    "header",
    [
        "Token tf_nothing",
        "Token tf_0123456789ab_wrong-secret",
        "Token",
        "Token a b",
        "Token \xe9\xe9",
    ],
)
def test_malformed_or_wrong_token_is_401(user, header):
    new_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/tasks/").status_code == 401


def test_a_right_prefix_with_a_wrong_secret_is_401(user):
    token, _ = new_token(user)
    _, raw = new_token(user)
    forged = f"tf_{token.prefix}_{raw.split('_', 2)[2]}"
    assert token_client(forged).get("/api/tasks/").status_code == 401


def test_sign_out_everywhere_and_password_change_end_tokens(api_client, user, password):
    _, first = new_token(user)
    api_client.post("/api/auth/logout-all/")
    user.refresh_from_db()
    _, second = new_token(user)
    services.user_change_password(user=user, old_password=password, new_password="N3w-pass-42!")
    assert token_client(first).get("/api/tasks/").status_code == 401
    assert token_client(second).get("/api/tasks/").status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_another_users_token_is_404_to_delete(other_client, user):
    token, raw = new_token(user)
    assert other_client.delete(f"{TOKENS}{token.pk}/").status_code == 404
    assert other_client.delete(f"{TOKENS}not-an-id/").status_code == 404
    assert token_client(raw).get("/api/tasks/").status_code == 200


def test_last_used_is_written_at_most_once_a_minute(user):
    token, raw = new_token(user)
    client = token_client(raw)
    client.get("/api/tasks/", REMOTE_ADDR="192.0.2.7")
    first = ApiToken.objects.get(pk=token.pk)
    client.get("/api/tasks/", REMOTE_ADDR="192.0.2.8")
    second = ApiToken.objects.get(pk=token.pk)
    assert (first.last_used_ip, second.last_used_ip) == ("192.0.2.7", "192.0.2.7")
    assert first.last_used_at == second.last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/tasks/", REMOTE_ADDR="192.0.2.9")
    assert ApiToken.objects.get(pk=token.pk).last_used_ip == "192.0.2.9"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "tomorrow"}, "expires_at"),
        ({"name": "x", "project": "../../etc"}, "project"),
    ],
)
def test_bad_input_is_a_400_field_map(api_client, payload, field):
    response = api_client.post(TOKENS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_project_and_expiry_are_kept(api_client):
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    body = {"name": "p", "project": "01J0000000000000000000000A", "expires_at": expires}
    created = api_client.post(TOKENS, body, format="json").json()
    assert created["project"] == "01J0000000000000000000000A"
    assert created["scope"] == "read"
    assert created["expired"] is False


def test_token_requests_are_documented_in_the_schema(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["personalToken"]["type"] == "apiKey"
    assert {"personalToken": []} in schema["paths"]["/api/tasks/"]["get"]["security"]
