"""The deployment files say what the code does: every setting documented, the
Procfile's commands, gunicorn's settings from the environment."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC_VARIABLES = [
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JWT_SIGNING_KEY", "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS", "DEBUG", "SENTRY_DSN", "SENTRY_TRACES_SAMPLE_RATE", "LOG_LEVEL",
    "LOG_FORMAT", "TRUSTED_PROXY_COUNT", "STATIC_URL", "WEB_CONCURRENCY",
]  # fmt: skip


def documented_variables() -> set[str]:
    return set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text()))


def test_env_example_documents_every_variable_of_the_spec():
    assert set(SPEC_VARIABLES) - documented_variables() == set()


def test_env_example_documents_the_core_variables_settings_read():
    settings_source = (ROOT / "taskflow" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    core = {name for name in read if not name.startswith("SENTRY_")} - {"ROOT_URLCONF"}
    assert core - documented_variables() == set()


def test_procfile_migrates_in_the_release_phase_and_serves_with_gunicorn():
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert lines == [
        "release: python manage.py migrate --noinput",
        "web: gunicorn -c deploy/gunicorn.conf.py taskflow.wsgi",
        "worker: python manage.py run_huey",
    ]


def test_make_run_starts_the_web_server_and_a_worker():
    processes = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line and not line.startswith("#")
    )
    run_recipe = re.search(r"(?m)^run:.*\n\t(.*)$", (ROOT / "Makefile").read_text()).group(1)
    assert processes == {
        "web": 'python manage.py runserver "$HOST:$PORT"',
        "worker": "python manage.py run_huey",
    }
    assert "honcho -f Procfile.dev start" in run_recipe


def test_compose_runs_a_worker_from_the_app_image_after_the_migrations():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    worker = compose["services"]["worker"]
    assert worker["command"] == ["python", "manage.py", "run_huey"]
    assert worker["image"] == compose["services"]["app1"]["image"]
    assert worker["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert worker["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (conf["workers"], conf["bind"]) == (5, "0.0.0.0:9123")
    assert conf["max_requests_jitter"] > 0
    assert conf["graceful_timeout"] < conf["timeout"]


@pytest.mark.parametrize("service", ["app1", "app2", "app3"])
def test_compose_instances_wait_for_the_migrations(service):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"][service]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }


def test_compose_nginx_upstream_lists_every_app_instance():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    apps = sorted(name for name in compose["services"] if re.fullmatch(r"app\d+", name))
    upstream = re.findall(r"server (app\d+):8000", (ROOT / "deploy" / "nginx.conf").read_text())
    assert upstream == apps
