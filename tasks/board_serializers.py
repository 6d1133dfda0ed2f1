"""Serializers of the board API (tasks.board_api) and of the move action (tasks.api)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects import columns
from projects.models import COLUMN_NAME_MAX, ColumnCategory
from taskflow.fields import StrictCharField
from taskflow.ids import ID_LENGTH
from tasks import board_selectors
from tasks.models import Task
from tasks.serializers import (
    AssigneeSerializer,
    ChecklistSummarySerializer,
    PriorityField,
    WallTimeField,
)


class CardSerializer(serializers.Serializer):
    """A task as the board shows it."""

    id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    priority = PriorityField()
    due_date = serializers.DateField(allow_null=True)
    due_time = WallTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    tags = serializers.ListField(child=serializers.CharField())
    assignee = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(default=0)
    checklist = ChecklistSummarySerializer(source="*", help_text="Items ticked and in all.")
    column = serializers.CharField(source="column_id", allow_null=True)
    position = serializers.CharField()
    version = serializers.IntegerField()

    @extend_schema_field(AssigneeSerializer(allow_null=True))
    def get_assignee(self, task: Task) -> dict[str, str] | None:
        # annotate_cards loaded the users (one query for the whole board).
        user = getattr(task, "assignee", None) if task.assignee_id else None
        if user is None:
            return None
        return {"id": str(user.pk), "name": user.name or user.email}


class ColumnSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = StrictCharField(max_length=COLUMN_NAME_MAX)
    category = serializers.ChoiceField(choices=ColumnCategory.choices)
    wip_limit = serializers.IntegerField(
        min_value=1, max_value=columns.WIP_LIMIT_MAX, allow_null=True, required=False
    )
    position = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    before = StrictCharField(
        max_length=ID_LENGTH, write_only=True, required=False, help_text="Place before this column."
    )
    after = StrictCharField(
        max_length=ID_LENGTH, write_only=True, required=False, help_text="Place after this column."
    )


class BoardColumnSerializer(serializers.Serializer):
    column = ColumnSerializer()
    count = serializers.IntegerField(help_text="Tasks in the column (unfiltered).")
    over_limit = serializers.BooleanField(help_text="More tasks than its WIP limit (a warning).")
    cards = CardSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="Cursor for columns/{id}/cards/; null at the end."
    )


class BoardSerializer(serializers.Serializer):
    project = serializers.CharField()
    columns = BoardColumnSerializer(many=True)


class CardPageSerializer(serializers.Serializer):
    cards = CardSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class MoveSerializer(serializers.Serializer):
    column = StrictCharField(max_length=ID_LENGTH)
    before = StrictCharField(
        max_length=ID_LENGTH, required=False, help_text="Put the card right before this task."
    )
    after = StrictCharField(
        max_length=ID_LENGTH, required=False, help_text="Put the card right after this task."
    )
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version read (or send If-Match)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError({"before": "Name before or after, not both."})
        return attrs


def card_body(task: Task) -> dict[str, Any]:
    """One card (a moved task) with its comment count and assignee."""
    board_selectors.annotate_cards([task])
    return CardSerializer(task).data
