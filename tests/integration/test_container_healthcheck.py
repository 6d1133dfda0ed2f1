"""deploy/healthcheck.py (the Dockerfile's HEALTHCHECK) against a production instance."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devservers import free_port
from tests.production import ROOT

pytestmark = pytest.mark.integration


def healthcheck(port: int, allowed_hosts: str) -> int:
    env = {**os.environ, "PORT": str(port), "ALLOWED_HOSTS": allowed_hosts}
    env.pop("GUNICORN_BIND", None)
    script = ROOT / "deploy" / "healthcheck.py"
    return subprocess.run([sys.executable, script], env=env, timeout=30, check=False).returncode


def test_healthcheck_passes_on_a_running_instance(cluster):
    assert healthcheck(cluster.ports.instances[0], ".localhost,127.0.0.1") == 0


def test_healthcheck_fails_when_nothing_answers():
    assert healthcheck(free_port(), "localhost") == 1
