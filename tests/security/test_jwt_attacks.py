"""Forged, stale and misused JWTs are refused with a 401, and never reach data."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tokens import issue_tokens
from tests.factories import TaskFactory, UserFactory

# Forging HS512 with the server key is the attack itself; PyJWT warns that the
# development key is shorter than HS512 wants.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

TASKS = "/api/tasks/"


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _sign(claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


def _status_with(token: str, path: str = TASKS) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(path).status_code


@pytest.fixture
def victim():
    user = UserFactory(email="victim@example.com")
    TaskFactory(owner=user, title="victim's task")
    return user


@pytest.fixture
def attacker():
    return UserFactory(email="attacker@example.com")


def test_genuine_access_token_is_accepted(victim):
    assert _status_with(issue_tokens(victim)["access"]) == 200


def _alg_none(claims: dict) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _forged_tokens(victim, attacker) -> dict[str, str]:
    access = _claims(issue_tokens(victim)["access"])
    mine = issue_tokens(attacker)["access"]
    head, _payload, signature = mine.split(".")
    return {
        "alg none": _alg_none(access),
        "alg none, capitalised": f"{_b64({'alg': 'None'})}.{_b64(access)}.",
        "signed with another key": _sign(access, key="not-the-server-key-" * 3),
        "HS512 with the server key": _sign(access, algorithm="HS512"),
        "expired": _sign({**access, "exp": int(time.time()) - 60}),
        "no expiry": _sign({k: v for k, v in access.items() if k != "exp"}),
        "user id swapped, old signature": f"{head}.{_b64({**_claims(mine), 'user_id': victim.pk})}"
        f".{signature}",
        "user id of a missing user": _sign({**access, "user_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
        "token generation changed": _sign({**access, "gen": access["gen"] + 1}),
        "session claim removed": _sign({k: v for k, v in access.items() if k != "sid"}),
        "token type claim removed": _sign({k: v for k, v in access.items() if k != "token_type"}),
        "truncated": issue_tokens(victim)["access"][:-5],
        "garbage": "not.a.jwt",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "alg none",
        "alg none, capitalised",
        "signed with another key",
        "HS512 with the server key",
        "expired",
        "no expiry",
        "user id swapped, old signature",
        "user id of a missing user",
        "token generation changed",
        "session claim removed",
        "token type claim removed",
        "truncated",
        "garbage",
    ],
)
def test_forged_access_token_is_401(victim, attacker, kind):
    token = _forged_tokens(victim, attacker)[kind]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    reply = client.get(TASKS)
    assert reply.status_code == 401
    assert "victim's task" not in reply.content.decode()


def test_refresh_token_used_as_access_is_401(victim):
    assert _status_with(issue_tokens(victim)["refresh"]) == 401


def test_access_token_used_as_refresh_is_401(victim):
    reply = APIClient().post(
        "/api/auth/refresh/", {"refresh": issue_tokens(victim)["access"]}, format="json"
    )
    assert reply.status_code == 401


def test_forged_refresh_tokens_are_401(victim):
    refresh = _claims(issue_tokens(victim)["refresh"])
    for token in (
        _alg_none(refresh),
        _sign(refresh, key="not-the-server-key-" * 3),
        _sign({**refresh, "exp": int(time.time()) - 60}),
        _sign({**refresh, "gen": refresh["gen"] + 1}),
    ):
        reply = APIClient().post("/api/auth/refresh/", {"refresh": token}, format="json")
        assert reply.status_code == 401


def test_reused_rotated_refresh_is_401_and_ends_the_session(victim):
    first = issue_tokens(victim)
    rotated = APIClient().post("/api/auth/refresh/", {"refresh": first["refresh"]}, format="json")
    replay = APIClient().post("/api/auth/refresh/", {"refresh": first["refresh"]}, format="json")
    newest = APIClient().post(
        "/api/auth/refresh/", {"refresh": rotated.json()["refresh"]}, format="json"
    )

    assert rotated.status_code == 200
    assert replay.status_code == 401
    # The replay ended the whole session: the thief's and the owner's newer tokens too.
    assert newest.status_code == 401
    assert _status_with(rotated.json()["access"]) == 401


def test_access_token_of_logged_out_session_is_401(victim):
    tokens = issue_tokens(victim)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert (
        client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code
        == 204
    )
    assert _status_with(tokens["access"]) == 401


def test_tokens_after_password_change_are_401(victim, password):
    tokens = issue_tokens(victim)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    changed = client.post(
        "/api/auth/password/",
        {"old_password": password, "new_password": "a brand new passphrase 77"},
        format="json",
    )
    assert changed.status_code == 204
    assert _status_with(tokens["access"]) == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b"]
)
def test_malformed_authorization_headers_are_401(victim, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(TASKS).status_code == 401
