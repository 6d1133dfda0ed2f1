"""Task counters kept by the write path, so stats read rows per project, not per task.

Every live task adds 1 to a few ``TaskCount`` rows of its project, once for the whole
project (holder "") and once more for its assignee (holder = their id):

- ``total``;
- ``status``/<status> and ``priority``/<number>;
- ``open_due``/<due date>[T<due time>] while it is not done and has a due date: a due
  date and time are wall-clock values, so their ISO text sorts as they do, and
  "overdue" and "due today" are key ranges read in the reader's zone;
- ``done_at``/<UTC hour of completed_at> once it is done: "completed in the last 7
  days" is a key range plus the tasks completed in the one hour the window starts in.

A task in the trash counts nowhere. ``tasks.events.task_written`` (the one write path)
turns each write's tasks before and after into a delta here and applies it with F()
increments: one atomic update per row on every backend, so concurrent writers on other
instances add up. ``manage.py taskstats --verify`` recounts and (``--fix``) repairs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from taskflow import query_shapes
from taskflow.backends import writes_one_at_a_time
from tasks.models import Priority, Status, Task, TaskCount

logger = logging.getLogger(__name__)

TOTAL = "total"
STATUS = "status"
PRIORITY = "priority"
OPEN_DUE = "open_due"
DONE_AT = "done_at"

# The fields a task's counters depend on, and what a bulk write must load and carry.
COUNTED_FIELDS = (
    "project_id",
    "assignee_id",
    "status",
    "priority",
    "due_date",
    "due_time",
    "completed_at",
    "deleted_at",
)
ROW_FIELDS = ("pk", "owner_id", "version", *COUNTED_FIELDS)

Slot = tuple[str, str, str, str]  # (project id, holder, kind, key)


def due_key(due_date: date, due_time: time | None) -> str:
    if due_time is None:
        return due_date.isoformat()
    return f"{due_date.isoformat()}T{due_time.isoformat()}"


def hour_key(moment: datetime) -> str:
    """The UTC hour of ``moment`` as sortable text ("2026-12-03T10")."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="hours")


def contribution(task: Task, *, ignore_trash: bool = False) -> Counter[Slot]:
    """What ``task`` adds to the counters (nothing while it is in the trash, unless
    ``ignore_trash``: the state just before it went there or just after it came back)."""
    deferred = task.get_deferred_fields() & set(COUNTED_FIELDS)
    if deferred:
        # Reading them would load today's values, not the ones this write saw.
        raise ValueError(f"Task {task.pk} lacks counted fields {sorted(deferred)}.")
    if task.deleted_at is not None and not ignore_trash:
        return Counter()
    keys = [(TOTAL, ""), (STATUS, str(task.status)), (PRIORITY, str(int(task.priority)))]
    if task.status != Status.DONE and task.due_date is not None:
        keys.append((OPEN_DUE, due_key(task.due_date, task.due_time)))
    if task.status == Status.DONE and task.completed_at is not None:
        keys.append((DONE_AT, hour_key(task.completed_at)))
    holders = [""] if task.assignee_id is None else ["", str(task.assignee_id)]
    project_id = str(task.project_id)
    return Counter({(project_id, holder, kind, key): 1 for holder in holders for kind, key in keys})


def copy(task: Task, **changes: Any) -> Task:
    """A task as a bulk write left it: ``task``'s ``ROW_FIELDS`` (which the write
    loaded) with ``changes``; the other fields are defaults, never read."""
    made = Task(pk=task.pk)
    for name in ROW_FIELDS[1:]:
        setattr(made, name, getattr(task, name))
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def delta(
    before: Iterable[Task], after: Iterable[Task], *, ignore_trash: bool = False
) -> Counter[Slot]:
    change: Counter[Slot] = Counter()
    for task in after:
        change.update(contribution(task, ignore_trash=ignore_trash))
    for task in before:
        change.subtract(contribution(task, ignore_trash=ignore_trash))
    return change


def apply(change: Counter[Slot]) -> None:
    """Add ``change`` to the counters, one F() update per row (in key order, so two
    SQL transactions lock shared rows in the same order); on SQLite one update for all
    the rows that add the same amount (``_add_together``)."""
    slots = sorted(slot for slot, amount in change.items() if amount)
    if len(slots) > 1 and writes_one_at_a_time(connection):
        for slot in _add_together(slots, change):
            _add(slot, change[slot], found=False)
        return
    for slot in slots:
        _add(slot, change[slot])


def _slot_q(slot: Slot) -> Q:
    project_id, holder, kind, key = slot
    return Q(project_id=project_id, holder=holder, kind=kind, key=key)


