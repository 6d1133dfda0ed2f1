"""The notifications app's part of "Your data" (accounts.data hooks, registered in
NotificationsConfig.ready): the user's reminders and notifications in the export.
Deletion needs no eraser: both belong to the user row and go with it (CASCADE)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from notifications.models import Notification, Reminder

CHUNK = 500


def export_reminders(user: Any) -> Iterator[dict[str, Any]]:
    """One query, streamed in chunks."""
    rows = Reminder.objects.filter(user_id=user.pk).order_by("created_at", "id")
    for reminder in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": reminder.pk,
            "task": reminder.task_id,
            "at": reminder.at,
            "before_due_minutes": reminder.before_due_minutes,
            "fire_at": reminder.fire_at,
            "sent_at": reminder.sent_at,
            "created_at": reminder.created_at,
        }


def export_notifications(user: Any) -> Iterator[dict[str, Any]]:
    rows = Notification.objects.filter(user_id=user.pk).order_by("created_at", "id")
    for notification in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": notification.pk,
            "kind": notification.kind,
            "task": notification.task_id or None,
            "title": notification.title,
            "body": notification.body,
            "created_at": notification.created_at,
            "read_at": notification.read_at,
        }
