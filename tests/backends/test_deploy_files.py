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


# --- docker-compose profiles: each documented command starts exactly its database ----
DATABASE_SERVICES = {"mongo", "postgres"}


def documented_compose_commands(text: str) -> list[str]:
    """`docker compose ... up` commands, backslash continuations joined, comments dropped."""
    lines = [re.sub(r"^\s*#?\s*", "", line) for line in text.splitlines()]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    commands = []
    for line in joined.splitlines():
        if re.search(r"\bdocker compose\b.*\bup\b", line):
            commands.append(" ".join(line.split("#")[0].split()))
    return commands


def compose_services_started(compose: dict, profiles: set[str]) -> set[str]:
    """Compose's rule: a service without `profiles` always starts, one with them only
    when one of its profiles is enabled."""
    return {
        name
        for name, service in compose["services"].items()
        if not service.get("profiles") or profiles & set(service["profiles"])
    }


def database_host(compose: dict, environment: dict[str, str]) -> str:
    value = compose["services"]["migrate"]["environment"]["DATABASE_URL"]
    match = re.fullmatch(r"\$\{DATABASE_URL:-(.+)\}", value)
    url = environment.get("DATABASE_URL") or (match.group(1) if match else value)
    return re.match(r"\w+(?:\+\w+)?://(?:[^@/]*@)?([^:/]+)", url).group(1)


def test_compose_commands_are_documented_identically_in_compose_and_operations():
    in_compose = documented_compose_commands((ROOT / "docker-compose.yml").read_text())
    in_docs = documented_compose_commands((ROOT / "docs" / "operations.md").read_text())
    assert len(in_compose) == 2
    assert in_docs == in_compose


@pytest.mark.parametrize(
    "command", documented_compose_commands((ROOT / "docker-compose.yml").read_text())
)
def test_each_documented_compose_command_starts_and_awaits_only_its_database(command):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = dict(re.findall(r"(?:^|\s)([A-Z_]+)=(\S+)", command.split("docker compose")[0]))
    profiles = set(re.findall(r"--profile (\S+)", command))
    started = compose_services_started(compose, profiles)
    wanted = database_host(compose, environment)
    # The database the app's DATABASE_URL points at runs, and no other one.
    assert started & DATABASE_SERVICES == {wanted}
    # Nothing that starts waits (required) for a service that does not start.
    for name in started:
        depends_on = compose["services"][name].get("depends_on") or {}
        if isinstance(depends_on, list):  # short form: each one required
            depends_on = {dependency: {} for dependency in depends_on}
        for dependency, condition in depends_on.items():
            if dependency not in started:
                assert condition.get("required") is False, (name, dependency)
    assert compose["services"]["migrate"]["depends_on"][wanted] == {
        "condition": "service_healthy",
        "required": False,
    }


def test_every_database_service_is_behind_a_profile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in DATABASE_SERVICES:
        assert compose["services"][name].get("profiles") == [name]


# --- Dockerfile: the default SQLite path is writable by the non-root user ------------
def dockerfile_stage(name: str) -> list[str]:
    """The instructions of one stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    stage, out = None, []
    for line in lines:
        if line.upper().startswith("FROM "):
            stage = line.split()[-1] if " AS " in line.upper() else None
            continue
        if stage == name:
            out.append(line)
    return out


def test_dockerfile_runtime_gives_the_app_user_a_writable_data_volume():
    settings_source = (ROOT / "taskflow" / "settings.py").read_text()
    # The default database lives in BASE_DIR/var, i.e. /app/var in the image.
    assert "BASE_DIR / 'var' / 'db.sqlite3'" in settings_source
    runtime = dockerfile_stage("runtime")
    uid = next(line.split()[1] for line in runtime if line.startswith("USER ")).split(":")[0]
    user = next(
        re.search(rf"useradd .*--uid {uid} .*?(\w+)$", line).group(1)
        for line in runtime
        if re.search(rf"useradd .*--uid {uid}\b", line)
    )
    assert uid != "0"
    assert user != "root"
    assert any(
        re.search(rf"install -d .*-o {user} .*-g {user}.* /app/var\b", line)
        for line in runtime
        if line.startswith("RUN ")
    ), "no RUN makes /app/var owned by the app user"
    assert 'VOLUME ["/app/var"]' in runtime
    # The directory is made before USER switches away from root, and before VOLUME
    # (changes to a volume path after VOLUME are discarded).
    made = next(
        i for i, line in enumerate(runtime) if "/app/var" in line and line.startswith("RUN")
    )
    assert made < runtime.index('VOLUME ["/app/var"]')
    assert made < next(i for i, line in enumerate(runtime) if line.startswith("USER "))


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"var", ".venv", ".env", ".git"} <= set(ignored)


def test_dockerfile_ships_the_apps_bytecode_compiled():
    # At run time /app is read-only to the app user and PYTHONDONTWRITEBYTECODE is set:
    # bytecode the build stage did not compile is compiled again at every worker start.
    build, runtime = dockerfile_stage("build"), dockerfile_stage("runtime")
    copied = build.index("COPY . .")
    compiled = next(
        i
        for i, line in enumerate(build)
        if line.startswith("RUN ") and re.search(r"python -m compileall -q /app( |$)", line)
    )
    assert copied < compiled
    assert "COPY --from=build /app /app" in runtime
    assert any("PYTHONDONTWRITEBYTECODE=1" in line for line in runtime if line.startswith("ENV "))


def test_nginx_closes_idle_upstream_connections_before_gunicorn_does():
    """nginx keeps idle connections to the instances; gunicorn closes an idle one after
    its keepalive. If nginx kept them longer, it could send a request on a connection at
    the moment gunicorn closes it: a 502 for a POST, which nginx does not retry (seen
    once in the PostgreSQL restart fault test)."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream taskflow \{(.*?)\n    \}", conf, re.S).group(1)
    assert re.search(r"^\s*keepalive \d+;", upstream, re.M)
    nginx_idle = int(re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.M).group(1))
    gunicorn = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert nginx_idle < gunicorn["keepalive"]
