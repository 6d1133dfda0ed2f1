"""The environment of a production process, for tests that boot Django in a subprocess
(settings decide production defaults once, at import)."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / ".env.example"

# Variables of the test process that must not leak into a "production" interpreter.
_NOT_INHERITED = (
    "DJANGO_",
    "REDIS_",
    "SENTRY_",
    "DATABASE_",
    "SECRET_",
    "JWT_",
    "METRICS_",
    "PROMETHEUS_",
)


def _inherited() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}


def bare_env(**overrides: str) -> dict[str, str]:
    """A fresh machine: none of the variables .env.example lists (ENVIRONMENT, DEBUG,
    ALLOWED_HOSTS, ... included), then only ``overrides``."""
    documented = set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text()))
    env = {k: v for k, v in _inherited().items() if k not in documented}
    env.update(overrides)
    return env


def production_env(workdir: Path, **overrides: str) -> dict[str, str]:
    env = _inherited()
    env.update(
        ENVIRONMENT="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="taskflow.example.com",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="taskflow.settings",
    )
    env.update(overrides)
    return env
