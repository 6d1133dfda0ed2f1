"""The board's task side (SPEC §8): where a task sits (column + position key), moves
and rebalancing (writes; reads are in tasks.board_selectors).

Status and column agree both ways, through the one write path:
- a move sets the task's status to the target column's category (``task_move``);
- a new task, a status change and a project change put the task at the end of the
  first column of its status's category (``placement``, called by tasks.services).

Each move writes one task row: a single conditional update on its version (no
transaction, so the same on MongoDB), ending in ``events.task_written`` ("moved").

Rebalancing (``column_rebalance``) rewrites a column's keys evenly spaced. It runs only
when a new key would be longer than ``positions.KEY_SOFT_MAX`` (about 200 inserts
into one gap) or two neighbours share a key (two concurrent moves into the same gap),
so it is rare; it is bounded (one read of the column's ids and keys, at most one
one-row update per card). It is safe under concurrent moves: each update is
conditional on the card still being in that column with the key read, so a card
moved meanwhile keeps its new place and is never lost or duplicated; order is total
at every instant because cards sort by (position, id). A move that computed its key
from neighbours read just before a rebalance may land one slot from where it was
dropped; it is never refused for that, and the mover sees the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from projects.columns import first_column_of, get_column, project_columns
from projects.models import Column, Project
from taskflow import query_shapes
from taskflow.ids import is_valid_id
from tasks import bulk, counters, events
from tasks.exceptions import PreconditionFailed, WriteConflict
from tasks.models import Status, Task
from tasks.permissions import live_tasks
from tasks.positions import KEY_SOFT_MAX, key_between, spread_keys

_MOVE_RETRIES = 5


def _last_key(column_id: str, *, exclude: str | None = None) -> str | None:
    query = Task.objects.filter(column_id=column_id)
    if exclude is not None:
        query = query.exclude(pk=exclude)
    return query.order_by("-position", "-id").values_list("position", flat=True).first()


def _with_last_key(columns: QuerySet[Column]) -> QuerySet[Column]:
    """``columns`` in board order, each with ``last_key``, its last card's key (a
    subquery: the column and its end in one read)."""
    last = Task.objects.filter(column_id=OuterRef("pk")).order_by("-position", "-id")
    annotated = columns.annotate(last_key=Subquery(last.values("position")[:1]))
    return annotated.order_by("position", "id")


def _first_with_last_key(key: tuple[str, str, str], build: Any) -> Column | None:
    """The first of the columns ``build()`` selects, with ``last_key``. Building and
    compiling this query cost ~1 ms of Django's CPU against ~20 µs of SQLite's to run
    it, on every create: it is built and compiled once per thread and key
    (``taskflow.query_shapes.rows``; ``key`` names every value in the statement)."""
    found = query_shapes.rows(key, lambda: _with_last_key(build())[:1])
    return found[0] if found else None


def placement(project_id: str, status: str) -> tuple[str, str]:
    """(column id, position) for a task entering the board with ``status``: the end of
    the first column of that category. One query (more only if the columns are missing)."""
    column = _first_with_last_key(
        ("placement", project_id, status),
        lambda: Column.objects.filter(project_id=project_id, category=status),
    )
    if column is None:
        column = first_column_of(project_id, status)  # creates the columns, or raises
        return column.pk, key_between(_last_key(column.pk), None)
    return column.pk, key_between(column.last_key, None)


def inbox_placement(owner_id: str, status: str) -> tuple[Project, str, str] | None:
    """(Inbox, column id, position) for a new task in ``owner_id``'s Inbox, as
    ``placement`` puts it, in one query; None if the Inbox or its columns are missing
    (then ``projects.inbox.inbox_id_of`` and ``placement`` create them)."""
    column = _first_with_last_key(
        ("inbox_placement", owner_id, status),
        lambda: Column.objects.filter(
            project__inbox_owner_id=owner_id, category=status
        ).select_related("project"),
    )
    if column is None:
        return None
    return column.project, column.pk, key_between(column.last_key, None)


def key_after(key: str) -> str:
    """The next key at the end of a column after ``key``."""
    return key_between(key, None)


def column_rebalance(column_id: str) -> int:
    """Give the column's cards evenly spaced short keys, in their current order;
    returns how many rows were rewritten (see the module docstring for safety)."""
    rows = list(
        Task.objects.filter(column_id=column_id)
        .order_by("position", "id")
        .values_list("pk", "position")
    )
    written = 0
    for (pk, old), new in zip(rows, spread_keys(len(rows)), strict=True):
        if old != new:
            # Not a user-visible change (same order): no version bump, no event.
            written += Task.objects.filter(pk=pk, column_id=column_id, position=old).update(
                position=new
            )
    return written


def _anchor(column: Column, task_id: Any, field: str) -> Task:
    if not is_valid_id(task_id):
        raise ValidationError({field: "Not a task id."})
    anchor = live_tasks().filter(pk=task_id, column_id=column.pk).only("pk", "position").first()
    if anchor is None:
        raise ValidationError({field: "Not a task in the target column."})
    return anchor


def _key_for(column: Column, task: Task, before: Any, after: Any) -> str:
    """The key that puts ``task`` right before ``before`` / after ``after`` / at the
    end; rebalances the column once when no short key fits."""
    for attempt in range(2):
        # Live cards only: a trashed card keeps its key (for a restore) but is nobody's
        # neighbour. Its key stays among the live ones, so _last_key may still see it.
        cards = live_tasks().filter(column_id=column.pk).exclude(pk=task.pk)
        if after is not None:
            anchor = _anchor(column, after, "after")
            low: str | None = anchor.position
            following = cards.filter(
                Q(position__gt=anchor.position) | Q(position=anchor.position, pk__gt=anchor.pk)
            )
            high = following.order_by("position", "id").values_list("position", flat=True).first()
        elif before is not None:
            anchor = _anchor(column, before, "before")
            high = anchor.position
            preceding = cards.filter(
                Q(position__lt=anchor.position) | Q(position=anchor.position, pk__lt=anchor.pk)
            )
            low = preceding.order_by("-position", "-id").values_list("position", flat=True).first()
        else:
            low, high = _last_key(column.pk, exclude=task.pk), None
        try:
            key = key_between(low, high)
        except ValueError:
            key = ""
        if key and len(key) <= KEY_SOFT_MAX:
            return key
        if attempt == 0:
            column_rebalance(column.pk)
    if key:
        return key  # long but valid: rebalancing could not shorten it (a concurrent move)
    raise WriteConflict("The column is being reordered by others; try again.")


def _status_values(old_status: str, new_status: str, completed_at: Any) -> dict[str, Any]:
    if old_status == new_status:
        return {}
    return {
        "status": new_status,
        "completed_at": timezone.now() if new_status == Status.DONE else None,
    }


def task_move(
    *,
    actor: Any,
    task: Task,
    column_id: Any,
    before: Any = None,
    after: Any = None,
    expected_version: int | None = None,
) -> Task:
    """Move ``task`` (from ``permissions.get_task_for_update``: role >= editor) into a
    column of its project, right before ``before`` or after ``after`` (task ids in that
    column; neither: the end). The task takes the column's category as its status.

    With ``expected_version`` a concurrent write makes this fail with
    PreconditionFailed (412); without it the move is re-applied on the latest version.
    A move to where the task already is writes nothing."""
    if before is not None and after is not None:
        raise ValidationError({"before": "Name before or after, not both."})
    if expected_version is not None and expected_version != task.version:
        raise PreconditionFailed(task.version)
    try:
        column = get_column(task.project_id, column_id)
    except Http404:
        raise ValidationError({"column": "Not a column of this task's project."}) from None
    if task.pk in (before, after):
        raise ValidationError({"before" if before else "after": "Not the task itself."})
    current = task
    for _ in range(_MOVE_RETRIES):
        if current.column_id == column.pk and before is None and after is None:
            later = (
                live_tasks()
                .filter(column_id=column.pk)
                .filter(
                    Q(position__gt=current.position)
                    | Q(position=current.position, pk__gt=current.pk)
                )
            )
            if not later.exists():
                return current  # already the last card there: nothing to write
        position = _key_for(column, current, before, after)
        values: dict[str, Any] = {"column_id": column.pk, "position": position}
        values.update(_status_values(current.status, column.category, current.completed_at))
        values["updated_at"] = timezone.now()
        won = Task.objects.filter(pk=current.pk, version=current.version).update(
            **values, version=F("version") + 1
        )
        if won:
            moved = Task(**{f.attname: getattr(current, f.attname) for f in Task._meta.fields})
            for name, value in values.items():
                setattr(moved, name, value)
            moved.version = current.version + 1
            changes: dict[str, tuple[Any, Any]] = {"column_id": (current.column_id, column.pk)}
            if "status" in values:
                changes["status"] = (current.status, column.category)
            events.task_written(
                actor=actor,
                action=events.MOVED,
                tasks=[moved],
                changes=changes,
                previous=[current],
            )
            return moved
        latest = Task.objects.filter(pk=current.pk).first()
        if expected_version is not None or latest is None:
            raise PreconditionFailed(latest.version if latest else None)
        current = latest
    raise WriteConflict()


def column_has_tasks(column: Column) -> bool:
    return Task.objects.filter(column_id=column.pk).exists()


def _move_rows(
    *, actor: Any, tasks: Iterable[Task], target: Column, condition: dict[str, Any]
) -> int:
    """Append ``tasks`` to ``target`` in their order (one conditional update each,
    skipping a task that changed meanwhile); one event for all."""
    key = _last_key(target.pk)
    moved: list[Task] = []
    before: list[Task] = []
    now = timezone.now()
    for task in tasks:
        key = key_between(key, None)
        values: dict[str, Any] = {"column_id": target.pk, "position": key, "updated_at": now}
        values.update(_status_values(task.status, target.category, task.completed_at))
        # On the version read, too: the counters take this task's status as it was.
        won = Task.objects.filter(pk=task.pk, version=task.version, **condition).update(
            **values, version=F("version") + 1
        )
        if won:
            moved.append(counters.copy(task, **values, version=task.version + 1))
            before.append(task)
    if moved:
        events.task_written(
            actor=actor,
            action=events.MOVED,
            tasks=moved,
            changes={"column_id": (None, target.pk)},
            previous=before,
        )
    return len(moved)


_ROW_FIELDS = counters.ROW_FIELDS


def move_all(*, actor: Any, source: Column, target: Column) -> int:
    """Move every card of ``source`` to the end of ``target`` (a column being deleted;
    projects.columns checked the role)."""
    tasks = list(
        Task.objects.filter(column_id=source.pk).order_by("position", "id").only(*_ROW_FIELDS)
    )
    return _move_rows(actor=actor, tasks=tasks, target=target, condition={"column_id": source.pk})


def column_recategorised(*, actor: Any, column: Column, old_category: str) -> int:
    """The column's cards take its new category as their status (one conditional
    update each, tasks.bulk; one event)."""
    targets = list(
        Task.objects.filter(column_id=column.pk).exclude(status=column.category).only(*_ROW_FIELDS)
    )
    if not targets:
        return 0
    now = timezone.now()

    def values(task: Task) -> dict[str, Any] | None:
        if task.column_id != column.pk or task.status == column.category:
            return None
        return {**_status_values(task.status, column.category, None), "updated_at": now}

    before, after = bulk.update_each(targets, values)
    if after:
        events.task_written(
            actor=actor,
            action=events.UPDATED,
            tasks=after,
            changes={"status": (None, column.category)},
            previous=before,
        )
    return len(after)


def place_unplaced(project_id: str) -> int:
    """Put tasks without a column (rows written outside the services: seeds, old
    imports) at the end of their status's first column. One query when there are none;
    idempotent (each update is conditional on the column still being empty)."""
    unplaced = Task.objects.filter(project_id=project_id, column__isnull=True)
    # The unordered check first: ordered by created_at, SQLite's planner walks the
    # project's created_at index (every task) instead of the (project, column) one.
    if not unplaced.exists():
        return 0
    rows = list(unplaced.order_by("created_at", "id").values_list("pk", "status")[:1000])
    placed = 0
    ends: dict[str, tuple[str, str | None]] = {}
    for pk, status in rows:
        if status not in ends:
            column = first_column_of(project_id, status)
            ends[status] = (column.pk, _last_key(column.pk))
        column_id, key = ends[status]
        key = key_between(key, None)
        ends[status] = (column_id, key)
        placed += Task.objects.filter(pk=pk, column__isnull=True).update(
            column_id=column_id, position=key
        )
    return placed


STEPS = ("up", "down", "left", "right", "done", "reopen")


def step_target(task: Task, direction: str) -> tuple[str, str | None, str | None] | None:
    """(column, before, after) for the board page's move buttons: up/down pass the
    neighbouring card, left/right go to the end of the neighbouring column. None for a
    step past the edge (nothing to do)."""
    if direction in ("done", "reopen"):
        # One-click complete on a card: the end of the first Done column, or back to
        # the first To do column; nothing when the task is already there.
        category = Status.DONE if direction == "done" else Status.TODO
        if (task.status == Status.DONE) == (direction == "done"):
            return None
        return (first_column_of(task.project_id, category).pk, None, None)
    cards = live_tasks().filter(column_id=task.column_id).exclude(pk=task.pk)
    here = Q(position=task.position)
    if direction == "up":
        above = (
            cards.filter(Q(position__lt=task.position) | (here & Q(pk__lt=task.pk)))
            .order_by("-position", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        return None if above is None else (task.column_id, above, None)
    if direction == "down":
        below = (
            cards.filter(Q(position__gt=task.position) | (here & Q(pk__gt=task.pk)))
            .order_by("position", "id")
            .values_list("pk", flat=True)
            .first()
        )
        return None if below is None else (task.column_id, None, below)
    ids = [column.pk for column in project_columns(task.project_id)]
    index = ids.index(task.column_id) if task.column_id in ids else 0
    target = index + (1 if direction == "right" else -1)
    return (ids[target], None, None) if 0 <= target < len(ids) else None
