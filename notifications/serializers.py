"""API shapes of reminders and notifications (schemas exact: tests/reliability)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from notifications.reminders import MAX_BEFORE_DUE_MINUTES
from notifications.services import MARK_READ_MAX
from taskflow.fields import StrictBooleanField
from taskflow.ids import ID_PATTERN


class StrictIntegerField(serializers.IntegerField):
    """JSON integers only (DRF's also takes "5", 5.0 and true, which the schema's
    `integer` does not allow)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReminderSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    task = serializers.CharField(source="task_id", read_only=True)
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When to remind (ISO 8601; without an offset, in your time zone). "
        "Give this or before_due_minutes.",
    )
    before_due_minutes = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_BEFORE_DUE_MINUTES,
        help_text="Minutes before the task's due date and time in your time zone (09:00 "
        "when it has no time); follows the due date when it changes. Needs a due date.",
    )
    fire_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When it fires (null: relative to a due date the task no longer has).",
    )
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class NotificationSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    task = serializers.CharField(source="task_id", read_only=True, allow_blank=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.RegexField(ID_PATTERN.pattern),
        required=False,
        max_length=MARK_READ_MAX,
        help_text="Notification ids to mark read (others' ids are ignored).",
    )
    all = StrictBooleanField(required=False, help_text="true: mark every notification read.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("ids") and not attrs.get("all"):
            raise serializers.ValidationError({"ids": "Give ids, or all: true."})
        return attrs


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many changed from unread to read.")
    unread = serializers.IntegerField(help_text="Unread notifications left.")
