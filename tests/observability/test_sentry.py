"""Sentry events, captured in-process: what they carry and what they never carry."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from rest_framework.test import APIClient

from accounts.tokens import issue_tokens
from taskflow.sentry import browser_csp, git_release

pytestmark = pytest.mark.django_db

BODY_PASSWORD = "Body-Password-never-sent-9"
SESSION_COOKIE = "sessionidvalue-never-sent-0123"


def _call_wsgi(path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[str, dict]:
    """One request through Django's WSGI handler, as gunicorn makes it: Sentry reads
    the URL and headers from the WSGI environ, which the test client bypasses."""
    raw = json.dumps(body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    setup_testing_defaults(environ)
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list, exc_info: Any = None) -> None:
        started.update(status=status, headers=dict(response_headers))

    # As Django's test client does: keep the test's transaction open across the request
    # (on PostgreSQL, request_started's close_old_connections would close it mid-test).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = get_wsgi_application()(environ, start_response)
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"]


def test_view_exception_is_reported_with_request_id_and_no_secret(settings, user, sentry_events):
    settings.ROOT_URLCONF = "tests.observability.urls"
    settings.ALLOWED_HOSTS = ["*"]
    tokens = issue_tokens(user)

    status, headers = _call_wsgi(
        "/test-boom/api/",
        {"email": user.email, "password": BODY_PASSWORD, "refresh": tokens["refresh"]},
        {
            "Authorization": f"Bearer {tokens['access']}",
            "Cookie": f"sessionid={SESSION_COOKIE}; theme=dark",
            "User-Agent": "observability-test",
        },
    )

    assert status.startswith("500")
    assert len(sentry_events) == 1
    event = sentry_events[0]
    assert event["exception"]["values"][-1]["type"] == "DeliberateError"
    assert event["tags"]["request_id"] == headers["X-Request-ID"]
    assert (event["environment"], event["release"]) == ("test", "test-release")
    assert event["request"]["url"].endswith("/test-boom/api/")
    assert event["request"]["headers"]["User-Agent"] == "observability-test"
    assert event["request"]["data"]["email"] == user.email  # the body was captured...
    sent = json.dumps(event)
    for secret in (BODY_PASSWORD, tokens["access"], tokens["refresh"], SESSION_COOKIE):
        assert secret not in sent  # ...without its secrets


def test_page_exception_is_reported(settings, sentry_events):
    settings.ROOT_URLCONF = "tests.observability.urls"

    response = Client(raise_request_exception=False).get("/test-boom/page/")

    assert [e["exception"]["values"][-1]["value"] for e in sentry_events] == ["boom on a page"]
    assert sentry_events[0]["tags"]["request_id"] == response["X-Request-ID"]


def test_handled_errors_are_not_reported(api_client, sentry_events):
    assert api_client.get("/api/tasks/does-not-exist/").status_code == 404
    assert APIClient().get("/api/tasks/").status_code == 401
    assert sentry_events == []


def test_pages_load_no_sentry_script_by_default():
    response = Client().get("/")

    assert response.status_code == 200
    assert b"sentry" not in response.content
    assert "sentry" not in response["Content-Security-Policy"]


def test_pages_load_the_sentry_loader_when_configured(settings):
    loader = "https://js.sentry-cdn.com/abc123.min.js"
    settings.SENTRY_BROWSER_LOADER_URL = loader
    settings.CSP_EXTRA_SCRIPT_SRC, settings.CSP_EXTRA_CONNECT_SRC = browser_csp(loader)

    response = Client().get("/")

    assert f'<script src="{loader}" crossorigin="anonymous"></script>' in response.text
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' https://js.sentry-cdn.com https://browser.sentry-cdn.com;" in policy
    assert "https://*.ingest.sentry.io" in policy


def test_browser_reporting_widens_the_policy_only_when_configured():
    assert browser_csp("") == ([], [])
    script_src, connect_src = browser_csp(
        "https://js.sentry-cdn.com/abc123.min.js", "https://key@o1.ingest.sentry.io/42"
    )
    assert script_src == ["https://js.sentry-cdn.com", "https://browser.sentry-cdn.com"]
    assert connect_src == ["https://o1.ingest.sentry.io"]


def test_release_defaults_to_the_checked_out_commit(tmp_path: Path):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("0123abcd" * 5 + "\n")

    assert git_release(tmp_path) == "0123abcd" * 5
    assert git_release(tmp_path / "missing") is None
