"""/readyz: 200 only when the database, the cache and token signing all work."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt import state
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.settings import api_settings

pytestmark = pytest.mark.django_db


def test_readyz_is_ok_when_everything_works(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "cache": True, "tokens": True},
    }


def test_readyz_is_503_when_tokens_cannot_be_signed(client, monkeypatch, caplog):
    # Production once ran with an empty signing key: every API login and Bearer request
    # answered 500 while /readyz said ok. The backend simplejwt builds from that key:
    monkeypatch.setattr(state, "token_backend", TokenBackend(api_settings.ALGORITHM, ""))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": True, "cache": True, "tokens": False}
    assert body["failed"] == ["tokens"]
    assert "readiness: token signing check failed" in caplog.text
