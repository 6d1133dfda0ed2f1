"""A verified access token's signature is checked once per process; its time limits,
and every other token's signature, are checked on each request
(accounts.authentication._VERIFIED)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from accounts import authentication
from accounts.tokens import issue_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    authentication._VERIFIED.clear()


def _get(raw: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/auth/me/")


def test_the_signature_is_checked_once_per_token(user, monkeypatch):
    decoded = []
    original = TokenBackend.decode

    def counting(self, token, verify=True):
        decoded.append(token)
        return original(self, token, verify=verify)

    monkeypatch.setattr(TokenBackend, "decode", counting)
    raw = issue_tokens(user)["access"]

    assert [_get(raw).status_code for _ in range(3)] == [200, 200, 200]
    assert len(decoded) == 1


def test_a_tampered_copy_of_a_verified_token_is_refused(user):
    raw = issue_tokens(user)["access"]
    assert _get(raw).status_code == 200
    head, claims, signature = raw.split(".")
    forged = f"{head}.{claims}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    response = _get(forged)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_verified_token_still_expires(user):
    token = AccessToken(issue_tokens(user)["access"])
    token.set_exp(lifetime=timedelta(seconds=1))
    raw = str(token)
    assert _get(raw).status_code == 200

    time.sleep(1.1)
    expired = _get(raw)
    authentication._VERIFIED.clear()
    never_seen = _get(raw)

    assert expired.status_code == 401
    assert (expired.status_code, expired.json()) == (never_seen.status_code, never_seen.json())
