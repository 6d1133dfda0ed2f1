"""The data migration (tasks 0006): existing projects get To do / In progress / Done
with the same ids projects.columns gives them, every task a place in its status's
column; running it again changes nothing; backwards and forwards again works."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from projects.columns import default_column_id
from taskflow.ids import new_id
from tasks.positions import spread_keys

BEFORE = [
    ("tasks", "0005_due_time_repeat"),
    ("projects", "0001_initial"),
    ("accounts", "0003_time_preferences"),
]
AFTER = [("tasks", "0006_board_column_position"), ("accounts", "0003_time_preferences")]
DATA = importlib.import_module("tasks.migrations.0006_board_column_position")


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


def test_forwards_places_every_task_and_is_idempotent(old_schema):
    User = old_schema.get_model("accounts", "User")
    Project = old_schema.get_model("projects", "Project")
    Task = old_schema.get_model("tasks", "Task")
    user = User.objects.create(id=new_id(), email="u@x.org")
    now = timezone.now()
    project = Project.objects.create(id=new_id(), name="P", created_by_id=user.pk, created_at=now)
    for k, status in enumerate(["todo", "done", "todo", "in_progress"]):
        Task.objects.create(
            id=new_id(),
            owner_id=user.pk,
            project_id=project.pk,
            title=f"t{k}",
            status=status,
            created_at=now,
            updated_at=now,
        )

    apps = _migrate(AFTER)
    Column = apps.get_model("projects", "Column")
    Task = apps.get_model("tasks", "Task")
    columns = list(Column.objects.filter(project_id=project.pk).order_by("position"))
    assert [(c.name, c.category) for c in columns] == [
        ("To do", "todo"),
        ("In progress", "in_progress"),
        ("Done", "done"),
    ]
    # The same ids and keys as projects.columns.columns_ensure would give them.
    assert [c.pk for c in columns] == [default_column_id(project.pk, c.category) for c in columns]
    assert [c.position for c in columns] == spread_keys(3)
    for task in Task.objects.all():
        column = Column.objects.get(pk=task.column_id)
        assert column.category == task.status
        assert task.position

    placed = dict(Task.objects.values_list("pk", "position"))
    DATA.forwards(apps, None)  # a re-run (e.g. after a crash half-way) changes nothing
    assert Column.objects.count() == 3
    assert dict(Task.objects.values_list("pk", "position")) == placed

    apps = _migrate(BEFORE)
    assert apps.get_model("tasks", "Task").objects.count() == 4
