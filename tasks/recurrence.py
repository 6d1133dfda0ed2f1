"""Recurring tasks: the repeat rule (an RFC 5545 RRULE) and the next occurrence.

Completing an occurrence creates the next one exactly once. The next task's id is
derived from the completed task's id (``taskflow.ids.derived_id``): a retry, a second
completion after a reopen, or two members completing at once all try to insert the
same primary key, and every attempt after the first meets an IntegrityError. That
holds on every backend without a transaction (a unique ``_id`` on MongoDB).

The hook runs on the write path (``tasks.events.subscribe``), so every way of
completing a task (API, pages, bulk, admin) is covered by one function.

The next occurrence is created with the checklist (same items and order, none ticked),
in the same insert and the same CREATED event. Other apps carry their own parts over
with ``subscribe_next_occurrence`` (notifications: each user's reminders), called once,
after the next occurrence was created.

Dates: a task's due date and due time are wall-clock values. "From completion" counts
from the day the task was completed in its owner's zone; the due time carries over
unchanged, so a daily 09:00 task stays at 09:00 local time across DST changes.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.preferences import WeekStart, zone_for
from taskflow.ids import derived_id
from tasks import checklists, events
from tasks.models import REPEAT_MAX, ChecklistItem, RepeatFrom, Status, Task, TaskTag

logger = logging.getLogger(__name__)

_DAY = "(?:MO|TU|WE|TH|FR|SA|SU)"
_BYDAY = rf"(?:[+-]?[1-5])?{_DAY}"
_MONTHDAY = r"-?(?:[1-9]|[12][0-9]|3[01])"
# The accepted grammar, in this order (the API schema publishes the same pattern):
# FREQ, then optional INTERVAL, BYDAY, BYMONTHDAY, and COUNT or UNTIL.
RRULE_PATTERN = (
    r"^(?:FREQ=(?:DAILY|WEEKLY|MONTHLY|YEARLY)"
    r"(?:;INTERVAL=[1-9][0-9]{0,2})?"
    rf"(?:;BYDAY={_BYDAY}(?:,{_BYDAY}){{0,6}})?"
    rf"(?:;BYMONTHDAY={_MONTHDAY}(?:,{_MONTHDAY}){{0,30}})?"
    r"(?:;COUNT=[1-9][0-9]{0,2}|;UNTIL=[0-9]{8}(?:T[0-9]{6}Z)?)?)?$"
)
_RRULE = re.compile(RRULE_PATTERN)
HELP = (
    "An RFC 5545 RRULE: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, then optionally INTERVAL=n, "
    "BYDAY=MO,FR (or -1FR, 2MO with MONTHLY/YEARLY), BYMONTHDAY=15 (not with WEEKLY), and "
    "COUNT=n or UNTIL=YYYYMMDD, in that order; empty for none."
)


PRESETS = [
    ("", "Does not repeat"),
    ("FREQ=DAILY", "Every day"),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
    ("FREQ=WEEKLY", "Every week"),
    ("FREQ=WEEKLY;INTERVAL=2", "Every 2 weeks"),
    ("FREQ=MONTHLY", "Every month"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on the last Friday"),
    ("FREQ=YEARLY", "Every year"),
]
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_DAY_NAMES = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), calendar.day_name, strict=True))
_ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth", "-1": "last"}


def describe(rule: str) -> str:
    """The rule in words, e.g. "Every 2 weeks on Monday, Friday" ('' for none)."""
    if not rule or not _RRULE.match(rule):
        return ""
    parts = _parts(rule)
    interval = int(parts.get("INTERVAL", "1"))
    unit = _UNITS[parts["FREQ"]]
    text = f"Every {interval} {unit}s" if interval > 1 else f"Every {unit}"
    if parts.get("BYDAY") == "MO,TU,WE,TH,FR" and interval == 1:
        text = "Every weekday"
    elif "BYDAY" in parts:
        days = []
        for item in parts["BYDAY"].split(","):
            number, name = item[:-2].lstrip("+"), _DAY_NAMES[item[-2:]]
            days.append(f"the {_ORDINALS.get(number, number + 'th')} {name}" if number else name)
        text += " on " + ", ".join(days)
    if "BYMONTHDAY" in parts:
        text += f" on day {parts['BYMONTHDAY']}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} more time(s)"
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        text += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return text


def _parts(rule: str) -> dict[str, str]:
    return dict(chunk.split("=", 1) for chunk in rule.split(";"))


def clean_repeat(value: Any) -> str:
    """The rule as stored ('' for none); ValidationError({"repeat": ...}) otherwise."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > REPEAT_MAX or not _RRULE.match(value):
        keys = {chunk.split("=", 1)[0] for chunk in str(value).split(";")}
        unknown = sorted(keys - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL"})
        prefix = f"{', '.join(unknown)[:60]} not supported. " if unknown else ""
        raise ValidationError({"repeat": prefix + HELP})
    parts = _parts(value)
    freq = parts["FREQ"]
    if freq in ("DAILY", "WEEKLY") and re.search(r"[0-9]", parts.get("BYDAY", "")):
        raise ValidationError({"repeat": "BYDAY with a number (-1FR) needs FREQ=MONTHLY/YEARLY."})
    if freq == "WEEKLY" and "BYMONTHDAY" in parts:
        raise ValidationError({"repeat": "BYMONTHDAY cannot be used with FREQ=WEEKLY."})
    if "UNTIL" in parts:
        try:
            datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")
        except ValueError:
            raise ValidationError({"repeat": "UNTIL must be a real date (YYYYMMDD)."}) from None
    try:
        _rule(value, date(2000, 1, 1), WeekStart.MONDAY)
    except (ValueError, TypeError):
        raise ValidationError({"repeat": HELP}) from None
    return value


def _rule(rule: str, start: date, week_start: str) -> Any:
    """dateutil's rule from ``start`` (COUNT and UNTIL are handled by next_due)."""
    core = ";".join(
        f"{key}={value}" for key, value in _parts(rule).items() if key not in ("COUNT", "UNTIL")
    )
    # The user's first day of the week decides which weeks "every 2 weeks" counts.
    wkst = "SU" if week_start == WeekStart.SUNDAY else "MO"
    return rrulestr(f"{core};WKST={wkst}", dtstart=datetime.combine(start, time()))


def next_due(
    *, rule: str, anchor: date, week_start: str = WeekStart.MONDAY
) -> tuple[date, str] | None:
    """The first occurrence of ``rule`` after ``anchor`` and the rule the next task
    keeps (COUNT counts down: it is the occurrences left, this one included); None
    when the series has ended."""
    parts = _parts(rule)
    if "COUNT" in parts and int(parts["COUNT"]) <= 1:
        return None
    found = _rule(rule, anchor, week_start).after(datetime.combine(anchor, time()), inc=False)
    if found is None:
        return None
    if "UNTIL" in parts and found.date() > datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date():
        return None
    if "COUNT" in parts:
        rule = rule.replace(f"COUNT={parts['COUNT']}", f"COUNT={int(parts['COUNT']) - 1}")
    return found.date(), rule


def next_task_id(task: Task) -> str:
    return derived_id("tasks.repeat.next", str(task.pk))


# Copied from an occurrence to the next; project and assignee join when they exist.
CARRIED = ("owner", "title", "description", "priority", "tags", "due_time", "repeat_from")
CARRIED_IF_PRESENT = ("project", "assignee", "created_by")

NextOccurrenceHook = Callable[[Task, Task], None]
_next_hooks: list[NextOccurrenceHook] = []


def subscribe_next_occurrence(hook: NextOccurrenceHook) -> Callable[[], None]:
    """Call ``hook(previous, following)`` after each next occurrence is created (once
    per occurrence); returns a function that detaches it."""
    _next_hooks.append(hook)
    return lambda: _next_hooks.remove(hook)


def create_next_occurrence(*, actor: Any, task: Task) -> Task | None:
    """Create the occurrence after ``task`` (completed); None if the series ended or
    the next one exists already (created by an earlier or concurrent attempt)."""
    if not task.repeat:
        return None
    owner = task.owner
    zone = zone_for(owner)
    if task.repeat_from == RepeatFrom.DUE and task.due_date is not None:
        anchor = task.due_date
    else:
        anchor = timezone.localdate(task.completed_at or timezone.now(), zone)
    following = next_due(rule=task.repeat, anchor=anchor, week_start=owner.week_start)
    if following is None:
        return None
    due_date, rule = following
    now = timezone.now()
    names = {f.name for f in Task._meta.fields}
    values = {f.attname: getattr(task, f.attname) for f in Task._meta.fields}
    carried = [name for name in (*CARRIED, *CARRIED_IF_PRESENT) if name in names]
    attnames = [Task._meta.get_field(name).attname for name in carried]
    fields = {attname: values[attname] for attname in attnames}
    nxt = Task(
        id=next_task_id(task),
        **fields,
        status=Status.TODO,
        due_date=due_date,
        repeat=rule,
        created_at=now,
        updated_at=now,
    )
    nxt.tags = list(task.tags)
    items = checklists.checklist_rows(nxt, checklists.checklist_copy(task))
    try:
        with transaction.atomic():
            nxt.save(force_insert=True)
            TaskTag.objects.bulk_create(
                [TaskTag(task_id=nxt.pk, owner_id=nxt.owner_id, name=tag) for tag in nxt.tags]
            )
            ChecklistItem.objects.bulk_create(items)
    except IntegrityError:
        return None  # created already: by a retry, a reopen and re-complete, or a race
    events.task_written(actor=actor, action=events.CREATED, tasks=[nxt])
    for hook in list(_next_hooks):
        try:
            hook(task, nxt)
        except Exception:  # the occurrence exists; one failing part must not undo it
            logger.exception("next occurrence hook %r failed", hook)
    return nxt


def on_task_written(event: events.TaskEvent) -> None:
    """The write-path hook: a completed repeating task gets its next occurrence."""
    if event.action != events.UPDATED:
        return
    status = event.changes.get("status")
    if not status or status[1] != Status.DONE:
        return
    completed = list(
        Task.objects.filter(pk__in=list(event.task_ids), status=Status.DONE)
        .exclude(repeat="")
        .select_related("owner")
    )
    if not completed:
        return
    actor = get_user_model().objects.filter(pk=event.actor_id).first()
    for task in completed:
        create_next_occurrence(actor=actor, task=task)


def first_on_or_after(rule: str, day: date, week_start: str = WeekStart.MONDAY) -> date | None:
    """The rule's first occurrence on or after ``day`` (a new series' first due date)."""
    found = _rule(rule, day, week_start).after(datetime.combine(day, time()), inc=True)
    return found.date() if found else None
