"""Reads of tasks. Every read starts from ``visible_tasks(user)``, which lives with
the other access rules in ``tasks.permissions`` (re-exported here for readers)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from taskflow import query_shapes
from tasks import counters, permissions, search_backends, stats_cache
from tasks.models import Priority, Status, Task
from tasks.permissions import get_visible_task, visible_tasks

__all__ = [
    "assigned_tasks",
    "completions_per_day",
    "due_soon_tasks",
    "get_visible_task",
    "global_task_stats",
    "list_count",
    "overdue_q",
    "overdue_tasks",
    "project_stats",
    "searched_tasks",
    "task_stats",
    "visible_task_rows",
    "visible_tasks",
]

DUE_SOON_DAYS = 7


def _scope_indexed(user: Any, search: str | None) -> bool:
    """Whether a list over all of ``user``'s projects searching ``search`` (the raw
    parameter) reads their tasks through the project index: yes, unless the search
    index should find the matches first (``search_backends.reads_matches_first``)."""
    if not search:
        return True
    return not search_backends.reads_matches_first(
        search, lambda: counters.live_total(permissions.member_project_id_list(user))
    )


def searched_tasks(user: Any, search: str | None) -> QuerySet[Task]:
    """``visible_tasks(user)`` for a list over all of the user's projects with this
    ``search`` parameter (none or blank: a plain list): the same rows, scoped so that
    the database reads them the cheaper way (``_scope_indexed``)."""
    return visible_tasks(user, scope_indexed=_scope_indexed(user, search))


def visible_task_rows(
    user: Any, fields: tuple[str, ...], *, search: str | None = None
) -> QuerySet[Task]:
    """``searched_tasks(user, search)`` read as dicts of ``fields`` (``.values()``), for
    a list page that serializes rows rather than tasks (``pagination.paginate``'s
    ``fields``). ``.values()`` costs Django ~0.2 ms for the API's 19 columns, the same
    every time: built once per thread, user, scope form and fields
    (``taskflow.query_shapes``), as the shape it starts from."""
    indexed = _scope_indexed(user, search)
    return query_shapes.reuse(
        ("visible_task_rows", user.pk, indexed, fields),
        lambda: visible_tasks(user, scope_indexed=indexed).values(*fields),
    )


def overdue_q(now: datetime | None = None) -> Q:
    """Not done and past due: an earlier due date, or today's date with a due time
    already past. ``now`` in the current zone (the user's, see accounts.preferences):
    due dates and times are wall-clock values."""
    local = timezone.localtime(now)
    moment = local.time().replace(microsecond=0)
    past = Q(due_date__lt=local.date()) | Q(due_date=local.date(), due_time__lt=moment)
    return past & ~Q(status=Status.DONE)


def counted_stats(tasks: QuerySet[Task], *, now: datetime | None = None) -> dict[str, Any]:
    """The stats counted from the tasks themselves: what the counters must agree with
    (tests, ``manage.py taskstats --verify``). Grows with the tasks; readers use
    ``tasks.counters``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_ago = now - timedelta(days=7)
    pk = "pk"
    counts = tasks.aggregate(
        total=Count(pk),
        overdue=Count(pk, filter=overdue_q(now)),
        due_today=Count(pk, filter=Q(due_date=today) & ~Q(status=Status.DONE)),
        completed_last_7_days=Count(pk, filter=Q(status=Status.DONE, completed_at__gte=week_ago)),
        **{f"status_{s.value}": Count(pk, filter=Q(status=s.value)) for s in Status},
        **{f"priority_{p.api_name}": Count(pk, filter=Q(priority=p.value)) for p in Priority},
    )
    return {
        "total": counts["total"],
        "by_status": {s.value: counts[f"status_{s.value}"] for s in Status},
        "by_priority": {p.api_name: counts[f"priority_{p.api_name}"] for p in Priority},
        "overdue": counts["overdue"],
        "due_today": counts["due_today"],
        "completed_last_7_days": counts["completed_last_7_days"],
    }


def task_stats(user: Any) -> dict[str, Any]:
    """The user's own counts ("mine": tasks assigned to them plus their Inbox), for the
    stats endpoint and the dashboard, cached per user.

    Read from the counters the write path keeps (``tasks.counters``): a few rows per
    project, however many tasks. The key embeds the versions of the user's scopes,
    which the write path (``tasks.events``) bumps, so a write through any instance is
    visible at once through every other one.
    """
    scopes = permissions.user_scopes(user)
    return stats_cache.get_or_compute(
        _own_reader(user.pk), scopes, lambda: counters.mine_stats(user)
    )


def task_stats_cache_keys(user_id: str) -> list[str]:
    """The cache keys ``task_stats`` reads for this user on a hit (known from the id
    alone: read in the request's authentication round trip, taskflow.batched_reads)."""
    return stats_cache.cache_keys(_own_reader(user_id), [permissions.user_scope(user_id)])


def _own_reader(user_id: Any) -> str:
    return f"{stats_cache.OWN_READER}{user_id}"


def project_stats(project: Any) -> dict[str, Any]:
    """Counts over one project's tasks, shared by all its members (the caller checked
    membership with ``projects.roles.get_project_for``)."""
    scopes = permissions.project_scopes(project)
    return stats_cache.get_or_compute(
        f"project:{project.pk}",
        scopes,
        lambda: counters.project_stats(project),
    )


def due_soon_tasks(user: Any, *, limit: int = 10) -> QuerySet[Task]:
    today = timezone.localdate()
    return (
        visible_tasks(user)
        .filter(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
        .exclude(status=Status.DONE)
        .order_by("due_date", "id")[:limit]
    )


def overdue_tasks(user: Any, *, limit: int = 10) -> QuerySet[Task]:
    return visible_tasks(user).filter(overdue_q()).order_by("due_date", "id")[:limit]


def completions_per_day(user: Any, *, days: int = 30) -> list[tuple[date, int]]:
    """(day, tasks completed that day) for the last ``days`` days, oldest first.

    Counted in Python from one indexed range read: TruncDate with a time zone is not
    available on every backend (MongoDB), and 30 days of completions is small.
    """
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    stamps = (
        visible_tasks(user)
        .filter(status=Status.DONE, completed_at__gte=since)
        .values_list("completed_at", flat=True)
    )
    per_day = Counter(timezone.localdate(stamp) for stamp in stamps.iterator(chunk_size=2000))
    return [(start + timedelta(days=i), per_day[start + timedelta(days=i)]) for i in range(days)]


def global_task_stats() -> dict[str, Any]:
    """Counts over every user's tasks, for operators (``manage.py taskstats``).

    The one read that deliberately does not go through visible_tasks: it exposes
    counts only, never a task. Tasks in the trash are not counted.
    """
    from accounts.selectors import user_count

    counts = permissions.live_tasks().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_q()),
        **{f"status_{s.value}": Count("pk", filter=Q(status=s.value)) for s in Status},
        **{f"priority_{p.api_name}": Count("pk", filter=Q(priority=p.value)) for p in Priority},
    )
    return {
        "users": user_count(),
        "total": counts["total"],
        "by_status": {s.value: counts[f"status_{s.value}"] for s in Status},
        "by_priority": {p.api_name: counts[f"priority_{p.api_name}"] for p in Priority},
        "overdue": counts["overdue"],
    }


