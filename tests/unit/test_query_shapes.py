"""taskflow.query_shapes: the permission layer's querysets built once per thread and
user, handed out as clones. A reused shape must grant exactly what a new one would:
the memberships are read when each statement runs, never when the shape was built."""

from __future__ import annotations

import threading

import pytest

from projects import roles
from projects import services as project_services
from projects.models import Membership, Role
from taskflow import query_shapes
from tasks import permissions
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shapes():
    query_shapes.forget_all()
    yield
    query_shapes.forget_all()


def _count_builds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = roles.member_project_ids

    def counted(user, min_role=Role.VIEWER):
        calls.append(1)
        return real(user, min_role)

    monkeypatch.setattr(roles, "member_project_ids", counted)
    return calls


def test_a_reused_shape_follows_every_membership_change(monkeypatch):
    owner, reader = UserFactory(), UserFactory()
    project = project_services.project_create(actor=owner, name="Shared")
    task = TaskFactory(owner=owner, project_id=project.pk)
    builds = _count_builds(monkeypatch)

    assert task not in permissions.visible_tasks(reader)
    assert task not in permissions.editable_tasks(reader)
    membership = Membership.objects.create(project=project, user=reader, role=Role.VIEWER)
    assert task in permissions.visible_tasks(reader)
    assert task not in permissions.editable_tasks(reader)
    Membership.objects.filter(pk=membership.pk).update(role=Role.EDITOR)
    assert task in permissions.editable_tasks(reader)
    membership.delete()
    assert task not in permissions.visible_tasks(reader)
    assert task not in permissions.editable_tasks(reader)
    # Built once each (visible, editable), then reused: the answers above changed with
    # the data, not with a rebuilt queryset.
    assert len(builds) == 2


def test_each_user_has_a_shape_of_their_own():
    first, second = UserFactory(), UserFactory()
    mine, theirs = TaskFactory(owner=first), TaskFactory(owner=second)
    for _ in range(2):
        assert list(permissions.visible_tasks(first)) == [mine]
        assert list(permissions.visible_tasks(second)) == [theirs]


def test_a_clone_is_independent_of_the_shape_and_of_other_clones():
    user = UserFactory()
    done = TaskFactory(owner=user, status="done", title="Done")
    todo = TaskFactory(owner=user, status="todo", title="Todo")
    evaluated = permissions.visible_tasks(user)
    assert set(evaluated) == {done, todo}
    narrowed = permissions.visible_tasks(user).filter(status="done")
    assert list(narrowed) == [done]
    assert set(permissions.visible_tasks(user)) == {done, todo}
    shape = query_shapes._local.built["visible_tasks", user.pk]
    assert shape._result_cache is None
    assert str(permissions.visible_tasks(user).query) == str(shape.query)


def test_the_shapes_of_a_thread_are_bounded(monkeypatch):
    monkeypatch.setattr(query_shapes, "MAX_SHAPES", 3)
    users = UserFactory.create_batch(5)
    for user in users:
        permissions.visible_tasks(user)
    permissions.visible_tasks(users[2])  # used again: now the newest
    permissions.visible_tasks(users[4])
    kept = [key[1] for key in query_shapes._local.built]
    assert kept == [users[3].pk, users[2].pk, users[4].pk]


def test_another_thread_builds_its_own_shape():
    user = UserFactory()
    here = query_shapes.reuse(("probe", user.pk), lambda: permissions.live_tasks())
    shapes: list[object] = []

    def other() -> None:
        query_shapes.reuse(("probe", user.pk), lambda: permissions.live_tasks())
        shapes.append(query_shapes._local.built["probe", user.pk])

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    assert shapes
    assert shapes[0] is not query_shapes._local.built["probe", user.pk]
    assert here._result_cache is None


def test_list_rows_are_read_as_dicts_once():
    from django.db.models import QuerySet
    from django.http import QueryDict

    from tasks import selectors
    from tasks.pagination import paginate
    from tasks.serializers import TASK_OUTPUT_FIELDS

    user = UserFactory()
    TaskFactory(owner=user, title="Only one")
    calls: list[tuple] = []
    real = QuerySet.values

    def counted(self, *fields, **expressions):
        calls.append(fields)
        return real(self, *fields, **expressions)

    rows = selectors.visible_task_rows(user, TASK_OUTPUT_FIELDS)
    QuerySet.values = counted
    try:
        page = paginate(rows, QueryDict(""), "-created_at", fields=TASK_OUTPUT_FIELDS)
        assert calls == []  # already dicts of these columns
        tasks = paginate(
            permissions.visible_tasks(user), QueryDict(""), "-created_at", fields=TASK_OUTPUT_FIELDS
        )
    finally:
        QuerySet.values = real
    assert len(calls) == 1  # a queryset of tasks is read as dicts
    assert [row.title for row in page.items] == [row.title for row in tasks.items] == ["Only one"]


