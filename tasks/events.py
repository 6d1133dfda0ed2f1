"""The one write path's last step: every service that changes tasks ends here.

``task_written`` is called exactly once per write that changed something (a create, an
update that changed a field, a delete, one bulk call however many rows it touched) and
never for a write that changed nothing. It

0. keeps the task counters (``tasks.counters``) that stats read: the delta between
   the tasks before and after the write, as F() increments,
1. records activity (``record_activity``: one Activity row per task written, with
   who, what field old → new, when; one ``bulk_create`` for a bulk write),
2. invalidates cached stats for everyone who can see the tasks, on every instance, by
   bumping the version of each scope the permission layer names for them,
3. hands the event to the hooks registered with ``subscribe`` (notifications,
   webhooks and live updates attach here, nowhere else).

Services call it after their write succeeded; hooks must not raise into the write
(the task is saved already), so a failing hook is logged and the others still run.

``access_changed`` is the same end for writes that change who sees what without
writing a task (a member removed, a project deleted): it bumps the scopes so no cached
stats outlive the change, on any instance.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tasks import counters, permissions, stats_cache
from tasks.models import Activity, Priority, Task

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"
# A board move (tasks.board): a column and position change, and with it the status.
MOVED = "moved"
# The trash (SPEC §12): moved there, and taken out again. Purging is DELETED.
TRASHED = "trashed"
RESTORED = "restored"
ACTIONS = (CREATED, UPDATED, DELETED, MOVED, TRASHED, RESTORED)


@dataclass(frozen=True)
class TaskEvent:
    """What happened, to which tasks, by whom.

    ``task_ids`` and ``scopes`` are taken from the tasks as they were written (for a
    delete, as they were before it). ``changes`` maps a field to ``(old, new)``; in a
    bulk write ``old`` is None (it differs per task).
    """

    actor_id: str | None
    action: str
    task_ids: tuple[str, ...]
    scopes: frozenset[str]
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    # The project of each task in ``task_ids`` (as written), in the same order.
    project_ids: tuple[str, ...] = ()
    # The assignee of each task in ``task_ids`` (as written), in the same order: hooks
    # that care about assignees skip their read when there are none.
    assignee_ids: tuple[str | None, ...] = ()


Hook = Callable[[TaskEvent], None]
_hooks: list[Hook] = []


def subscribe(hook: Hook) -> Callable[[], None]:
    """Attach ``hook`` to every future task write; returns a function that detaches it."""
    _hooks.append(hook)
    return lambda: _hooks.remove(hook)


def _json_value(name: str, value: Any) -> Any:
    """A changed value as the API speaks it (JSON): dates as ISO text, priority by name."""
    if value is None:
        return None
    if name == "priority":
        return Priority(value).api_name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(name, item) for item in value]
    return value if isinstance(value, str | int | float | bool) else str(value)


def activity_changes(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` in JSON terms (``project_id`` is stored as ``project``)."""
    return {
        name.removesuffix("_id"): [_json_value(name, old), _json_value(name, new)]
        for name, (old, new) in changes.items()
        if name not in ("updated_at",)
    }


def record_activity(event: TaskEvent) -> None:
    """One Activity row per task written (one insert for a bulk write)."""
    changes = activity_changes(event.changes)
    rows = [
        Activity(
            project_id=project_id,
            task_id=task_id,
            actor_id=event.actor_id,
            action=event.action,
            changes=changes,
        )
        for task_id, project_id in zip(event.task_ids, event.project_ids, strict=True)
    ]
    if len(rows) == 1:
        # One INSERT; bulk_create would wrap it in a transaction (two more round trips).
        rows[0].save(force_insert=True)
    elif rows:
        Activity.objects.bulk_create(rows)


def task_written(
    *,
    actor: Any,
    action: str,
    tasks: Iterable[Task],
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    previous: Iterable[Task] = (),
) -> TaskEvent | None:
    """Tell the world that ``actor`` wrote ``tasks``; returns the event (None if no
    task was written, which is no event at all). ``previous`` are the same tasks as
    they were before the write; an update or move that changes a counted field
    (``counters.COUNTED_FIELDS``) must pass them, with every counted field loaded, in
    the order of ``tasks``. Their scopes are bumped too."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown task action {action!r}.")
    written = list(tasks)
    if not written:
        return None
    before = list(previous)
    counters.apply(_counter_delta(action, written, before, changes or {}))
    event = TaskEvent(
        actor_id=getattr(actor, "pk", None),
        action=action,
        task_ids=tuple(task.pk for task in written),
        scopes=permissions.task_scopes([*written, *before]),
        changes=dict(changes or {}),
        project_ids=tuple(task.project_id for task in written),
        assignee_ids=tuple(task.assignee_id for task in written),
    )
    record_activity(event)
    stats_cache.bump(event.scopes)
    for hook in list(_hooks):
        try:
            hook(event)
        except Exception:
            logger.exception("task event hook %r failed", hook)
    return event


def _counter_delta(
    action: str, written: list[Task], before: list[Task], changes: Mapping[str, Any]
) -> Counter[counters.Slot]:
    """The counters' change for one write: trash and restore move a task out of and
    back into every count; updates and moves count the tasks before and after."""
    if action == CREATED:
        return counters.delta([], written)
    if action == DELETED:
        # A task purged from the trash counted nowhere already (deleted_at is set).
        return counters.delta(written, [])
    if action == TRASHED:
        return counters.delta(written, [], ignore_trash=True)
    if action == RESTORED:
        return counters.delta([], written, ignore_trash=True)
    if not before:
        counted = set(changes) & {*counters.COUNTED_FIELDS, "project", "assignee"}
        if counted:
            raise ValueError(f"A write of {sorted(counted)} must pass the tasks before it.")
        return Counter()
    if len(before) != len(written):
        raise ValueError("previous must list the written tasks as they were, one each.")
    return counters.delta(before, written)


def access_changed(*, scopes: Iterable[str]) -> None:
    """Who sees what changed without a task write (a member removed or a role changed,
    a project deleted): bump ``scopes`` so no cached stats outlive it, everywhere."""
    stats_cache.bump(scopes)
