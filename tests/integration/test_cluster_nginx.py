"""What nginx itself does: static files (hashed names, far-future immutable caching,
gzip), and /metrics kept private."""

from __future__ import annotations

import re

import pytest
import requests

from tests.integration.conftest import TIMEOUT

pytestmark = pytest.mark.integration


def test_pages_link_hashed_static_names_served_with_immutable_caching(cluster):
    page = requests.get(f"{cluster.nginx_url}/admin/login/", timeout=TIMEOUT)
    (css,) = re.findall(r"/static/admin/css/base\.[0-9a-f]{12}\.css", page.text)
    hashed = requests.get(
        f"{cluster.nginx_url}{css}", headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT
    )
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Encoding"] == "gzip"
    assert "text/css" in hashed.headers["Content-Type"]


def test_unhashed_static_names_are_cached_briefly(cluster):
    plain = requests.get(f"{cluster.nginx_url}/static/admin/css/base.css", timeout=TIMEOUT)
    assert (plain.status_code, plain.headers["Cache-Control"]) == (200, "public, max-age=300")


def test_static_files_come_from_nginx_not_the_instances(cluster):
    missing = requests.get(f"{cluster.nginx_url}/static/no-such-file.css", timeout=TIMEOUT)
    assert (missing.status_code, missing.headers["Server"]) == (404, "nginx")
    assert "text/html" in missing.headers["Content-Type"]


def test_metrics_are_not_served_through_the_public_proxy(cluster):
    public = requests.get(f"{cluster.nginx_url}/metrics", timeout=TIMEOUT)
    assert (public.status_code, public.headers["Server"]) == (404, "nginx")