def assigned_tasks(user: Any) -> QuerySet[Task]:
    """The visible tasks assigned to ``user`` ("Assigned to me")."""
    return visible_tasks(user).filter(assignee_id=user.pk)


def list_count(
    user: Any,
    tasks: QuerySet[Task],
    *,
    reader: str,
    project: Any = None,
    project_ids: list[str] | None = None,
) -> int:
    """How many tasks a list shows in all (``tasks``: the permission-scoped, filtered
    queryset), cached like the stats: a COUNT reads every matching row, so it runs once
    per write burst, not on every page view.

    ``reader`` names the list and its filters (part of the key). The key embeds the
    versions of the project scopes the list reads (every write bumps its project's),
    plus ``user:<id>`` (assignment) and the list of the user's projects itself, so
    joining or leaving a project gives a new key too. ``project``: a one-project list
    whose membership the caller checked (no membership read then); ``project_ids``: the
    user's, if the caller read them (permissions.member_project_id_list)."""
    if project is not None:
        scopes = permissions.project_scopes(project)
    else:
        if project_ids is None:
            project_ids = permissions.member_project_id_list(user)
        scopes = [permissions.project_scope(pk) for pk in project_ids]
        scopes.append(permissions.user_scope(user.pk))
    digest = hashlib.sha256("|".join([reader, *scopes]).encode()).hexdigest()[:32]
    counted = stats_cache.get_or_compute(
        f"count:{user.pk}:{digest}", scopes, lambda: {"count": tasks.count()}
    )
    return int(counted["count"])
