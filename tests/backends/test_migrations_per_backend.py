"""Migrations match the models on every backend, and the MongoDB settings pass the
backend's own system checks (mongodb.E001 and friends) without a server.

Each case runs manage.py in a subprocess: the settings are read once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A refused connection fails fast instead of pymongo's 30 s server selection.
MONGO_URL = "mongodb://127.0.0.1:9/taskflow?serverSelectionTimeoutMS=500"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    named = ("DATABASE_URL", "REDIS_URL", "DB_PREPARED_STATEMENTS")
    clean = {k: v for k, v in os.environ.items() if k not in named}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "taskflow.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"DATABASE_URL": "sqlite:///:memory:"}, id="sql"),
        pytest.param({"DJANGO_SETTINGS_MODULE": "taskflow.settings_mongo_migrations"}, id="mongo"),
    ],
)
def test_makemigrations_check_is_clean(env):
    result = manage("makemigrations", "--check", "--dry-run", **env)
    assert (result.returncode, result.stdout.strip()) == (0, "No changes detected"), result.stderr


def test_mongodb_url_passes_the_backend_system_checks():
    result = manage("check", "--database", "default", DATABASE_URL=MONGO_URL)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("url", [MONGO_URL, "mongodb+srv://app:pw@cluster0.example.net/tf"])
def test_mongodb_url_selects_the_mongodb_backend(url):
    script = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'engine': s.DATABASES['default']['ENGINE'], 'host': s.DATABASES['default']['HOST'],"
        "'name': s.DATABASES['default']['NAME'], 'auto': s.DEFAULT_AUTO_FIELD,"
        "'apps': [a for a in s.INSTALLED_APPS if 'contrib.a' in a or 'Mongo' in a],"
        "'migrations': s.MIGRATION_MODULES, 'allauth_auto': s.ALLAUTH_DEFAULT_AUTO_FIELD}))"
    )
    result = manage("shell", "-c", script, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "engine": "django_mongodb_backend",
        "host": url,
        "name": url.rsplit("/", 1)[1].split("?")[0],
        "auto": "django_mongodb_backend.fields.ObjectIdAutoField",
        "apps": [
            "taskflow.mongo_apps.MongoAdminConfig",
            "taskflow.mongo_apps.MongoAuthConfig",
            "taskflow.mongo_apps.MongoContentTypesConfig",
        ],
        "migrations": {
            "admin": "taskflow.mongo_migrations.admin",
            "auth": "taskflow.mongo_migrations.auth",
            "contenttypes": "taskflow.mongo_migrations.contenttypes",
            "account": "taskflow.mongo_migrations.account",
            "mfa": "taskflow.mongo_migrations.mfa",
        },
        # django-allauth's models (EmailAddress, Authenticator, ...) get ObjectId ids too.
        "allauth_auto": "django_mongodb_backend.fields.ObjectIdAutoField",
    }


def test_postgres_url_keeps_health_checked_connections_for_conn_max_age():
    script = (
        "from django.conf import settings as s; import json; d = s.DATABASES['default'];"
        "print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    result = manage(
        "shell", "-c", script, DATABASE_URL="postgres://u:p@db:5432/tf", CONN_MAX_AGE="5"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "taskflow.postgresql",  # Django's, checking a connection in steady use locally
        5,
        True,
    ]


def test_sqlite_keeps_its_connection_from_one_request_to_the_next(tmp_path: Path):
    """Opening a SQLite connection (file, WAL pragma, Django's SQL functions) cost ~1 ms
    of every embedded-mode request when it was closed at the end of each one."""
    script = (
        "import json; from django.conf import settings as s; from django.db import connection;"
        "from django.core.signals import request_finished, request_started;"
        "d = s.DATABASES['default'];"
        "request_started.send(sender=None); connection.ensure_connection();"
        "first = connection.connection; request_finished.send(sender=None);"
        "request_started.send(sender=None); connection.ensure_connection();"
        "kept = connection.connection is first; request_finished.send(sender=None);"
        "print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], kept]))"
    )
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    kept = manage("shell", "-c", script, DATABASE_URL=url)
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout.strip().splitlines()[-1]) == [
        "django.db.backends.sqlite3",
        60,
        True,
        True,
    ]
    # CONN_MAX_AGE=0 still closes it after each request (the test can tell them apart).
    closed = manage("shell", "-c", script, DATABASE_URL=url, CONN_MAX_AGE="0")
    assert closed.returncode == 0, closed.stderr
    assert json.loads(closed.stdout.strip().splitlines()[-1])[1:] == [0, True, False]
