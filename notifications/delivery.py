"""Reminder delivery: each due reminder becomes one in-app notification and one email,
exactly once, with any number of workers, restarts, retries and killed workers, and
without transactions (none on MongoDB).

The reminder row is the outbox. Its life:

1. ``sweep`` (a periodic job, every minute, once per minute across all workers) finds
   reminders that are due, not sent, and not held by a live claim; it claims each with
   ONE conditional update (``claim`` = a fresh token, ``claimed_until`` = now + lease,
   ``attempts`` + 1; the row count says whether this sweep won) and enqueues
   ``deliver(reminder_id, claim)`` for the ones it won.
2. ``deliver`` re-takes its claim (a conditional update on the token, which also
   extends the lease: a later sweep cannot take the row while this job works on it),
   then
   a. creates the notification with an id derived from (reminder, fire_at): a retry
      finds it instead of adding a second;
   b. sends the email now, with a Message-ID derived the same way;
   c. sets ``sent_at`` (conditional on the token).
   If it fails, it sets ``claimed_until`` to the time of the next attempt (backoff);
   the sweep takes it again then. After MAX_ATTEMPTS the sweep leaves it (logged).
3. A worker killed at any point loses its job (Huey delivers a job at most once); the
   claim expires after the lease and the next sweep takes the reminder again. A job
   that was still queued with an old token finds the token changed and does nothing.

The one window left: a worker killed after the SMTP server accepted the message and
before ``sent_at`` was written (milliseconds) sends that email again after the lease;
the two copies carry the same Message-ID, which mail clients show once. The
notification is never duplicated (its id is derived). A task done, deleted, or no
longer visible to the reminder's user is skipped: marked sent, nothing delivered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format

from accounts.preferences import zone_for
from notifications import services
from notifications.models import Notification, Reminder
from taskflow import email
from taskflow.ids import derived_id, new_id
from tasks import permissions
from tasks.models import Status

logger = structlog.get_logger("notifications.delivery")

MAX_ATTEMPTS = 8
SWEEP_BATCH = 500  # reminders claimed per sweep; the next minute's sweep takes the rest


def lease() -> timedelta:
    """How long a claim holds: longer than one delivery can take (SMTP timeout
    included), so a live job is never overtaken."""
    return timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after a failed attempt, at most an hour."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _key(reminder: Reminder) -> str:
    fired = reminder.fire_at.isoformat() if reminder.fire_at else ""
    return f"{reminder.pk}|{fired}"


def notification_id(reminder: Reminder) -> str:
    return derived_id("reminder-notification", _key(reminder))


def message_id(reminder: Reminder) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "taskflow.localhost"
    return f"<reminder.{derived_id('reminder-email', _key(reminder))}@{domain}>"


def claim_due(now: datetime | None = None) -> list[tuple[str, str]]:
    """Claim up to SWEEP_BATCH due reminders; returns (reminder id, claim token) of each
    claim this call won."""
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Reminder.objects.filter(
        free, sent_at__isnull=True, fire_at__lte=now, attempts__lt=MAX_ATTEMPTS
    )
    won = []
    for pk in due.order_by("fire_at", "id").values_list("pk", flat=True)[:SWEEP_BATCH]:
        token = new_id()
        claimed = (
            Reminder.objects.filter(free, pk=pk, sent_at__isnull=True)
            .filter(attempts__lt=MAX_ATTEMPTS)
            .update(claim=token, claimed_until=now + lease(), attempts=F("attempts") + 1)
        )
        if claimed == 1:
            won.append((pk, token))
    return won


def _retake(reminder_id: str, token: str) -> Reminder | None:
    now = timezone.now()
    taken = Reminder.objects.filter(pk=reminder_id, claim=token, sent_at__isnull=True).update(
        claimed_until=now + lease()
    )
    if taken != 1:
        return None
    return Reminder.objects.select_related("task", "user").filter(pk=reminder_id).first()


def _finish(reminder: Reminder, token: str) -> bool:
    return (
        Reminder.objects.filter(pk=reminder.pk, claim=token, sent_at__isnull=True).update(
            sent_at=timezone.now(), claimed_until=None
        )
        == 1
    )


def _still_relevant(reminder: Reminder) -> bool:
    task = reminder.task
    if task is None or task.status == Status.DONE or not reminder.user.is_active:
        return False
    return permissions.visible_tasks(reminder.user).filter(pk=task.pk).exists()


def _texts(reminder: Reminder) -> tuple[str, str]:
    task, user = reminder.task, reminder.user
    title = " ".join(f"Reminder: {task.title}".split())  # no line breaks in a header
    lines = [f"You asked to be reminded about “{task.title}”."]
    if task.due_date is not None:
        due = date_format(task.due_date, "D j M Y")
        if task.due_time is not None:
            due += " " + task.due_time.strftime("%H:%M")
        lines.append(f"Due: {due} ({zone_for(user)}).")
    lines.append(f"{settings.SITE_URL.rstrip('/')}/tasks/{task.pk}/")
    return title, "\n".join(lines)


def deliver(reminder_id: str, token: str) -> str:
    """Deliver one claimed reminder (see the module's steps). Returns what happened:
    "sent", "skipped" or "not_mine" (another claim holds it, or it was sent)."""
    reminder = _retake(reminder_id, token)
    if reminder is None:
        logger.info("reminder_not_mine")
        return "not_mine"
    if not _still_relevant(reminder):
        _finish(reminder, token)
        logger.info("reminder_skipped")
        return "skipped"
    title, body = _texts(reminder)
    try:
        services.notification_create(
            user_id=reminder.user_id,
            kind=Notification.Kind.REMINDER,
            title=title,
            body=body,
            task_id=reminder.task_id,
            notification_id=notification_id(reminder),
        )
        email.send_now(
            to=[reminder.user.email],
            subject=title,
            body=body + "\n",
            headers={"Message-ID": message_id(reminder)},
        )
    except Exception:
        # The sweep takes it again after the backoff (no Huey retry: one retry path).
        Reminder.objects.filter(pk=reminder.pk, claim=token).update(
            claimed_until=timezone.now() + retry_delay(reminder.attempts)
        )
        logger.warning("reminder_failed", attempts=reminder.attempts, exc_info=True)
        raise
    _finish(reminder, token)
    logger.info("reminder_sent")
    return "sent"
