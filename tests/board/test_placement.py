"""Where a new task lands (tasks.board.placement / inbox_placement): the end of the
first column of its status, read with that column's last key in one query; a missing
Inbox or missing columns are created on the way, as before."""

from __future__ import annotations

import pytest

from projects.inbox import inbox_id_of
from projects.models import Column, Membership, Project
from tasks import board, services
from tasks.models import Task
from tasks.positions import key_between

pytestmark = pytest.mark.django_db


def test_inbox_tasks_enter_at_the_end_of_the_first_column_of_their_status(user):
    first, _ = services.task_create(actor=user, title="first")
    second, _ = services.task_create(actor=user, title="second")
    done, _ = services.task_create(actor=user, title="done", status="done")
    inbox = inbox_id_of(user)
    todo_column = Column.objects.filter(project_id=inbox, category="todo").order_by("position")[0]
    assert first.project_id == second.project_id == inbox
    assert first.column_id == second.column_id == todo_column.pk
    assert first.position < second.position
    assert Column.objects.get(pk=done.column_id).category == "done"
    # A trashed last card keeps its key, and a new card still goes after it.
    services.task_trash(actor=user, task=second)
    third, _ = services.task_create(actor=user, title="third")
    assert third.position == key_between(second.position, None)


def test_one_query_places_a_task_in_the_inbox_or_a_project(user, django_assert_num_queries):
    services.task_create(actor=user, title="first")
    with django_assert_num_queries(1):
        project, column_id, position = board.inbox_placement(user.pk, "todo")
    assert project.pk == inbox_id_of(user)
    assert project.inbox_owner_id == user.pk
    last = Task.objects.filter(column_id=column_id).order_by("-position")[0]
    assert position == key_between(last.position, None)
    with django_assert_num_queries(1):
        assert board.placement(project.pk, "todo") == (column_id, position)


def test_a_missing_inbox_is_created_by_the_create(user):
    Project.objects.filter(inbox_owner_id=user.pk).delete()
    assert board.inbox_placement(user.pk, "todo") is None
    task, created = services.task_create(actor=user, title="again")
    assert created
    assert task.project_id == inbox_id_of(user)
    assert Membership.objects.filter(project_id=task.project_id, user_id=user.pk).exists()
    assert Column.objects.filter(pk=task.column_id, project_id=task.project_id).exists()


def test_missing_columns_are_created_by_the_create(user):
    services.task_create(actor=user, title="first")
    inbox = inbox_id_of(user)
    Task.objects.filter(project_id=inbox).delete()
    Column.objects.filter(project_id=inbox).delete()
    assert board.inbox_placement(user.pk, "todo") is None
    task, _ = services.task_create(actor=user, title="again")
    assert Column.objects.get(pk=task.column_id).project_id == inbox


def test_placement_follows_the_columns_as_they_are_now(user):
    # The placement query is built once per thread (taskflow.query_shapes) and must
    # still read the columns and their last keys when it runs.
    services.task_create(actor=user, title="first")
    inbox = inbox_id_of(user)
    first_column = Column.objects.filter(project_id=inbox, category="todo").order_by("position")[0]
    ahead = Column.objects.create(
        project_id=inbox,
        name="Ahead",
        category="todo",
        position=key_between(None, first_column.position),
    )
    task, _ = services.task_create(actor=user, title="second")
    assert task.column_id == ahead.pk
    later, _ = services.task_create(actor=user, title="third")
    assert later.column_id == ahead.pk
    assert later.position > task.position
    assert board.placement(inbox, "todo") == (ahead.pk, key_between(later.position, None))