def _count_compiles(monkeypatch) -> list[str]:
    from django.db.models.sql.compiler import SQLCompiler

    compiled: list[str] = []
    real = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        statement = real(self, *args, **kwargs)
        compiled.append(statement[0])
        return statement

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return compiled


def test_compiled_rows_are_read_again_each_call_and_compiled_once(monkeypatch):
    from tasks.models import Task

    user = UserFactory()
    first = TaskFactory(owner=user, title="First")
    compiled = _count_compiles(monkeypatch)

    def build():
        return Task.objects.filter(owner_id=user.pk).select_related("project").order_by("id")

    found = query_shapes.rows(("probe", user.pk), build)
    assert [(task.pk, task.project.pk) for task in found] == [(first.pk, first.project_id)]
    assert len(compiled) == 1
    second = TaskFactory(owner=user, title="Second")
    Task.objects.filter(pk=first.pk).update(title="Renamed")
    compiled.clear()
    found = query_shapes.rows(("probe", user.pk), build)
    # The rows as they are now, through the SQL compiled the first time.
    assert [(task.pk, task.title) for task in found] == [
        (first.pk, "Renamed"),
        (second.pk, "Second"),
    ]
    assert compiled == []
    # Another queryset of the model compiles its own SQL: nothing inherited the compiler.
    assert list(build().filter(title="Second").values_list("pk", flat=True)) == [second.pk]
    assert len(compiled) == 1
    assert "Second" not in compiled[0]  # a bound parameter
    assert compiled[0] != query_shapes._local.compiled["probe", user.pk][1].as_sql()[0]


def test_compiled_rows_are_per_key_and_bounded(monkeypatch):
    from tasks.models import Task

    monkeypatch.setattr(query_shapes, "MAX_COMPILED", 2)
    users = UserFactory.create_batch(3)
    for user in users:
        TaskFactory(owner=user)
    for user in users:
        found = query_shapes.rows(("probe", user.pk), lambda u=user: Task.objects.filter(owner=u))
        assert [task.owner_id for task in found] == [user.pk]
    assert [key[1] for key in query_shapes._local.compiled] == [users[1].pk, users[2].pk]


def test_compiled_rows_of_a_filter_that_matches_nothing_are_none():
    from tasks.models import Task

    TaskFactory()
    assert query_shapes.rows(("probe", "none"), lambda: Task.objects.filter(pk__in=[])) == []
    assert ("probe", "none") not in query_shapes._local.compiled


def test_a_compiled_update_changes_the_rows_of_each_call_and_compiles_once(monkeypatch):
    from django.db.models import F
    from django.db.models.sql.compiler import SQLUpdateCompiler

    from tasks.models import Task

    user = UserFactory()
    first = TaskFactory(owner=user, title="First")
    compiled: list[str] = []
    real = SQLUpdateCompiler.as_sql

    def counted(self, *args, **kwargs):
        statement = real(self, *args, **kwargs)
        compiled.append(statement[0])
        return statement

    monkeypatch.setattr(SQLUpdateCompiler, "as_sql", counted)

    def build():
        return Task.objects.filter(owner_id=user.pk, title__startswith="First")

    assert query_shapes.update(("bump", user.pk), build, {"version": F("version") + 1}) == 1
    assert len(compiled) == 1
    compiled.clear()
    TaskFactory(owner=user, title="First too")
    # The rows of this moment, through the SQL compiled the first time.
    assert query_shapes.update(("bump", user.pk), build, {"version": F("version") + 1}) == 2
    assert compiled == []
    versions = dict(Task.objects.filter(owner_id=user.pk).values_list("title", "version"))
    assert versions == {"First": first.version + 2, "First too": versions["First too"]}
    nothing = Task.objects.filter(pk__in=[])
    assert query_shapes.update(("none", 0), lambda: nothing, {"version": 0}) == 0
    assert ("none", 0) not in query_shapes._local.updates


def test_an_update_that_joins_is_compiled_each_time(monkeypatch):
    from django.db.models import F

    from tasks.models import Task

    user = UserFactory(name="Joined")
    TaskFactory(owner=user)

    def build():
        return Task.objects.filter(owner__name="Joined")

    for _ in range(2):
        assert query_shapes.update(("joined",), build, {"version": F("version") + 1}) == 1
    assert ("joined",) not in query_shapes._local.updates
