"""The iCal feed (RFC 5545), built with the icalendar library.

One VEVENT per open task with a due date, not a VTODO: Google Calendar ignores VTODOs
and Apple Calendar files them under Reminders, while a VEVENT shows on the day in every
calendar app. A task with a due time is an event at that time in the feed owner's zone
(DTSTART with TZID and a VTIMEZONE; due times are wall-clock values in the user's zone,
SPEC §9), so a daily 09:00 task stays at 09:00 across DST changes; a task without one
is an all-day event (DTSTART/DTEND as dates). A repeating task carries its RRULE, with
WKST from the user's week start; for "repeat from completion" the later dates are a
projection that assumes the task is done on its due date. UIDs are the task ids (the
next occurrence of a repeating task is a new task with its own UID).
icalendar is imported when a feed is built, not at start-up (the URLconf imports this
module through the views): few requests are feeds, and it costs every worker's boot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from accounts.preferences import WeekStart, zone_for
from tasks.models import Priority, Task

if TYPE_CHECKING:
    from icalendar import vRecur

PRODID = "-//TaskFlow//Calendar feed//EN"
UID_DOMAIN = "taskflow"
# How many years of DST transitions the VTIMEZONE carries past the last due date.
VTIMEZONE_YEARS = 5
# RFC 5545 PRIORITY: 1 highest, 9 lowest.
_PRIORITY = {Priority.HIGH: 1, Priority.MEDIUM: 5, Priority.LOW: 9}


def task_uid(task: Task) -> str:
    return f"{task.pk}@{UID_DOMAIN}"


def _rrule(task: Task, user: Any, start: datetime | None) -> vRecur:
    from icalendar import vRecur

    parts = dict(chunk.split("=", 1) for chunk in task.repeat.split(";"))
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        if start is None:
            parts["UNTIL"] = until.strftime("%Y%m%d")  # an all-day series ends on a date
        else:
            # With a zoned DTSTART, UNTIL must be UTC (RFC 5545 3.3.10): the end of that
            # day in the user's zone.
            end = datetime.combine(until, time(23, 59, 59), tzinfo=start.tzinfo)
            parts["UNTIL"] = end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    parts["WKST"] = "SU" if getattr(user, "week_start", "") == WeekStart.SUNDAY else "MO"
    return vRecur.from_ical(";".join(f"{key}={value}" for key, value in parts.items()))


def build_feed(*, user: Any, tasks: Iterable[Task], name: str, task_url: Any) -> bytes:
    """The feed as bytes. ``task_url(task)`` gives each task's absolute page URL."""
    from icalendar import Calendar, Event

    zone = zone_for(user)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(zone))
    now = timezone.now().astimezone(UTC)
    timed: list[date] = []
    for task in tasks:
        event = Event()
        event.add("uid", task_uid(task))
        event.add("dtstamp", now)
        event.add("last-modified", task.updated_at.astimezone(UTC))
        event.add("sequence", task.version)
        event.add("summary", task.title)
        start = None
        if task.due_time is not None:
            start = datetime.combine(task.due_date, task.due_time, tzinfo=zone)
            timed.append(task.due_date)
            event.add("dtstart", start)
        else:
            event.add("dtstart", task.due_date)
            event.add("dtend", task.due_date + timedelta(days=1))
        if task.repeat:
            event.add("rrule", _rrule(task, user, start))
        url = task_url(task)
        event.add("url", url)
        description = f"{task.description}\n\n{url}" if task.description else url
        event.add("description", description)
        event.add("priority", _PRIORITY.get(task.priority, 5))
        if task.tags:
            event.add("categories", list(task.tags))
        event.add("transp", "TRANSPARENT")  # a due date does not make the user busy
        calendar.add_component(event)
    if timed:
        # The VTIMEZONE lists the zone's transitions from the first timed task to some
        # years past the last one (or today). Its default, 1970 to 2038, is a list of
        # 68 years of RDATEs that vobject (dateutil) misreads as standard time only.
        last = max(*timed, now.date())
        calendar.add_missing_timezones(
            first_date=max(min(timed), date.min + timedelta(days=1)) - timedelta(days=1),
            last_date=last.replace(year=min(last.year + VTIMEZONE_YEARS, 9999), day=1),
        )
    return calendar.to_ical()
