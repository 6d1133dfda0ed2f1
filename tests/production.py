"""The environment of a production process, for tests that boot Django in a subprocess
(settings decide production defaults once, at import)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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


def production_env(workdir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
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
