"""Reminders: reads, writes and the firing time (SPEC §9).

Rules (decided here, documented in README.md and docs/operations.md):
- A reminder belongs to the user who set it, and only that user is reminded.
- Anyone who can see a task may set reminders on it, viewers included: a reminder
  changes nothing others see. Each user lists and deletes only their own; another
  user's reminder, or one on a task no longer visible, is a 404 like a missing one.
- ``at`` is an absolute moment (a time without an offset is read in the user's zone).
  ``before_due_minutes`` is relative to the task's due date and time in the user's
  zone, 09:00 when the task has a date but no time; it is recomputed whenever the due
  date or time changes (``on_task_written``, a hook on the one write path).
- A moment already past fires at the next sweep (within a minute).
- The next occurrence of a repeating task gets each user's reminders again
  (``copy_to_next_occurrence``): a relative one as it was (so it follows the new due
  date), an absolute one moved by as many days as the due date moved, at the same
  wall-clock time in the user's zone. An absolute reminder of a task without a due
  date is not carried over: it has no due date to keep its distance from.
- An import (tasks.exchange) gives the importer the reminders of the file's rows,
  checked by ``clean_reminders`` like ``reminder_create``; one whose moment has passed
  is stored as sent, so importing an old export never fires a burst of old reminders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.preferences import zone_for
from notifications.models import Reminder
from taskflow.ids import is_valid_id
from tasks import permissions
from tasks.events import UPDATED, TaskEvent
from tasks.models import Task

# A due date without a time is reminded about relative to this time of that day.
DEFAULT_DUE_TIME = time(9, 0)
MAX_BEFORE_DUE_MINUTES = 60 * 24 * 60  # 60 days
MAX_PER_TASK = 20  # reminders per task per user: keeps the list one short page


def due_moment(task: Task, zone: tzinfo) -> datetime | None:
    """The task's due date and time as an aware moment in ``zone`` (None: no due date).

    A wall time that does not exist in the zone (skipped by a DST change) or exists
    twice is read with fold=0, i.e. with the offset in force before the change."""
    if task.due_date is None:
        return None
    return datetime.combine(task.due_date, task.due_time or DEFAULT_DUE_TIME, tzinfo=zone)


def compute_fire_at(
    *, task: Task, user: Any, at: datetime | None, before_due_minutes: int | None
) -> datetime | None:
    """When the reminder fires, in UTC. Relative reminders subtract real elapsed
    minutes from the due moment (so "60 minutes before" stays 60 minutes across a DST
    change), never wall-clock minutes."""
    if at is not None:
        return _utc(at)
    due = due_moment(task, zone_for(user))
    if due is None or before_due_minutes is None:
        return None
    return _utc(due) - timedelta(minutes=before_due_minutes)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# --- reads --------------------------------------------------------------------------------


def task_reminders(*, user: Any, task: Task) -> QuerySet[Reminder]:
    """``user``'s own reminders on ``task`` (the caller checked the task is visible)."""
    return Reminder.objects.filter(task_id=task.pk, user_id=user.pk).order_by("created_at", "id")


def get_own_reminder(user: Any, reminder_id: Any) -> Reminder:
    """One of ``user``'s reminders on a task they can still see, else Http404."""
    if not is_valid_id(reminder_id):
        raise Http404("No such reminder.")
    found = (
        Reminder.objects.filter(
            pk=reminder_id, user_id=user.pk, task__in=permissions.visible_tasks(user)
        )
        .select_related("task")
        .first()
    )
    if found is None:
        raise Http404("No such reminder.")
    return found


# --- writes -------------------------------------------------------------------------------


def _check(at: datetime | None, before_due_minutes: int | None, has_due_date: bool) -> None:
    """reminder_create's rules for one reminder; ValidationError (field map)."""
    if at is None and before_due_minutes is None:
        raise ValidationError({"at": "Give at or before_due_minutes."})
    if at is not None and before_due_minutes is not None:
        raise ValidationError({"before_due_minutes": "Give at or before_due_minutes, not both."})
    if before_due_minutes is not None:
        if not 0 <= before_due_minutes <= MAX_BEFORE_DUE_MINUTES:
            raise ValidationError(
                {"before_due_minutes": f"Between 0 and {MAX_BEFORE_DUE_MINUTES} minutes."}
            )
        if not has_due_date:
            raise ValidationError(
                {"before_due_minutes": "The task has no due date: set one, or give a time."}
            )


def reminder_create(
    *,
    actor: Any,
    task: Task,
    at: datetime | None = None,
    before_due_minutes: int | None = None,
) -> Reminder:
    """Add a reminder for ``actor`` on ``task`` (visible to the actor): exactly one of
    ``at`` and ``before_due_minutes``; relative needs a due date."""
    _check(at, before_due_minutes, task.due_date is not None)
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at, zone_for(actor))
    if task_reminders(user=actor, task=task).count() >= MAX_PER_TASK:
        raise ValidationError({"at": f"At most {MAX_PER_TASK} reminders per task."})
    return Reminder.objects.create(
        task=task,
        user_id=actor.pk,
        at=at,
        before_due_minutes=before_due_minutes,
        fire_at=compute_fire_at(
            task=task, user=actor, at=at, before_due_minutes=before_due_minutes
        ),
    )


