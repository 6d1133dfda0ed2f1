"""Security headers and cookie flags as production really sends them.

Settings are read once at import, so one subprocess boots Django with
ENVIRONMENT=production (as the cluster runs it), signs in through the login page and
reports the headers and cookies it saw. Only static-file storage is swapped for the
plain one: the manifest storage would need `collectstatic` first, and it sets no
header or cookie.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.production import ROOT, production_env

PROBE = r"""
import json
import django

django.setup()
from django.core.management import call_command
from django.test import Client, override_settings

call_command("migrate", verbosity=0)
from accounts.models import User

from allauth.account.models import EmailAddress

prod_user = User.objects.create_user(email="prod@example.com", password="production passphrase 55")
# Production verifies addresses (ACCOUNT_EMAIL_VERIFICATION=mandatory): this one did.
EmailAddress.objects.create(user=prod_user, email=prod_user.email, verified=True, primary=True)
plain_static = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def cookies(response):
    return {
        name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
               "samesite": m["samesite"]}
        for name, m in response.cookies.items()
    }


with override_settings(STORAGES=plain_static):
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    login = client.post(
        "/accounts/login/",
        {"email": "prod@example.com", "password": "production passphrase 55"},
        secure=True,
    )
    api = Client().get("/api/tasks/", secure=True)
    missing = Client().get("/no-such-page/", secure=True)
    plain_http = Client().get("/accounts/login/")
    health = Client().get("/healthz")
print(json.dumps({
    "page": {"status": page.status_code, "headers": dict(page.headers), "cookies": cookies(page)},
    "login": {"status": login.status_code, "cookies": cookies(login)},
    "api": {"status": api.status_code, "headers": dict(api.headers)},
    "missing": {"status": missing.status_code, "body": missing.content.decode()},
    "plain_http": {"status": plain_http.status_code, "location": plain_http.get("Location")},
    "health_over_http": health.status_code,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("production")
    env = production_env(workdir, ALLOWED_HOSTS="testserver", REDIS_URL="", LOG_LEVEL="ERROR")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_send_hsts_and_hardening_headers(production):
    headers = production["page"]["headers"]
    assert production["page"]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_api_responses_send_the_same_headers(production):
    headers = production["api"]["headers"]
    assert production["api"]["status"] == 401
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"] == "application/json"


def test_session_cookie_is_secure_httponly_samesite(production):
    assert production["login"]["status"] == 302
    session = production["login"]["cookies"]["sessionid"]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_csrf_cookie_is_secure_samesite(production):
    csrf = production["page"]["cookies"]["csrftoken"]
    # Not HttpOnly on purpose: the small JS enhancer sends it with fetch() (settings.py).
    assert csrf == {"secure": True, "httponly": False, "samesite": "Lax"}


def test_plain_http_is_redirected_to_https_except_health(production):
    assert production["plain_http"]["status"] == 301
    assert production["plain_http"]["location"].startswith("https://")
    assert production["health_over_http"] == 200


def test_error_pages_leak_no_debug_information(production):
    assert production["missing"]["status"] == 404
    for leak in ("Traceback", "DEBUG", "urlpatterns", "SECRET_KEY", "settings.py"):
        assert leak not in production["missing"]["body"]