# SQLite parses a chain of ORs as a tree of that depth, at most 1,000 (a bulk write or
# a seeding touches thousands of rows): one statement per this many rows.
SLOTS_PER_UPDATE = 100


def _add_together(slots: list[Slot], change: Counter[Slot]) -> list[Slot]:
    """One UPDATE per amount (a task's create: its 3 to 10 rows all +1), in a
    transaction that holds the database (SQLite: no other writer comes between the
    UPDATE and the read of which rows it found). Returns the slots without a row yet,
    for ``_add`` to create once the transaction is over (its savepoint, and its update
    should another writer have created the row meanwhile)."""
    amounts: dict[int, list[Slot]] = {}
    for slot in slots:
        amounts.setdefault(change[slot], []).append(slot)
    chunks = [
        (amount, group[start : start + SLOTS_PER_UPDATE])
        for amount, group in sorted(amounts.items())
        for start in range(0, len(group), SLOTS_PER_UPDATE)
    ]
    missing = []
    with transaction.atomic():
        for amount, group in chunks:
            rows = _counter_rows(group)
            # The SQL compiled once per thread and rows (query_shapes.update).
            added = {"count": F("count") + amount}
            key = ("task_counts", amount, *group)
            updated = query_shapes.update(key, lambda rows=rows: rows, added)
            if updated == len(group):
                continue
            if not updated:  # none yet (a project's first task): no read needed
                missing += group
                continue
            fields = ("project_id", "holder", "kind", "key")
            found = {tuple(str(v) for v in row) for row in rows.values_list(*fields)}
            missing += [slot for slot in group if slot not in found]
    return missing


def _or(slots: list[Slot]) -> Q:
    matches = Q()
    for slot in slots:
        matches |= _slot_q(slot)
    return matches


def _counter_rows(slots: list[Slot]) -> QuerySet[TaskCount]:
    """The counter rows of ``slots``. Django builds a filter of 4 columns per slot for
    ~0.1 ms each, and a user's next create touches the same slots (same project, same
    status, priority and due bucket): the queryset is built once per thread and slots
    (``taskflow.query_shapes``; it reads no data until it runs)."""
    return query_shapes.reuse(("task_counts", *slots), lambda: TaskCount.objects.filter(_or(slots)))


def _add(slot: Slot, amount: int, *, found: bool = True) -> None:
    """``found=False``: an update just found no row, so the insert is tried first (a
    writer that created it since makes the insert fail, and the update follows)."""
    project_id, holder, kind, key = slot
    row = _counter_rows([slot])
    added = {"count": F("count") + amount}
    if found and query_shapes.update(("task_counts", amount, slot), lambda: row, added):
        return
    try:
        # The savepoint keeps an enclosing SQL transaction usable after a lost race.
        with transaction.atomic():
            TaskCount.objects.create(
                project_id=project_id,
                assignee_id=holder or None,
                holder=holder,
                kind=kind,
                key=key,
                count=amount,
            )
        return
    except IntegrityError:
        pass  # another writer created the row first (unique index): add to it
    if not row.update(**added):
        # The project (or assignee) was deleted meanwhile, and its rows with it.
        logger.info("task counter %s not kept: its project or assignee is gone", slot)


# --- Reads ------------------------------------------------------------------------------


def _sums(scope: Q, kinds: Q, sums: dict[str, Q | None]) -> dict[str, int]:
    rows = TaskCount.objects.filter(scope, kinds)
    # Coalesce: an empty sum is NULL on SQL and 0 on MongoDB; 0 everywhere.
    return rows.aggregate(**{name: Coalesce(Sum("count", filter=q), 0) for name, q in sums.items()})


def live_total(project_ids: list[str]) -> int:
    """How many live tasks these projects hold (``live_counts``, summed)."""
    return sum(live_counts(project_ids))


def live_counts(project_ids: list[str]) -> list[int]:
    """How many live tasks each of these projects holds, in no order (one indexed read,
    a row per project; a project without a task may have no row).

    Read on every list and search over several projects (``tasks.filters``,
    ``tasks.selectors``), so its statement is compiled once per thread and projects
    (``query_shapes.rows``) and summed here: building and compiling ``aggregate()``
    cost ~0.4 ms of CPU, ten times what reading the rows takes (docs/performance.md,
    "Round 17 (issue 15)")."""
    ids = tuple(project_ids)
    counts = query_shapes.rows(
        ("live_total", ids),
        lambda: TaskCount.objects.filter(project_id__in=ids, holder="", kind=TOTAL).values_list(
            "count", flat=True
        ),
    )
    return list(counts)


def database_total() -> int:
    """How many live tasks the whole database holds (a row per project): for an
    estimate that may be minutes old (``tasks.search_backends.walks_in_order``)."""
    rows = TaskCount.objects.filter(holder="", kind=TOTAL)
    return int(rows.aggregate(total=Coalesce(Sum("count"), 0))["total"])


