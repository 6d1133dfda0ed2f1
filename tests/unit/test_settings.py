"""Production settings refuse unsafe values (at startup and as `check --deploy`'s
taskflow.E00x checks), `check --deploy` is clean with production values, .env.example
lists what the settings read and is refused unchanged, and Argon2 is the first
password hasher of the real settings."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from taskflow import checks
from taskflow import settings as real_settings
from tests.production import ENV_EXAMPLE, ROOT, bare_env, production_env

# Read outside taskflow/settings.py, yet configuration all the same: name -> reader.
READ_ELSEWHERE = {
    "WEB_CONCURRENCY": "deploy/gunicorn.conf.py",
    "PROMETHEUS_MULTIPROC_DIR": "taskflow/metrics.py",
}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SAME_KEY = "a-shared-key-that-is-long-enough-0123456789"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off (taskflow.E002)"),
        ({"SECRET_KEY": "django-insecure-taskflow-development-key-change-me"}, "E003"),
        ({"SECRET_KEY": "short"}, "taskflow.E003"),
        ({"SECRET_KEY": ""}, "taskflow.E003"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list the host names served (taskflow.E004)"),
        # Set to "secret", a token forged with it read another user's data.
        ({"JWT_SIGNING_KEY": "secret"}, "(it has fewer than 32 characters) (taskflow.E006)"),
        # Empty, every API login and Bearer request answered 500.
        ({"JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY must be a random value"),
        ({"SECRET_KEY": SAME_KEY, "JWT_SIGNING_KEY": SAME_KEY}, "taskflow.E007"),
        ({"DATABASE_URL": "postgres://taskflow:change-me@db:5432/taskflow"}, "E008"),
    ],
)
def test_production_refuses_unsafe_values(tmp_path, overrides, message):
    result = manage(production_env(tmp_path, **overrides), "check")
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("name", "check_id"), [("SECRET_KEY", "E003"), ("JWT_SIGNING_KEY", "E005")]
)
def test_production_refuses_a_missing_key(tmp_path, name, check_id):
    # An unset JWT_SIGNING_KEY once silently reused SECRET_KEY.
    env = production_env(tmp_path)
    del env[name]
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"{name} " in result.stderr
    assert f"(taskflow.{check_id})" in result.stderr


@pytest.mark.parametrize("environment", ["prod", "Production"])
def test_an_undocumented_environment_is_refused(environment):
    # ENVIRONMENT=prod once ran development mode with DEBUG on, quietly.
    result = manage(bare_env(ENVIRONMENT=environment), "check")
    assert result.returncode != 0
    assert "is not one of development, production, test (taskflow.E001)" in result.stderr


@pytest.mark.parametrize("environment", [None, "test"])
def test_development_runs_with_no_configuration_at_all(environment):
    # `make run` on a fresh machine: no .env, no variables.
    env = bare_env() if environment is None else bare_env(ENVIRONMENT=environment)
    result = manage(env, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_what_production_would_refuse():
    # Development settings with a weak JWT key: `check --deploy` names every refusal.
    result = manage(bare_env(JWT_SIGNING_KEY="secret"), "check", "--deploy")
    assert result.returncode != 0
    for check_id in ("taskflow.E002", "taskflow.E003", "taskflow.E006"):
        assert f"({check_id})" in result.stderr


@pytest.mark.parametrize(
    ("changes", "check_id"),
    [
        ({}, None),
        ({"DEBUG": True}, "taskflow.E002"),
        ({"SECRET_KEY": "django-insecure-taskflow-development-key-change-me"}, "taskflow.E003"),
        ({"ALLOWED_HOSTS": []}, "taskflow.E004"),
        ({"JWT_SIGNING_KEY": None}, "taskflow.E005"),
        ({"JWT_SIGNING_KEY": ""}, "taskflow.E006"),
        ({"JWT_SIGNING_KEY": "secret"}, "taskflow.E006"),
        ({"JWT_SIGNING_KEY": "s" * 31 + "k"}, "taskflow.E006"),
        ({"JWT_SIGNING_KEY": "x" * 40}, "taskflow.E006"),
        ({"JWT_SIGNING_KEY": "change-me-to-another-50-random-characters"}, "taskflow.E006"),
        ({"JWT_SIGNING_KEY": "k" * 40 + "SECRET"}, "taskflow.E007"),
        (
            {"SECRET_KEY_FALLBACKS": ["f" * 40 + "OLDKEY"], "JWT_SIGNING_KEY": "f" * 40 + "OLDKEY"},
            "taskflow.E007",
        ),
        ({"DATABASE_URL": "postgres://u:CHANGE-ME@db/taskflow"}, "taskflow.E008"),
    ],
)
def test_the_deploy_check_finds_each_unsafe_value(settings, changes, check_id):
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 40 + "SECRET"
    settings.SECRET_KEY_FALLBACKS = []
    settings.ALLOWED_HOSTS = ["taskflow.example.com"]
    settings.JWT_SIGNING_KEY = "j" * 40 + "JWTKEY"
    settings.DATABASE_URL = "postgres://taskflow:a-real-password@db/taskflow"
    for name, value in changes.items():
        setattr(settings, name, value)
    found = [message.id for message in checks.check_production_values()]
    assert found == ([check_id] if check_id else [])


def test_the_checks_are_registered_with_django():
    from django.core.checks import registry

    assert checks.check_environment in registry.registry.get_checks(include_deployment_checks=False)
    assert checks.check_production_values in registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert checks.check_production_values not in registry.registry.get_checks(
        include_deployment_checks=False
    )


def test_the_environment_check(settings):
    settings.ENVIRONMENT = "prod"
    assert [m.id for m in checks.check_environment()] == ["taskflow.E001"]


def env_example() -> dict[str, str]:
    """The variables .env.example sets (uncommented lines)."""
    return dict(re.findall(r"(?m)^([A-Z][A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text()))


def env_example_names() -> set[str]:
    """Every variable .env.example names, set or commented out (``# NAME=default``)."""
    return set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text()))


def settings_reads() -> set[str]:
    """The names of every env.<cast>("NAME", ...) call in taskflow/settings.py."""
    tree = ast.parse((ROOT / "taskflow" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
        ):
            # Names must be literals so that this test sees them.
            name = getattr(node.args[0], "value", None)
            assert isinstance(name, str), f"settings.py line {node.lineno}: not a literal name"
            names.add(name)
    return names


def test_env_example_lists_every_variable_the_settings_read():
    reads = settings_reads()
    assert {"ENVIRONMENT", "SECRET_KEY", "JWT_SIGNING_KEY", "SENTRY_DSN"} <= reads  # parser
    assert reads - env_example_names() == set()


def test_env_example_lists_only_variables_something_reads():
    for name, reader in READ_ELSEWHERE.items():
        assert f'"{name}"' in (ROOT / reader).read_text(), (name, reader)
    assert env_example_names() - settings_reads() - set(READ_ELSEWHERE) == set()


def test_env_example_unchanged_is_refused_in_production():
    # Copied without filling in the secrets, it must fail loudly, not start.
    result = manage(bare_env(**env_example()), "check")
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    for check_id in ("taskflow.E003", "taskflow.E006", "taskflow.E008"):
        assert f"({check_id})" in result.stderr


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_argon2_is_the_first_password_hasher():
    assert real_settings.PASSWORD_HASHERS[0] == ("django.contrib.auth.hashers.Argon2PasswordHasher")


def test_argon2_hasher_works():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("s3cret pass", hasher.salt())
    assert encoded.startswith("argon2$")
    assert hasher.verify("s3cret pass", encoded)
