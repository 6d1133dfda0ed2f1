from __future__ import annotations

import re
from datetime import datetime, time, tzinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taskflow.fields import IdField, StrictBooleanField, StrictCharField
from taskflow.ids import ID_LENGTH
from tasks import recurrence
from tasks.models import (
    CHECKLIST_TEXT_MAX,
    DESCRIPTION_MAX,
    REPEAT_MAX,
    TAG_MAX_LENGTH,
    TAGS_MAX,
    TITLE_MAX,
    Priority,
    RepeatFrom,
    Status,
    Task,
)
from tasks.services import BULK_MAX_IDS


class PriorityField(serializers.ChoiceField):
    """Speaks "low" / "medium" / "high"; stores Priority's integers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[p.api_name for p in Priority], **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return Priority.from_name(super().to_internal_value(data)).value

    def to_representation(self, value: Any) -> str:
        return Priority(value).api_name


TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"


@extend_schema_field(
    {"type": "string", "pattern": TIME_PATTERN, "example": "09:30", "nullable": True}
)
class WallTimeField(serializers.Field):
    """A due time as "HH:MM" (24 h, a wall-clock time in the user's zone): no seconds,
    no UTC offset, so the schema says exactly what is accepted."""

    default_error_messages = {"invalid": "Enter a time as HH:MM (24-hour)."}

    def to_internal_value(self, data: Any) -> time:
        if not isinstance(data, str) or not re.match(TIME_PATTERN, data):
            self.fail("invalid")
        hours, minutes = data.split(":")
        return time(int(hours), int(minutes))

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")


@extend_schema_field(
    {
        "type": "string",
        "maxLength": REPEAT_MAX,
        "pattern": recurrence.RRULE_PATTERN,
        "description": recurrence.HELP,
    }
)
class RepeatField(serializers.CharField):
    """The RRULE text: the schema's pattern is the grammar tasks.recurrence accepts,
    whose check (with its specific messages) runs here."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=REPEAT_MAX, allow_blank=True, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return recurrence.clean_repeat(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["repeat"]) from None


class ChecklistSummarySerializer(serializers.Serializer):
    """The checklist's "3/5": ticked items and all items."""

    done = serializers.IntegerField(source="checklist_done")
    total = serializers.IntegerField(source="checklist_total")


class TaskSerializer(serializers.Serializer):
    """A task: what to do, its state, when it is due, who does it."""

    # Input validation of types and sizes only; the business rules live in services.

    id = serializers.CharField(read_only=True)
    title = StrictCharField(max_length=TITLE_MAX)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False, default=Status.TODO)
    priority = PriorityField(required=False, default=Priority.MEDIUM.value)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    due_time = WallTimeField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        # Tags are comma-free (the HTML form and CSV imports split on commas).
        child=StrictCharField(max_length=TAG_MAX_LENGTH, forbid=","),
        max_length=TAGS_MAX,
        required=False,
        default=list,
    )
    project = StrictCharField(
        source="project_id",
        max_length=ID_LENGTH,
        required=False,
        help_text="Project id (role editor or above); default: your Inbox.",
    )
    assignee = StrictCharField(
        source="assignee_id",
        max_length=ID_LENGTH,
        required=False,
        allow_null=True,
        help_text="User id of a project member with role editor or above, or null.",
    )
    created_by = serializers.CharField(source="owner_id", read_only=True)
    repeat = RepeatField(required=False, default="")
    repeat_from = serializers.ChoiceField(
        choices=RepeatFrom.choices, required=False, default=RepeatFrom.DUE
    )
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    checklist = ChecklistSummarySerializer(
        source="*", read_only=True, help_text="Items ticked and in all (tasks/{id}/checklist/)."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # DRF's generic loop (get_attribute + to_representation per field) was ~20% of
        # a list request; this builds the same document directly. Byte-identical
        # output is pinned by tests/api/test_task_output_fast_path.py.
        if not isinstance(instance, Task):
            return super().to_representation(instance)
        return task_representation(instance)


_PRIORITY_NAMES = {p.value: p.api_name for p in Priority}


def _datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField output: ISO 8601 in the current time zone, UTC as 'Z'."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# The columns task_representation reads: a list page reads only these
# (pagination.paginate's ``fields``), as rows rather than Task instances.
TASK_OUTPUT_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "due_time",
    "tags",
    "project_id",
    "assignee_id",
    "owner_id",
    "repeat",
    "repeat_from",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
    "checklist_done",
    "checklist_total",
)


