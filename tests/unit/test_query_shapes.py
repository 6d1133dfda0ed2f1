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
