"""Reads for the calendar page and the iCal feed. Tasks come through
``tasks.permissions.visible_tasks`` only, so a removed member's calendar and feed drop
that project's tasks at once.

Due dates and times are wall-clock values in the viewer's zone (SPEC §9): the grid
places a task on its due date as stored; only "today" depends on the zone (the
request's active zone, the user's own).
"""

from __future__ import annotations

import calendar as pycalendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from dateutil.rrule import rrulestr
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.preferences import WeekStart
from calendars.models import CalendarFeed
from calendars.services import hash_secret
from projects import roles
from projects.models import Project
from taskflow.ids import is_valid_id
from tasks.models import Status, Task
from tasks.permissions import visible_tasks

# A day cell lists this many tasks, then "+k more" (a link to the list for that day).
MAX_PER_DAY = 3
# Expanding a rule walks from the task's due date: a daily task overdue for years
# stops here instead of walking thousands of days on every page view.
MAX_EXPANSION_STEPS = 2000
# Months the page accepts: their grids (up to 6 weeks) stay inside date.min..date.max.
FIRST_MONTH, LAST_MONTH = date(2, 1, 1), date(9998, 12, 1)

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_SECRET = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("id", "title", "status", "priority", "due_date", "due_time", "repeat", "project_id")


def parse_month(value: str) -> date | None:
    """The first day of the month named ``YYYY-MM``; None when it is no such month or
    outside the accepted range."""
    match = _MONTH.match(value)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    first = date(int(match[1]) or 1, int(match[2]), 1)
    return first if FIRST_MONTH <= first <= LAST_MONTH else None


def add_months(first: date, months: int) -> date | None:
    index = first.year * 12 + first.month - 1 + months
    moved = date(index // 12, index % 12 + 1, 1) if index // 12 >= 1 else None
    return moved if moved and FIRST_MONTH <= moved <= LAST_MONTH else None


def week_offset(day: date, week_start: str) -> int:
    """How many days ``day`` is after the first day of its week."""
    first_weekday = 6 if week_start == WeekStart.SUNDAY else 0
    return (day.weekday() - first_weekday) % 7


def visible_project(user: Any, project_id: str) -> Project:
    """A project the user is a member of, else Http404 (missing, malformed and other
    people's projects alike)."""
    membership = roles.membership_of(user, project_id) if is_valid_id(project_id) else None
    if membership is None:
        raise Http404("No such project.")
    return membership.project


def occurrence_dates(
    rule: str, first: date, start: date, end: date, week_start: str = WeekStart.MONDAY
) -> list[date]:
    """The dates after ``first`` (a task's due date, the series' first occurrence) on
    which ``rule`` repeats, between ``start`` and ``end`` inclusive. COUNT counts the
    occurrences left, ``first`` included (tasks/recurrence.py)."""
    parts = dict(chunk.split("=", 1) for chunk in rule.split(";"))
    if "UNTIL" in parts:
        parts["UNTIL"] = parts["UNTIL"][:8]  # dates only: the grid has no hours
    parts["WKST"] = "SU" if week_start == WeekStart.SUNDAY else "MO"
    text = ";".join(f"{key}={value}" for key, value in parts.items())
    found: list[date] = []
    try:
        series = rrulestr(text, dtstart=datetime.combine(first, time()))
    except (ValueError, TypeError):
        return found
    for step, moment in enumerate(series):
        day = moment.date()
        if step >= MAX_EXPANSION_STEPS or day > end:
            break
        if day > first and day >= start:
            found.append(day)
    return found


@dataclass(frozen=True)
class Entry:
    task: Task
    day: date
    projected: bool  # a later occurrence of a repeating task, not the task's own date


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)
    more: int = 0
    more_url: str = ""

    @property
    def shown(self) -> list[Entry]:
        return self.entries[:MAX_PER_DAY]


@dataclass
class MonthView:
    first: date
    weeks: list[list[Day]]
    weekday_names: list[str]
    previous: date | None
    next: date | None
    today: date

    @property
    def agenda(self) -> list[Day]:
        """The month's days that have tasks (the phone layout)."""
        return [d for week in self.weeks for d in week if d.in_month and d.entries]


def _month_tasks(user: Any, start: date, end: date, project: Project | None) -> QuerySet[Task]:
    """One query: tasks due in the grid, and open repeating tasks due before it (their
    later occurrences may fall inside)."""
    tasks = visible_tasks(user).filter(
        Q(due_date__gte=start, due_date__lte=end)
        | (Q(due_date__lt=start) & ~Q(repeat="") & ~Q(status=Status.DONE))
    )
    if project is not None:
        tasks = tasks.filter(project_id=project.pk)
    return tasks.only(*_FIELDS)


def month_view(user: Any, *, first: date, project: Project | None = None) -> MonthView:
    week_start = getattr(user, "week_start", WeekStart.MONDAY)
    today = timezone.localdate()
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=week_offset(first, week_start))
    end = last + timedelta(days=6 - week_offset(last, week_start))
    days = {
        start + timedelta(days=i): Day(
            day=start + timedelta(days=i),
            in_month=(start + timedelta(days=i)).month == first.month,
            is_today=start + timedelta(days=i) == today,
        )
        for i in range((end - start).days + 1)
    }
    for task in _month_tasks(user, start, end, project):
        if start <= task.due_date <= end:
            days[task.due_date].entries.append(Entry(task, task.due_date, projected=False))
        if task.repeat and task.status != Status.DONE:
            for day in occurrence_dates(task.repeat, task.due_date, start, end, week_start):
                days[day].entries.append(Entry(task, day, projected=True))
    list_url = reverse("tasks:list")
    for cell in days.values():
        # All-day tasks first, then by time; the title and id make the order stable.
        cell.entries.sort(
            key=lambda e: (e.task.due_time is not None, e.task.due_time or time(), e.task.title)
        )
        cell.more = max(0, len(cell.entries) - MAX_PER_DAY)
        if cell.more:
            query = {"due_after": cell.day.isoformat(), "due_before": cell.day.isoformat()}
            if project is not None:
                query["project"] = project.pk
            cell.more_url = f"{list_url}?{urlencode(query)}"
    ordered = list(days.values())
    names = list(pycalendar.day_name)
    if week_start == WeekStart.SUNDAY:
        names = names[6:] + names[:6]
    return MonthView(
        first=first,
        weeks=[ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        weekday_names=names,
        previous=add_months(first, -1),
        next=add_months(first, 1),
        today=today,
    )


def feed_by_secret(secret: str) -> CalendarFeed | None:
    """The feed whose URL carries ``secret`` (with its user), or None. Always read from
    the database: a rotated secret is refused at once on every instance."""
    if not _SECRET.match(secret):
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), user__is_active=True)
        .first()
    )


def feed_tasks(user: Any, project: Project | None = None) -> QuerySet[Task]:
    """What a feed lists: the user's visible open tasks with a due date."""
    tasks = visible_tasks(user).filter(due_date__isnull=False).exclude(status=Status.DONE)
    if project is not None:
        tasks = tasks.filter(project_id=project.pk)
    return tasks.order_by("due_date", "id")


def calendar_projects(user: Any) -> QuerySet[Project]:
    """The projects the filter offers: the user's own memberships, by name."""
    return roles.visible_projects(user).filter(archived=False).order_by("name", "id")
