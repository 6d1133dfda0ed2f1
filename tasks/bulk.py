"""Bulk task writes, one conditional update per task.

A bulk write (bulk status, assign, move, trash, restore; a column re-categorised; a
removed member's tasks unassigned) reads its tasks, then writes each one with
``UPDATE ... WHERE pk = p AND version = v``. Its event then lists each task exactly as
it was before and after, which the stats counters (``tasks.counters``) need: a single
``UPDATE ... WHERE pk IN (...)`` cannot say which rows a concurrent edit changed in
between. A task that lost that race is read again and retried. One query per task
(bulk calls take at most 500 ids); no transaction, so the same on MongoDB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F

from tasks import counters
from tasks.models import Task

RETRIES = 5

# The values to write to one task as read, or None when it needs no write (any more).
Values = Callable[[Task], dict[str, Any] | None]


def update_each(tasks: Iterable[Task], values_for: Values) -> tuple[list[Task], list[Task]]:
    """Write ``values_for(task)`` to each of ``tasks`` (loaded with
    ``counters.ROW_FIELDS``), conditional on the version read; returns the tasks
    written as (before, after), in the same order."""
    before: list[Task] = []
    after: list[Task] = []
    pending = list(tasks)
    for _ in range(RETRIES):
        lost: list[str] = []
        for task in pending:
            values = values_for(task)
            if values is None:
                continue
            won = Task.objects.filter(pk=task.pk, version=task.version).update(
                **values, version=F("version") + 1
            )
            if won:
                before.append(task)
                after.append(counters.copy(task, **values, version=task.version + 1))
            else:
                lost.append(task.pk)
        if not lost:
            break
        # Edited meanwhile: write on top of what the edit left (a deleted task is gone).
        pending = list(Task.objects.filter(pk__in=lost).only(*counters.ROW_FIELDS))
    return before, after
