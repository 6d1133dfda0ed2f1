"""The management commands: seed_demo, import_tasks, export_tasks, taskstats,
prune_expired, including bad input files. (A CommandError is what makes manage.py
exit with status 1.)"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import RevokedToken, User
from tasks import services
from tasks.models import Status, Task
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- seed_demo --------------------------------------------------------------------------


def test_seed_demo_creates_user_and_varied_tasks():
    out, _ = run("seed_demo", "--tasks", "40", "--seed", "7", "--password", "demo pass 1234")
    user = User.objects.get(email="demo@taskflow.local")
    assert user.check_password("demo pass 1234")
    assert "demo pass 1234" in out
    tasks = Task.objects.filter(owner=user)
    assert tasks.count() == 40
    assert set(tasks.values_list("status", flat=True)) == set(Status.values)
    assert len(set(tasks.values_list("priority", flat=True))) == 3
    assert tasks.filter(due_date__isnull=True).exists()
    assert tasks.exclude(tags=[]).exists()
    done = tasks.filter(status=Status.DONE)
    month_ago = timezone.now() - timedelta(days=30)
    assert not done.filter(completed_at__isnull=True).exists()
    assert not done.filter(completed_at__lt=month_ago).exists()
    assert len({t.completed_at.date() for t in done}) > 3  # spread over the month


def test_seed_demo_prints_a_generated_password_that_works():
    out, _ = run("seed_demo", "--tasks", "0")
    password = out.split("password: ")[1].split(")")[0]
    assert User.objects.get(email="demo@taskflow.local").check_password(password)


def test_seed_demo_is_idempotent():
    run("seed_demo", "--tasks", "5", "--password", "demo pass 1234")
    out, _ = run("seed_demo", "--tasks", "5", "--password", "demo pass 1234")
    assert User.objects.filter(email="demo@taskflow.local").count() == 1
    assert Task.objects.count() == 5
    assert "Reused" in out


def test_seed_demo_rejects_a_weak_password_and_bad_count():
    with pytest.raises(CommandError, match="password"):
        run("seed_demo", "--password", "123")
    with pytest.raises(CommandError):
        run("seed_demo", "--tasks", "-1")
    assert not User.objects.exists()


def test_seed_demo_rerun_sets_the_password_through_the_service_ending_tokens():
    run("seed_demo", "--tasks", "0", "--password", "demo pass 1234")
    user = User.objects.get(email="demo@taskflow.local")
    generation = user.token_generation
    run("seed_demo", "--tasks", "0", "--password", "other demo pass 5678")
    user.refresh_from_db()
    assert user.check_password("other demo pass 5678")
    assert user.token_generation == generation + 1  # tokens of the old password end


@pytest.mark.parametrize("superuser", [False, True], ids=["user", "superuser"])
def test_seed_demo_refuses_an_account_it_did_not_create(superuser):
    # Before: the account's password was silently reset to the printed demo password.
    account = UserFactory(email="boss@example.com", is_staff=superuser, is_superuser=superuser)
    with pytest.raises(CommandError, match="left untouched"):
        run("seed_demo", "--email", "Boss@Example.com", "--password", "demo pass 1234")
    account.refresh_from_db()
    assert account.check_password(DEFAULT_PASSWORD)
    assert not Task.objects.exists()


def test_seed_demo_refuses_a_demo_account_made_staff():
    run("seed_demo", "--tasks", "0", "--password", "demo pass 1234")
    User.objects.filter(email="demo@taskflow.local").update(is_staff=True)
    with pytest.raises(CommandError, match="left untouched"):
        run("seed_demo", "--tasks", "0", "--password", "other demo pass 5678")
    assert User.objects.get(email="demo@taskflow.local").check_password("demo pass 1234")


# --- export_tasks -----------------------------------------------------------------------


@pytest.fixture
def owner_with_tasks(user):
    services.task_create(actor=user, title="=formula", tags=["a"])
    services.task_create(actor=user, title="second", status=Status.DONE)
    services.task_create(actor=UserFactory(), title="not mine")
    return user


def test_export_csv_to_stdout(owner_with_tasks):
    out, _ = run("export_tasks", "--user", "ALICE@example.com")
    lines = out.splitlines()
    assert lines[0].startswith("id,title")
    assert len(lines) == 3
    assert "'=formula" in out
    assert "not mine" not in out


def test_export_json_to_file_by_extension(owner_with_tasks, tmp_path):
    target = tmp_path / "tasks.json"
    out, _ = run("export_tasks", "--user", owner_with_tasks.email, "--output", str(target))
    records = json.loads(target.read_text())
    assert [r["title"] for r in records] == ["=formula", "second"]
    assert "Exported 2 tasks" in out


def test_export_to_unwritable_path_is_a_command_error(owner_with_tasks, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_tasks", "--user", owner_with_tasks.email, "--output", str(tmp_path / "no/x"))


def _failing_stream(tasks, fmt, *, user):
    yield "id,title\n"
    yield "01,half a row"
    raise OSError(28, "No space left on device")


def test_export_error_part_way_keeps_the_previous_file_whole(
    owner_with_tasks, tmp_path, monkeypatch
):
    # Before: open(output, "w") truncated the old export, then the error left half a file.
    target = tmp_path / "tasks.csv"
    target.write_text("the previous export\n")
    monkeypatch.setattr("tasks.exchange.stream", _failing_stream)
    with pytest.raises(CommandError, match="No space left"):
        run("export_tasks", "--user", owner_with_tasks.email, "--output", str(target))
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tasks.csv"]  # no temporary left


def test_export_error_part_way_writes_no_file(owner_with_tasks, tmp_path, monkeypatch):
    monkeypatch.setattr("tasks.exchange.stream", _failing_stream)
    with pytest.raises(CommandError):
        run("export_tasks", "--user", owner_with_tasks.email, "--output", str(tmp_path / "t.csv"))
    assert list(tmp_path.iterdir()) == []


def test_export_to_file_is_readable_by_its_owner_only(owner_with_tasks, tmp_path):
    target = tmp_path / "tasks.csv"
    run("export_tasks", "--user", owner_with_tasks.email, "--output", str(target))
    assert target.stat().st_mode & 0o777 == 0o600


def test_export_unknown_user_is_a_command_error(db):
    with pytest.raises(CommandError, match="No user"):
        run("export_tasks", "--user", "ghost@example.com")


# --- import_tasks -----------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_export_then_import_round_trip(owner_with_tasks, other_user, tmp_path):
    for fmt in ("csv", "json"):
        target = tmp_path / f"out.{fmt}"
        run("export_tasks", "--user", owner_with_tasks.email, "--output", str(target))
    out, err = run("import_tasks", "--user", other_user.email, str(tmp_path / "out.csv"))
    assert "Imported 2 of 2 tasks for bob@example.com (0 already present, skipped)." in out
    assert err == ""
    # The JSON export holds the same tasks: importing it too must not duplicate them.
    out, _ = run("import_tasks", "--user", other_user.email, str(tmp_path / "out.json"))
    assert "Imported 0 of 2 tasks for bob@example.com (2 already present, skipped)." in out
    titles = sorted(Task.objects.filter(owner=other_user).values_list("title", flat=True))
    assert titles == ["=formula", "second"]


def test_import_with_bad_rows_lists_them_imports_nothing_and_fails(user, tmp_path):
    path = write(tmp_path, "t.csv", b"title,priority\nok,high\n,low\nbad,urgent\nfine,\n")
    with pytest.raises(CommandError, match="Nothing imported: 2 of 4 rows have errors"):
        run("import_tasks", "--user", user.email, path)
    assert not Task.objects.exists()


def test_import_error_output_names_each_row(user, tmp_path):
    path = write(tmp_path, "t.json", json.dumps([{"title": "ok"}, {"title": ""}, 3]).encode())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_tasks", "--user", user.email, path, stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "row 2: title: This field may not be blank.",
        "row 3: not an object",
    ]


def test_import_reports_progress_on_long_files(user, tmp_path):
    rows = b"".join(b"task %d\n" % i for i in range(25))
    path = write(tmp_path, "t.csv", b"title\n" + rows)
    out, _ = run("import_tasks", "--user", user.email, path, "--progress-every", "10")
    assert "10/25 rows processed" in out
    assert "20/25 rows processed" in out
    assert Task.objects.count() == 25


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("t.csv", b"\xff\xfe\xfa not text", "not UTF-8"),
        ("t.json", b"{broken", "Invalid JSON"),
        ("t.json", b'{"title": "x"}', "list"),
        ("t.csv", b"name,notes\nx,y\n", "title"),
        ("t.csv", b"", "title"),
        ("t.txt", b"title\nx\n", "format"),
        ("t.csv", b'title\nfirst\n"unterminated\nthird\n', "Invalid CSV"),
        ("t.json", b"[" * 100_000 + b"]" * 100_000, "Invalid JSON"),
        ("t.json", b'[{"title": "x", "priority": ' + b"9" * 5000 + b"}]", "Invalid JSON"),
    ],
)
def test_import_bad_files_are_command_errors_and_import_nothing(
    user, tmp_path, name, data, message
):
    with pytest.raises(CommandError, match=message):
        run("import_tasks", "--user", user.email, write(tmp_path, name, data))
    assert not Task.objects.exists()


def test_import_format_flag_overrides_extension(user, tmp_path):
    path = write(tmp_path, "t.txt", b'[{"title": "x"}]')
    run("import_tasks", "--user", user.email, "--format", "json", path)
    assert Task.objects.get().title == "x"


def test_import_missing_file_and_unknown_user(user, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("import_tasks", "--user", user.email, str(tmp_path / "missing.csv"))
    path = write(tmp_path, "t.csv", b"title\nx\n")
    with pytest.raises(CommandError, match="No user"):
        run("import_tasks", "--user", "ghost@example.com", path)
    assert not Task.objects.exists()


# --- taskstats --------------------------------------------------------------------------


def test_taskstats_for_one_user(owner_with_tasks):
    out, _ = run("taskstats", "--user", owner_with_tasks.email, "--json")
    stats = json.loads(out)
    assert stats["total"] == 2
    assert stats["by_status"]["done"] == 1


def test_taskstats_global(owner_with_tasks):
    stats = json.loads(run("taskstats", "--json")[0])
    assert (stats["users"], stats["total"]) == (2, 3)
    out, _ = run("taskstats")
    assert "total: 3" in out
    assert "by_status: todo 2, in_progress 0, done 1" in out


def test_taskstats_unknown_user(db):
    with pytest.raises(CommandError):
        run("taskstats", "--user", "ghost@example.com")


# --- prune_expired ----------------------------------------------------------------------


def test_prune_expired_removes_only_expired_records(user, settings):
    now = timezone.now()
    for jti, expires in (("old", now - timedelta(seconds=1)), ("live", now + timedelta(days=1))):
        RevokedToken.objects.create(jti=jti, kind="refresh", user=user, expires_at=expires)
    old, _ = services.task_create(actor=user, title="x", idempotency_key="k1", fingerprint="f")
    services.task_create(actor=user, title="y", idempotency_key="k2", fingerprint="f")
    Task.objects.filter(pk=old.pk).update(
        created_at=now - settings.IDEMPOTENCY_KEY_TTL - timedelta(seconds=1)
    )
    out, _ = run("prune_expired")
    assert out.strip() == "Removed 1 expired revocation records; cleared 1 idempotency keys."
    assert list(RevokedToken.objects.values_list("jti", flat=True)) == ["live"]
    keys = Task.objects.values_list("idempotency_key", flat=True)
    assert sorted(map(str, keys)) == ["None", "k2"]
    out, _ = run("prune_expired")  # nothing left to do: safe to repeat from cron
    assert out.strip() == "Removed 0 expired revocation records; cleared 0 idempotency keys."