def reminder_delete(*, actor: Any, reminder: Reminder) -> None:
    """Delete one of the actor's reminders (``get_own_reminder`` found it)."""
    Reminder.objects.filter(pk=reminder.pk, user_id=actor.pk).delete()


def clean_reminders(
    reminders: Sequence[Mapping[str, Any]], *, has_due_date: bool
) -> list[dict[str, Any]]:
    """The reminders of one imported task, ``{at | before_due_minutes}`` each, checked
    as reminder_create checks them (at most MAX_PER_TASK). Raises
    ValidationError({"reminders": "reminder N: ..."})."""
    if len(reminders) > MAX_PER_TASK:
        raise ValidationError({"reminders": f"At most {MAX_PER_TASK} reminders per task."})
    cleaned = []
    for number, item in enumerate(reminders, start=1):
        at, before = item.get("at"), item.get("before_due_minutes")
        try:
            _check(at, before, has_due_date)
        except ValidationError as exc:
            message = " ".join(text for texts in exc.message_dict.values() for text in texts)
            raise ValidationError({"reminders": f"reminder {number}: {message}"}) from None
        cleaned.append({"at": at, "before_due_minutes": before})
    return cleaned


def reminders_import(*, actor: Any, tasks: Iterable[tuple[Task, Sequence[Mapping]]]) -> int:
    """Give ``actor`` the reminders of tasks they just imported (``clean_reminders``
    checked them). A naive ``at`` is in the actor's zone; a moment already past is
    stored as sent. Returns how many were created."""
    zone = zone_for(actor)
    now = timezone.now()
    rows = []
    for task, reminders in tasks:
        for item in reminders:
            at, before = item.get("at"), item.get("before_due_minutes")
            if at is not None and timezone.is_naive(at):
                at = timezone.make_aware(at, zone)
            fire_at = compute_fire_at(task=task, user=actor, at=at, before_due_minutes=before)
            past = fire_at is not None and fire_at <= now
            rows.append(
                Reminder(
                    task_id=task.pk,
                    user_id=actor.pk,
                    at=at,
                    before_due_minutes=before,
                    fire_at=fire_at,
                    sent_at=now if past else None,
                )
            )
    Reminder.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def copy_to_next_occurrence(previous: Task, following: Task) -> None:
    """recurrence's hook: the next occurrence of a repeating task gets the reminders of
    the one completed, for each of their users who can see it (see the rules above)."""
    reminders = list(
        Reminder.objects.filter(task_id=previous.pk)
        .select_related("user")
        .order_by("created_at", "id")
    )
    visible: dict[Any, bool] = {}
    for reminder in reminders:
        user = reminder.user
        if user.pk not in visible:
            visible[user.pk] = permissions.visible_tasks(user).filter(pk=following.pk).exists()
        if not visible[user.pk]:
            continue
        at = reminder.at
        if at is not None:
            if previous.due_date is None or following.due_date is None:
                continue
            local = timezone.localtime(at, zone_for(user)).replace(tzinfo=None)
            moved = local + (following.due_date - previous.due_date)
            at = moved.replace(tzinfo=zone_for(user))
        try:
            reminder_create(
                actor=user,
                task=following,
                at=at,
                before_due_minutes=reminder.before_due_minutes,
            )
        except ValidationError:
            continue  # e.g. the user's limit per task: the others are still copied


def on_task_written(event: TaskEvent) -> None:
    """Write-path hook: a changed due date or time moves the relative reminders of the
    tasks written. One not yet sent gets its new time; one already sent is armed again
    when its new time is still ahead (the reminder is about the new due time)."""
    if event.action != UPDATED or not ({"due_date", "due_time"} & set(event.changes)):
        return
    reminders = Reminder.objects.filter(
        task_id__in=list(event.task_ids), before_due_minutes__isnull=False
    ).select_related("task", "user")
    now = timezone.now()
    for reminder in reminders:
        fire_at = compute_fire_at(
            task=reminder.task,
            user=reminder.user,
            at=None,
            before_due_minutes=reminder.before_due_minutes,
        )
        if fire_at == reminder.fire_at:
            continue
        if reminder.sent_at is None:
            Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(fire_at=fire_at)
        elif fire_at is not None and fire_at > now:
            Reminder.objects.filter(pk=reminder.pk).update(
                fire_at=fire_at, sent_at=None, claim="", claimed_until=None, attempts=0
            )
        else:
            Reminder.objects.filter(pk=reminder.pk).update(fire_at=fire_at)
