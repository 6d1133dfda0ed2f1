"""Architecture rules that a grep can keep (docs/architecture.md):

- tasks are filtered by owner only in the permission layer (tasks/permissions.py);
- task writes (stats versions) happen only in the write path (tasks/events.py);
- the project package's shared modules import no app, accounts imports nothing of
  tasks, and bench/ uses public functions only;
- the app never imports the devservers toolkit; tests and bench start servers only
  through it; every test reads email through one SMTP server (tests/smtp.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("accounts", "bench", "calendars", "taskflow", "tasks")


def sources(*dirs: str) -> list[Path]:
    return sorted(
        path
        for folder in dirs
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


def offending_lines(paths: list[Path], pattern: re.Pattern[str]) -> list[str]:
    hits = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return hits


# A query filtering on the owner: filter(owner=…), exclude(owner_id=…), Q(owner__…=…).
OWNER_FILTER = re.compile(
    r"\b(filter|exclude|get|Q|get_or_create|update_or_create|first)\([^)]*\bowner(_id|__\w+)?\s*="
)


def test_only_the_permission_layer_filters_tasks_by_owner():
    paths = [p for p in sources(*APP_DIRS) if p != ROOT / "tasks" / "permissions.py"]
    assert offending_lines(paths, OWNER_FILTER) == []


def test_the_owner_filter_pattern_catches_what_it_should():
    for line in (
        "Task.objects.filter(owner=user)",
        "qs.exclude(owner_id=user.pk)",
        "Q(owner__email='x')",
        "Task.objects.filter(status='done', owner_id=pk)",
    ):
        assert OWNER_FILTER.search(line), line
    assert not OWNER_FILTER.search("Task(owner=owner, title=title)")


def test_only_the_write_path_bumps_stats_versions():
    pattern = re.compile(r"stats_cache\.(bump|invalidate)\(")
    paths = [p for p in sources(*APP_DIRS) if p != ROOT / "tasks" / "events.py"]
    assert offending_lines(paths, pattern) == []


@pytest.mark.parametrize("module", ["exceptions.py", "errors.py", "forms.py"])
def test_shared_project_modules_import_no_app(module):
    pattern = re.compile(r"^\s*(from|import)\s+(accounts|tasks)\b")
    assert offending_lines([ROOT / "taskflow" / module], pattern) == []


def test_accounts_knows_nothing_of_tasks():
    pattern = re.compile(r"^\s*(from|import)\s+tasks\b")
    assert offending_lines(sources("accounts"), pattern) == []


def test_of_tasks_only_the_export_module_imports_notifications():
    # notifications builds on tasks (hooks: events.subscribe, subscribe_next_occurrence);
    # the export/import is the one place that carries reminders along with tasks.
    pattern = re.compile(r"^\s*(from|import)\s+notifications\b")
    paths = [p for p in sources("tasks") if p != ROOT / "tasks" / "exchange.py"]
    assert offending_lines(paths, pattern) == []


def test_bench_uses_public_functions_only():
    # `module._private` attribute use or `from x import _private` (dunders are fine).
    pattern = re.compile(r"\b(?!self\b)\w+\._[a-z]\w*|\bimport\s+_[a-z]|,\s*_[a-z]\w*\s*$")
    allowed = re.compile(r"\b(os|sys)\._|\._meta\b|\._state\b")
    hits = [
        line
        for line in offending_lines(sources("bench"), pattern)
        if not allowed.search(line.split(": ", 1)[1])
    ]
    assert hits == []


def test_the_app_never_imports_the_server_toolkit():
    pattern = re.compile(r"^\s*(from|import)\s+(devservers|tests|bench)\b")
    assert offending_lines(sources("accounts", "taskflow", "tasks"), pattern) == []


def test_tests_and_bench_start_servers_through_the_toolkit_only():
    # Servers started by hand (Popen, `-m gunicorn`, run_huey, initdb, an nginx config
    # of their own) are how the copies used to drift apart.
    pattern = re.compile(
        r"\bspawn\(|\"-m\",\s*\"gunicorn\"|\"manage\.py\",\s*\"run_huey\""
        r"|\[\s*\"(redis-server|initdb|nginx)\",|/ \"(initdb|postgres|pg_ctl)\""
        r"|\bupstream \w+ \{"
    )
    # The tests of the deploy files and of the toolkit itself name these on purpose.
    exempt = {"test_architecture.py", "test_deploy_files.py", "test_devservers.py"}
    paths = [p for p in sources("bench", "tests") if p.name not in exempt]
    assert offending_lines(paths, pattern) == []


def test_one_smtp_server_for_every_test():
    # Three aiosmtpd fixtures had drifted apart (parsed or raw messages, retries or
    # not); tests read email through tests/smtp.py's smtp_server only.
    pattern = re.compile(r"^\s*(from|import)\s+aiosmtpd\b")
    paths = [p for p in sources("tests") if p != ROOT / "tests" / "smtp.py"]
    assert offending_lines(paths, pattern) == []
