"""Reminders (a user's "tell me about this task at ...") and in-app notifications.

Delivery state lives on the reminder row itself (``claim``, ``claimed_until``,
``attempts``, ``sent_at``): it is the outbox the worker's jobs claim with conditional
updates, so delivery is exactly once without transactions (notifications/delivery.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from taskflow.ids import new_id
from tasks.models import Task

TITLE_MAX = 200


class Reminder(models.Model):
    """One reminder of one task for the user who set it (and only that user gets it).

    Absolute (``at``) or relative (``before_due_minutes`` before the task's due date and
    time in the user's zone). ``fire_at`` is computed from either; it is None while a
    relative reminder's task has no due date, and such a reminder never fires.
    """

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    at = models.DateTimeField(null=True, blank=True)
    before_due_minutes = models.PositiveIntegerField(null=True, blank=True)
    fire_at = models.DateTimeField(null=True, blank=True)
    # Delivery (notifications/delivery.py): who holds the reminder and until when.
    claim = models.CharField(max_length=26, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The sweep: unsent reminders whose time has come.
            models.Index(fields=["sent_at", "fire_at"], name="tf_reminder_due"),
            models.Index(fields=["task", "user"], name="tf_reminder_task_user"),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.pk} of task {self.task_id}"


class Notification(models.Model):
    """One in-app notification. A reminder's notification has an id derived from the
    reminder (and its firing time), so a retried delivery finds it instead of adding a
    second one."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        ASSIGNED = "assigned", "Assigned to you"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A plain id, not a foreign key: the notification outlives the task it was about.
    task_id = models.CharField(max_length=26, blank=True, default="")
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # "Unread first, newest first" as one sortable text key, so the list pages with the
    # same keyset cursor as every other list: "1|<created>" unread, "0|<created>" read.
    rank = models.CharField(max_length=40, default="")

    class Meta:
        indexes = [
            models.Index(fields=["user", "rank", "id"], name="tf_notification_list"),
            models.Index(fields=["user", "read_at"], name="tf_notification_unread"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} for {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def notification_rank(*, created_at: datetime, read: bool) -> str:
    """The list key (see Notification.rank): descending order puts unread first. The
    time is UTC to the millisecond (what every backend keeps)."""
    moment = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return f"{0 if read else 1}|{moment}"
