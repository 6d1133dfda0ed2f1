"""The trash (SPEC §12): writes that move tasks into it, out of it, and out of the
database for good. Part of the write path: callers reach these through tasks.services
(which re-exports them), every function takes the acting user (``actor=``, None only
for the purge job), gets its tasks from the permission layer (``get_task_for_update``,
``editable_tasks``, ``trashed_tasks``) and ends in ``tasks.events.task_written``.

A trashed task is a task with ``deleted_at`` set: moving it there and back is one
conditional update that touches nothing else, so its tags, comments, reminders, column
and position come back as they were. ``tasks.permissions`` hides it from every read.
No transactions (MongoDB): each write is a single conditional update or delete whose
row count says what happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from tasks import bulk, counters, events, permissions
from tasks.exceptions import PreconditionFailed, WriteConflict
from tasks.models import Task

# As tasks.services: retries of a conditional update that lost to a concurrent edit,
# and the most tasks one call reads (a bulk request's ids, an emptying batch).
_UPDATE_RETRIES = 5
BATCH = 500
PURGE_BATCH = 500


def task_trash(*, actor: Any, task: Task, expected_version: int | None = None) -> Task:
    """Move a task to the trash (what "delete" means on pages, the API and bulk delete):
    one conditional update on its version that sets ``deleted_at``/``deleted_by``.
    Nothing else changes (tags, comments, column, position, reminders stay), so
    ``task_restore`` brings it back as it was. With If-Match, only the version seen;
    a task already in the trash (a concurrent delete) is left as it is."""
    if expected_version is not None and expected_version != task.version:
        raise PreconditionFailed(task.version)
    current = task
    for _ in range(_UPDATE_RETRIES):
        now = timezone.now()
        won = Task.objects.filter(
            pk=current.pk, version=current.version, deleted_at__isnull=True
        ).update(deleted_at=now, deleted_by_id=actor.pk, updated_at=now, version=F("version") + 1)
        if won:
            trashed = _copy(
                current, deleted_at=now, deleted_by_id=actor.pk, version=current.version + 1
            )
            events.task_written(actor=actor, action=events.TRASHED, tasks=[trashed])
            return trashed
        latest = Task.objects.filter(pk=current.pk).first()
        if latest is None or latest.deleted_at is not None:
            # Trashed or purged by a concurrent request, which told the world.
            return latest or current
        if expected_version is not None:
            raise PreconditionFailed(latest.version)
        current = latest  # an edit won the race: trash what it wrote
    raise WriteConflict()


def task_restore(*, actor: Any, task: Task) -> Task:
    """Take a task out of the trash (``task`` from ``permissions.get_trashed_task``):
    it comes back with its tags, comments, column and position, which were never
    removed. Restoring a task that is not in the trash (a retry) writes nothing."""
    current = task
    for _ in range(_UPDATE_RETRIES):
        if current.deleted_at is None:
            return current  # restored meanwhile (or never trashed): that one told the world
        now = timezone.now()
        # Conditional on the version read, so the event (and the counters) get the
        # task exactly as it comes back.
        won = Task.objects.filter(
            pk=current.pk, version=current.version, deleted_at__isnull=False
        ).update(deleted_at=None, deleted_by_id=None, updated_at=now, version=F("version") + 1)
        if won:
            restored = _copy(
                current,
                deleted_at=None,
                deleted_by_id=None,
                updated_at=now,
                version=current.version + 1,
            )
            events.task_written(actor=actor, action=events.RESTORED, tasks=[restored])
            return restored
        latest = Task.objects.filter(pk=current.pk).first()
        if latest is None:
            raise Http404("No such task.")  # purged meanwhile: nothing left to restore
        current = latest
    raise WriteConflict()


def _copy(task: Task, **changes: Any) -> Task:
    copy = Task(**{f.attname: getattr(task, f.attname) for f in Task._meta.fields})
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


def tasks_trash_many(*, actor: Any, tasks: Iterable[Task]) -> int:
    """Move ``tasks`` (from the permission layer, loaded with ``counters.ROW_FIELDS``)
    to the trash, each conditional on its version (``tasks.bulk``); one event for all.
    Returns how many went (a task trashed meanwhile is not counted)."""
    targets = list(tasks)
    if not targets:
        return 0
    now = timezone.now()
    projects = {t.project_id for t in targets}

    def values(task: Task) -> dict[str, Any] | None:
        if task.deleted_at is not None or task.project_id not in projects:
            return None
        return {"deleted_at": now, "deleted_by_id": actor.pk, "updated_at": now}

    before, _ = bulk.update_each(targets, values)
    if before:
        events.task_written(actor=actor, action=events.TRASHED, tasks=before)
    return len(before)


def tasks_restore_many(*, actor: Any, ids: Iterable[str]) -> int:
    """Restore the actor's trashed tasks among ``ids`` (the pages' Undo and Restore);
    ids that are not in the actor's trash are ignored. One event for all."""
    targets = list(
        permissions.trashed_tasks(actor).filter(pk__in=list(ids)[:BATCH]).only(*counters.ROW_FIELDS)
    )
    if not targets:
        return 0
    now = timezone.now()
    projects = {t.project_id for t in targets}

    def values(task: Task) -> dict[str, Any] | None:
        if task.deleted_at is None or task.project_id not in projects:
            return None
        return {"deleted_at": None, "deleted_by_id": None, "updated_at": now}

    _, after = bulk.update_each(targets, values)
    if after:
        events.task_written(actor=actor, action=events.RESTORED, tasks=after)
    return len(after)


def trash_empty(
    *, actor: Any, project_id: str | None = None, ids: Iterable[str] | None = None
) -> int:
    """Delete for good the tasks in the actor's trash (``permissions.trashed_tasks``):
    all of them, one project's (``project_id``), or those among ``ids`` ("Delete
    forever" on one row). Returns how many were deleted; one event for all."""
    query = permissions.trashed_tasks(actor)
    if project_id is not None:
        query = query.filter(project_id=project_id)
    if ids is not None:
        query = query.filter(pk__in=list(ids)[:BATCH])
    deleted = 0
    # In batches: the trash may be large, and delete() cannot filter across relations
    # on MongoDB (the ids are materialised first).
    while True:
        batch = list(query.only(*counters.ROW_FIELDS)[:BATCH])
        if not batch:
            return deleted
        removed = _delete_trashed(actor, batch, Task.objects.filter(deleted_at__isnull=False))
        deleted += removed
        # Done when this was the last batch, or when a concurrent request took it.
        if ids is not None or len(batch) < BATCH or not removed:
            return deleted


def _delete_trashed(actor: Any, batch: list[Task], still: Any) -> int:
    """Delete ``batch`` where it is still in ``still`` (in the trash; for the purge, since
    before the cutoff): a task restored since it was read is kept. One event."""
    removed = still.filter(pk__in=[task.pk for task in batch]).delete()[1].get(Task._meta.label, 0)
    if removed:
        events.task_written(actor=actor, action=events.DELETED, tasks=batch)
    return removed


def trash_purge(*, now: Any = None, limit: int = PURGE_BATCH) -> int:
    """Delete for good up to ``limit`` tasks trashed more than TRASH_DAYS days ago (the
    periodic job; bounded per run, the next run takes the rest). Idempotent: a task
    purged twice is deleted once. No actor: the activity rows say nobody did it."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRASH_DAYS)
    batch = list(
        Task.objects.filter(deleted_at__lt=cutoff)
        .order_by("deleted_at", "id")
        .only(*counters.ROW_FIELDS)[:limit]
    )
    return _delete_trashed(None, batch, Task.objects.filter(deleted_at__lt=cutoff))