def _read(scope: Q, tasks: QuerySet[Task], now: datetime) -> dict[str, Any]:
    """Stats in ``counted_stats``'s shape from the counter rows in ``scope``; ``tasks``
    (the same scope's live tasks) only for the completions in the first hour of the
    window. Three reads, each an index range per (project, holder, kind): old done_at
    hours and future due dates, which pile up over time, are never read."""
    local = timezone.localtime(now)
    today = local.date().isoformat()
    tomorrow = (local.date() + timedelta(days=1)).isoformat()
    moment = f"{today}T{local.time().replace(microsecond=0).isoformat()}"
    week_ago = now - timedelta(days=7)
    edge = week_ago.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    counts = _sums(
        scope,
        Q(kind__in=[TOTAL, STATUS, PRIORITY]),
        {
            "total": Q(kind=TOTAL),
            **{f"status_{s.value}": Q(kind=STATUS, key=s.value) for s in Status},
            **{f"priority_{p.api_name}": Q(kind=PRIORITY, key=str(p.value)) for p in Priority},
        },
    )
    counts |= _sums(
        scope,
        Q(kind=OPEN_DUE, key__lt=tomorrow),
        {
            # An earlier date (with or without a time), or today with a time already past.
            "overdue": Q(key__lt=today) | Q(key__gte=f"{today}T", key__lt=moment),
            "due_today": Q(key__gte=today),
        },
    )
    counts |= _sums(scope, Q(kind=DONE_AT, key__gte=hour_key(edge)), {"done": None})
    first_hour = tasks.filter(
        status=Status.DONE, completed_at__gte=week_ago, completed_at__lt=edge
    ).count()
    return {
        "total": counts["total"],
        "by_status": {s.value: counts[f"status_{s.value}"] for s in Status},
        "by_priority": {p.api_name: counts[f"priority_{p.api_name}"] for p in Priority},
        "overdue": counts["overdue"],
        "due_today": counts["due_today"],
        "completed_last_7_days": counts["done"] + first_hour,
    }


def project_stats(project: Any, *, now: datetime | None = None) -> dict[str, Any]:
    from tasks import permissions

    scope = Q(project_id=project.pk, holder="")
    return _read(scope, permissions.project_tasks(project), now or timezone.now())


def mine_stats(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """The user's "mine" (``permissions.mine_tasks``): the whole of their Inbox, plus
    the tasks assigned to them in their other projects. One small read of memberships
    and a few reads of rows per project, whatever the number of tasks."""
    from projects import roles
    from tasks import permissions

    # One read of the user's projects (as visible_tasks reads them), each with whether
    # it is their Inbox.
    projects = roles.member_project_ids(user).values_list("project_id", "project__inbox_owner_id")
    inbox, others = [], []
    for project_id, inbox_owner_id in projects:
        mine = inbox_owner_id is not None and str(inbox_owner_id) == str(user.pk)
        (inbox if mine else others).append(str(project_id))
    scope = Q(project_id__in=inbox, holder="") | Q(project_id__in=others, holder=str(user.pk))
    return _read(scope, permissions.mine_tasks(user), now or timezone.now())


# --- Recount ----------------------------------------------------------------------------


def recount() -> Counter[Slot]:
    """Every counter as the tasks say it should be (one pass over the live tasks)."""
    expected: Counter[Slot] = Counter()
    live = Task.objects.filter(deleted_at__isnull=True).only(*ROW_FIELDS).order_by()
    for task in live.iterator(chunk_size=2000):
        expected.update(contribution(task))
    return expected


def stored() -> Counter[Slot]:
    rows = TaskCount.objects.values_list("project_id", "holder", "kind", "key", "count")
    found: Counter[Slot] = Counter()
    for project_id, holder, kind, key, count in rows.iterator(chunk_size=2000):
        found[(str(project_id), holder, kind, key)] += count
    return found


def mismatches() -> dict[Slot, tuple[int, int]]:
    """``{slot: (stored, recounted)}`` for every counter that is wrong."""
    expected, found = recount(), stored()
    return {
        slot: (found[slot], expected[slot])
        for slot in sorted(set(expected) | set(found))
        if found[slot] != expected[slot]
    }


def fix(wrong: dict[Slot, tuple[int, int]]) -> None:
    """Bring each wrong counter to its recount by adding the difference (so a write
    that lands meanwhile is kept, not overwritten)."""
    apply(Counter({slot: right - was for slot, (was, right) in wrong.items()}))


def rebuild() -> int:
    """Set every counter from the tasks (the migration that adds them, and tests)."""
    wrong = mismatches()
    fix(wrong)
    return len(wrong)
