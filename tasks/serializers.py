from __future__ import annotations

from typing import Any

from rest_framework import serializers

from taskflow.ids import ID_LENGTH
from tasks.models import DESCRIPTION_MAX, TAG_MAX_LENGTH, TAGS_MAX, TITLE_MAX, Priority, Status
from tasks.services import BULK_MAX_IDS


class PriorityField(serializers.ChoiceField):
    """Speaks "low" / "medium" / "high"; stores Priority's integers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[p.api_name for p in Priority], **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return Priority.from_name(super().to_internal_value(data)).value

    def to_representation(self, value: Any) -> str:
        return Priority(value).api_name


class TaskSerializer(serializers.Serializer):
    """Input validation of types and sizes; the business rules live in services."""

    id = serializers.CharField(read_only=True)
    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False, default=Status.TODO)
    priority = PriorityField(required=False, default=Priority.MEDIUM.value)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH, allow_blank=False),
        max_length=TAGS_MAX,
        required=False,
        default=list,
    )
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class BulkActionSerializer(serializers.Serializer):
    ACTIONS = ("set_status", "delete")

    ids = serializers.ListField(
        child=serializers.CharField(max_length=ID_LENGTH),
        allow_empty=False,
        max_length=BULK_MAX_IDS,
    )
    action = serializers.ChoiceField(choices=ACTIONS)
    status = serializers.ChoiceField(choices=Status.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "set_status" and "status" not in attrs:
            raise serializers.ValidationError({"status": "Required for set_status."})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class CountsByStatusSerializer(serializers.Serializer):
    todo = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()


class CountsByPrioritySerializer(serializers.Serializer):
    low = serializers.IntegerField()
    medium = serializers.IntegerField()
    high = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = CountsByStatusSerializer()
    by_priority = CountsByPrioritySerializer()
    overdue = serializers.IntegerField()
    due_today = serializers.IntegerField()
    completed_last_7_days = serializers.IntegerField()
