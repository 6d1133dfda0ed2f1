"""The one write path's last step: every service that changes tasks ends here.

``task_written`` is called exactly once per write that changed something (a create, an
update that changed a field, a delete, one bulk call however many rows it touched) and
never for a write that changed nothing. It

1. records activity (``record_activity``: the seam the Activity model of SPEC §7
   fills in; today it only logs at DEBUG),
2. invalidates cached stats for everyone who can see the tasks, on every instance, by
   bumping the version of each scope the permission layer names for them,
3. hands the event to the hooks registered with ``subscribe`` (notifications,
   webhooks and live updates attach here, nowhere else).

Services call it after their write succeeded; hooks must not raise into the write
(the task is saved already), so a failing hook is logged and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tasks import permissions, stats_cache
from tasks.models import Task

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"
ACTIONS = (CREATED, UPDATED, DELETED)


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


Hook = Callable[[TaskEvent], None]
_hooks: list[Hook] = []


def subscribe(hook: Hook) -> Callable[[], None]:
    """Attach ``hook`` to every future task write; returns a function that detaches it."""
    _hooks.append(hook)
    return lambda: _hooks.remove(hook)


def record_activity(event: TaskEvent) -> None:
    """The activity log's seam: the Activity model (SPEC §7) writes one row per task
    and changed field here. Until then the event is only logged."""
    logger.debug(
        "task %s by %s: %s %s", event.action, event.actor_id, event.task_ids, list(event.changes)
    )


def task_written(
    *,
    actor: Any,
    action: str,
    tasks: Iterable[Task],
    changes: Mapping[str, tuple[Any, Any]] | None = None,
) -> TaskEvent | None:
    """Tell the world that ``actor`` wrote ``tasks``; returns the event (None if no
    task was written, which is no event at all)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown task action {action!r}.")
    written = list(tasks)
    if not written:
        return None
    event = TaskEvent(
        actor_id=getattr(actor, "pk", None),
        action=action,
        task_ids=tuple(task.pk for task in written),
        scopes=permissions.task_scopes(written),
        changes=dict(changes or {}),
    )
    record_activity(event)
    stats_cache.bump(event.scopes)
    for hook in list(_hooks):
        try:
            hook(event)
        except Exception:
            logger.exception("task event hook %r failed", hook)
    return event
