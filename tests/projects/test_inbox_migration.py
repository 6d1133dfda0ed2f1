"""The data migration (tasks 0003): every existing user gets an Inbox with an owner
membership and their tasks move into it; running it again changes nothing; migrating
backwards and forwards again works on a database with tasks (whatever backend the
suite runs on: SQLite here, PostgreSQL under scripts/with-postgres)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from taskflow.ids import new_id

# Accounts before the time preferences (accounts 0003): the historical User of this
# state has no date_format, so the column must not exist yet either.
BEFORE = [
    ("tasks", "0002_projects_comments_activity"),
    ("projects", "0001_initial"),
    ("accounts", "0002_api_tokens_and_login_sessions"),
]
DATA = importlib.import_module("tasks.migrations.0003_inbox_for_every_user")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def _seed(apps):
    User = apps.get_model("accounts", "User")
    Task = apps.get_model("tasks", "Task")
    users = [
        User.objects.create(id=f"01J0000000000000000000000{i}", email=f"u{i}@x.org")
        for i in range(2)
    ]
    now = timezone.now()
    for user in users:
        for k in range(3):
            Task.objects.create(
                id=new_id(),
                owner_id=user.pk,
                title=f"t{k}",
                created_at=now,
                updated_at=now,
            )
    return users


def test_forwards_is_idempotent_and_backwards_restores(old_schema):
    users = _seed(old_schema)
    apps = _migrate([("tasks", "0004_task_project_required")])
    Project = apps.get_model("projects", "Project")
    Membership = apps.get_model("projects", "Membership")
    Task = apps.get_model("tasks", "Task")
    for user in users:
        inbox = Project.objects.get(inbox_owner_id=user.pk)
        assert Membership.objects.get(project_id=inbox.pk).role == "owner"
        assert set(Task.objects.filter(owner_id=user.pk).values_list("project_id", flat=True)) == {
            inbox.pk
        }

    DATA.forwards(apps, None)  # a re-run (e.g. after a crash half-way) changes nothing
    assert Project.objects.count() == 2
    assert Membership.objects.count() == 2

    apps = _migrate(BEFORE)
    assert apps.get_model("projects", "Project").objects.count() == 0
    old_tasks = apps.get_model("tasks", "Task").objects
    assert old_tasks.count() == 6
    assert old_tasks.filter(project__isnull=True).count() == 6

    apps = _migrate([("tasks", "0004_task_project_required")])
    assert apps.get_model("projects", "Project").objects.count() == 2
    assert apps.get_model("tasks", "Task").objects.filter(project__isnull=True).count() == 0
