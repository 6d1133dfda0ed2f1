"""No password, token, cookie or Authorization header ever reaches the logs."""

from __future__ import annotations

import logging

import pytest
import structlog
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Correct-Horse-Battery-42"
REGISTER_PASSWORD = "Tr0ub4dor-and-3-more"
SESSION_COOKIE = "sessioncookievalue0123456789abcd"


def _login(client: APIClient, email: str, password: str):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def test_auth_flows_log_no_secret(user, password, json_logs):
    client = APIClient()
    client.cookies["sessionid"] = SESSION_COOKIE
    registered = client.post(
        "/api/auth/register/",
        {"email": "carol@example.com", "name": "Carol", "password": REGISTER_PASSWORD},
        format="json",
    )
    failed = _login(client, user.email, "wrong-password-123")
    pair = _login(client, user.email, password).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    client.get("/api/auth/me/")
    rotated = client.post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['access']}")
    changed = client.post(
        "/api/auth/password/",
        {"old_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )
    replayed = client.post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json")

    statuses = [r.status_code for r in (registered, failed, changed, replayed)]
    assert statuses == [201, 401, 204, 401]
    assert len(json_logs.events("request_finished")) == 7
    secrets = [
        password,
        REGISTER_PASSWORD,
        NEW_PASSWORD,
        "wrong-password-123",
        SESSION_COOKIE,
        pair["access"],
        pair["refresh"],
        rotated["access"],
        rotated["refresh"],
    ]
    assert [secret for secret in secrets if secret in json_logs.text] == []


def test_careless_log_calls_are_scrubbed_too(json_logs):
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMDEifQ.c2lnbmF0dXJlLXZhbHVl"
    log = structlog.get_logger("tests.careless")

    log.info(
        "login_attempt",
        data={"email": "a@example.com", "password": "plain-text-pw"},
        headers={"Authorization": f"Bearer {token}", "Cookie": "sessionid=abc123def"},
    )
    logging.getLogger("tests.careless.stdlib").warning("rejected refresh %s", token)
    try:
        value = "secret-held-in-a-local"  # noqa: F841 - a traceback's locals must not show
        raise ValueError(f"bad payload password=plain-text-pw token {token}")
    except ValueError:
        log.exception("parse_failed")

    assert "plain-text-pw" not in json_logs.text
    assert token not in json_logs.text
    assert "abc123def" not in json_logs.text
    assert "secret-held-in-a-local" not in json_logs.text
    records = json_logs.records()
    assert [record["event"] for record in records] == [
        "login_attempt",
        "rejected refresh [Filtered]",
        "parse_failed",
    ]
    assert records[0]["data"] == {"email": "a@example.com", "password": "[Filtered]"}