def task_representation(task: Any, zone: tzinfo | None = None) -> dict[str, Any]:
    """TaskSerializer's output for one task (a Task, or a row of TASK_OUTPUT_FIELDS),
    in the declared field order. ``zone``: the current time zone, when the caller
    serializes many tasks (reading it costs ~4 µs: asgiref's Local)."""
    due = task.due_date
    tags = task.tags
    if zone is None:
        zone = timezone.get_current_timezone()
    return {
        "id": str(task.id),
        "title": str(task.title),
        "description": str(task.description),
        "status": str(task.status),
        "priority": None if task.priority is None else _PRIORITY_NAMES[Priority(task.priority)],
        "due_date": (due if isinstance(due, str) else due.isoformat()) if due else None,
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else None,
        "tags": None if tags is None else [None if t is None else str(t) for t in tags],
        "project": None if task.project_id is None else str(task.project_id),
        "assignee": None if task.assignee_id is None else str(task.assignee_id),
        "created_by": None if task.owner_id is None else str(task.owner_id),
        "repeat": str(task.repeat),
        "repeat_from": str(task.repeat_from),
        "completed_at": _datetime(task.completed_at, zone),
        "created_at": _datetime(task.created_at, zone),
        "updated_at": _datetime(task.updated_at, zone),
        "version": None if task.version is None else int(task.version),
        "checklist": {"done": int(task.checklist_done), "total": int(task.checklist_total)},
    }


QUICK_TEXT_MAX = 500


class QuickAddSerializer(serializers.Serializer):
    text = StrictCharField(max_length=QUICK_TEXT_MAX)
    project = IdField(
        required=False,
        help_text="Project id (role editor or above); default: your Inbox. In a project, "
        "an @name that names one member who may be assigned becomes the assignee.",
    )


class AssigneeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class QuickAddPreviewSerializer(serializers.Serializer):
    """What quick add understood: the task it would save, and whom @name assigns."""

    title = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    due_time = WallTimeField(allow_null=True)
    priority = PriorityField()
    tags = serializers.ListField(child=serializers.CharField())
    repeat = serializers.CharField(allow_blank=True)
    assignee_hint = serializers.CharField(
        allow_null=True, help_text="The first @name in the text (without the @), or null."
    )
    assignee = AssigneeSerializer(
        allow_null=True,
        help_text="The project member @name names (the word leaves the title), or null.",
    )
    assignee_note = serializers.CharField(
        allow_null=True,
        help_text="Why @name stays in the title (not a member, ambiguous, a viewer, the "
        "Inbox); null when there is no @name or it was assigned.",
    )


class BulkActionSerializer(serializers.Serializer):
    ACTIONS = ("set_status", "delete", "move", "assign")

    ids = serializers.ListField(
        child=StrictCharField(max_length=ID_LENGTH),
        allow_empty=False,
        min_length=1,  # allow_empty=False alone does not reach the schema
        max_length=BULK_MAX_IDS,
    )
    action = serializers.ChoiceField(choices=ACTIONS)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    project = StrictCharField(max_length=ID_LENGTH, required=False, help_text="For move.")
    assignee = StrictCharField(
        max_length=ID_LENGTH, required=False, allow_null=True, help_text="For assign (null: none)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        required = {"set_status": "status", "move": "project", "assign": "assignee"}
        needed = required.get(attrs["action"])
        if needed and needed not in attrs:
            raise serializers.ValidationError({needed: f"Required for {attrs['action']}."})
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


# One checklist item: the checklist API's shape (tasks/checklist_api.py), here so that
# an import's items (tasks.exchange) are read by the same fields. No docstring: it
# would become the schema component's description.
class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    task = serializers.CharField(source="task_id", read_only=True)
    text = StrictCharField(max_length=CHECKLIST_TEXT_MAX)
    done = StrictBooleanField(required=False, help_text="Ticked.")
    position = serializers.CharField(
        read_only=True, help_text="Sort key: items are listed in (position, id) order."
    )
    created_at = serializers.DateTimeField(read_only=True)
