"""/metrics is readable only by an allowed address or with the bearer token."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client

from tests.production import ROOT, production_env

pytestmark = pytest.mark.django_db


def test_allowed_address_reads_metrics(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]

    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_before_middlewares_total" in response.content


def test_allowed_network_reads_metrics(settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]

    assert Client(REMOTE_ADDR="10.1.44.7").get("/metrics").status_code == 200


def test_other_address_is_refused(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.METRICS_TOKEN = "scrape-token-0123456789"

    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")

    assert response.status_code == 404
    assert b"taskflow_" not in response.content


def test_forwarded_for_is_not_trusted_without_a_declared_proxy(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.TRUSTED_PROXY_COUNT = 0

    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 404


def test_bearer_token_reads_metrics_from_anywhere(settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    client = Client(REMOTE_ADDR="203.0.113.9")

    good = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456780")

    assert (good.status_code, wrong.status_code) == (200, 404)


def test_no_token_configured_means_no_token_accepted(settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""

    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404


_PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
local = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", secure=True)
print(json.dumps({"allowed": settings.METRICS_ALLOWED_IPS, "status": local.status_code}))
"""


def test_production_settings_refuse_anonymous_access(tmp_path):
    # A fresh interpreter: production defaults are decided when settings are imported.
    env = production_env(tmp_path, ALLOWED_HOSTS="testserver")
    result = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"allowed": [], "status": 404}
