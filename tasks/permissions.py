"""The permission layer for tasks: the one module that knows who may read, change and
hear about which task. Nothing else filters tasks by owner (an architecture test
greps for it).

Today a task belongs to its owner, so "visible", "editable" and "created by" coincide.
Shared projects (SPEC §7) change only this module: ``visible_tasks`` becomes "tasks of
my projects", ``editable_tasks`` "…where my role is editor or above",
``created_tasks`` uses ``created_by`` and ``stats_scopes`` names projects. Callers
already treat the three as different questions, so widening them cannot let a viewer
edit or one member's retried request replay another member's task.

- ``visible_tasks(user)``: every read (lists, detail, stats, exports, the board).
- ``editable_tasks(user)`` / ``get_task_for_update(user, id)``: every write; a task the
  user cannot see is a 404 (indistinguishable from a missing one), a task the user can
  see but not change is ``TaskPermissionDenied`` (403).
- ``created_tasks(user)``: the Idempotency-Key lookup (keys stay per user).
- ``operator_tasks(user)``: the admin. Superusers (operators) see and change every
  task there, through the same services; other staff see only their own.
- ``task_scopes`` / ``user_scopes``: the cache scopes (``stats_cache`` versions) a
  write must bump and a reader's stats depend on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from taskflow.ids import is_valid_id
from tasks.exceptions import TaskPermissionDenied
from tasks.models import Task


def _is_user(user: Any) -> bool:
    return user is not None and user.is_authenticated


def visible_tasks(user: Any) -> QuerySet[Task]:
    """The tasks ``user`` may read."""
    if not _is_user(user):
        return Task.objects.none()
    return Task.objects.filter(owner_id=user.pk)


def editable_tasks(user: Any) -> QuerySet[Task]:
    """The tasks ``user`` may change or delete: always a subset of visible_tasks."""
    return visible_tasks(user)


def created_tasks(user: Any) -> QuerySet[Task]:
    """The tasks ``user`` created: Idempotency-Keys are looked up here, per user, so a
    retry can only ever replay the caller's own create."""
    return visible_tasks(user)


def operator_tasks(user: Any) -> QuerySet[Task]:
    """What the admin lists: every task for a superuser (an operator), the user's own
    for other staff. Writes from the admin still go through tasks.services."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return Task.objects.all()
    return visible_tasks(user)


def get_visible_task(user: Any, task_id: Any) -> Task:
    """One task the user may see, or Http404: a missing task, a malformed id and
    another user's task are indistinguishable."""
    if not is_valid_id(task_id):
        raise Http404("No such task.")
    try:
        return visible_tasks(user).get(pk=task_id)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None


def get_task_for_update(user: Any, task_id: Any) -> Task:
    """One task the user may change: Http404 when it is not visible (never a 403 that
    would confirm it exists), TaskPermissionDenied when visible but not editable."""
    task = get_visible_task(user, task_id)
    if not can_edit(user, task):
        raise TaskPermissionDenied()
    return task


def can_edit(user: Any, task: Task) -> bool:
    """Whether ``user`` may change ``task`` (a task already known to be visible).

    Answered in memory while visible == editable; with roles it becomes one indexed
    membership lookup."""
    return _is_user(user) and task.owner_id == user.pk


def can_operate(user: Any, task: Task) -> bool:
    """Whether the admin may change ``task`` for ``user`` (see operator_tasks)."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return True
    return can_edit(user, task)


def can_create_for(user: Any, owner: Any) -> bool:
    """Whether the admin may create a task owned by ``owner`` for ``user``."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return True
    return _is_user(user) and owner is not None and owner.pk == user.pk


def task_scopes(tasks: Iterable[Task]) -> frozenset[str]:
    """The stats-cache scopes that include these tasks: every reader whose stats
    depend on one of them depends on one of these scopes."""
    return frozenset(f"owner:{task.owner_id}" for task in tasks)


def user_scopes(user: Any) -> list[str]:
    """The scopes a user's stats are computed over (sorted: it is part of a key)."""
    return [f"owner:{user.pk}"]
