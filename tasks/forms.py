"""HTML forms for tasks: input shapes only; tasks.services validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from taskflow.ids import ID_LENGTH
from tasks import recurrence
from tasks.exchange import FORMATS
from tasks.filters import ORDERING_FIELDS
from tasks.models import (
    DESCRIPTION_MAX,
    REPEAT_MAX,
    SAVED_FILTER_NAME_MAX,
    SAVED_FILTER_QUERY_MAX,
    TAG_MAX_LENGTH,
    TAGS_MAX,
    TITLE_MAX,
    Priority,
    RepeatFrom,
    Status,
    Task,
)
from tasks.services import BULK_MAX_IDS

PRIORITY_CHOICES = [(p.api_name, p.api_name.capitalize()) for p in Priority]
SORT_LABELS = {
    "created_at": "Created",
    "updated_at": "Updated",
    "due_date": "Due date",
    "priority": "Priority",
    "title": "Title",
}
SORT_CHOICES = [
    (f"{sign}{field}", f"{SORT_LABELS[field]} {arrow}")
    for field in ORDERING_FIELDS
    for sign, arrow in (("-", "(newest/highest first)"), ("", "(oldest/lowest first)"))
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class TaskForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-markdown": "description-preview"}),
        help_text="Markdown: **bold**, _italic_, - lists, [links](https://example.com).",
    )
    status = forms.ChoiceField(choices=Status.choices, initial=Status.TODO)
    priority = forms.ChoiceField(choices=PRIORITY_CHOICES, initial=Priority.MEDIUM.api_name)
    due_date = forms.DateField(required=False, widget=DateInput())
    due_time = forms.TimeField(
        required=False, widget=TimeInput(), help_text="Optional; needs a due date."
    )
    # A <select> of common rules (plus the task's own, if it is another): the API and
    # quick add take any rule tasks.recurrence accepts.
    repeat = forms.CharField(required=False, max_length=REPEAT_MAX, widget=forms.Select())
    repeat_from = forms.ChoiceField(
        label="Repeat from",
        choices=RepeatFrom.choices,
        initial=RepeatFrom.DUE,
        required=False,
        help_text="The next occurrence counts from the due date or from when you complete it.",
    )
    tags = forms.CharField(
        required=False,
        max_length=(TAG_MAX_LENGTH + 2) * TAGS_MAX,
        help_text=f"Comma-separated, at most {TAGS_MAX}.",
    )
    # Choices come from the permission layer (projects where the user is an editor,
    # their editors): see __init__. The services check the pair again on save.
    project = forms.ChoiceField(required=False, help_text="Projects where you may add tasks.")
    assignee = forms.ChoiceField(
        required=False, help_text="A member of the project with role editor or above."
    )
    # The version the user opened; a concurrent edit makes the save fail visibly.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    @classmethod
    def for_task(cls, task: Task, *, user: Any) -> TaskForm:
        return cls(
            user=user,
            task=task,
            initial={
                "project": task.project_id,
                "assignee": task.assignee_id or "",
                "title": task.title,
                "description": task.description,
                "status": task.status,
                "priority": task.priority_name,
                "due_date": task.due_date,
                "due_time": task.due_time,
                "tags": ", ".join(task.tags),
                "repeat": task.repeat,
                "repeat_from": task.repeat_from,
                "version": task.version,
            },
        )

    def __init__(
        self, *args: Any, user: Any = None, task: Task | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_project_choices(user, task)
        current = self.data.get("repeat") if self.is_bound else self.initial.get("repeat")
        choices = list(recurrence.PRESETS)
        if current and current not in dict(choices):
            choices.append((current, recurrence.describe(current) or current))
        self.fields["repeat"].widget.choices = choices

    def _set_project_choices(self, user: Any, task: Task | None) -> None:
        from projects import selectors as project_selectors

        if user is None:
            self.fields["project"].choices = []
            self.fields["assignee"].choices = [("", "Nobody")]
            return
        projects = sorted(
            project_selectors.editable_projects(user).only("id", "name", "inbox_owner_id"),
            key=lambda p: (not p.is_inbox, p.name.casefold()),
        )
        choices = [(p.pk, p.name) for p in projects]
        if task is not None and task.project_id not in {pk for pk, _ in choices}:
            # e.g. an archived project: the task may stay where it is.
            choices.insert(0, (task.project_id, task.project.name))
        self.fields["project"].choices = choices
        chosen = task.project_id if task is not None else self.initial.get("project")
        members = project_selectors.assignable_members(
            user, project_id=chosen if chosen in {pk for pk, _ in choices} else None
        )
        self.fields["assignee"].choices = [("", "Nobody")] + [
            (member.pk, member.get_full_name()) for member in members
        ]

    def changes(self) -> dict[str, Any]:
        """The cleaned values in the shape tasks.services expects."""
        data = self.cleaned_data
        project = {"project_id": data["project"]} if data.get("project") else {}
        return {
            **project,
            "assignee_id": data.get("assignee") or None,
            "title": data["title"],
            "description": data["description"],
            "status": data["status"],
            "priority": Priority.from_name(data["priority"]).value,
            "due_date": data["due_date"],
            "due_time": data["due_time"],
            "repeat": data["repeat"],
            "repeat_from": data["repeat_from"] or RepeatFrom.DUE,
            # Comma-separated text becomes a list; services.clean_tags normalises it.
            "tags": data["tags"].split(","),
        }


class QuickStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class BulkForm(forms.Form):
    ACTIONS = [("set_status", "Set status"), ("delete", "Delete")]

    ids = forms.MultipleChoiceField(required=True, error_messages={"required": "Select tasks."})
    action = forms.ChoiceField(choices=ACTIONS)
    status = forms.ChoiceField(choices=Status.choices, required=False)
    confirmed = forms.BooleanField(required=False)

    def clean_ids(self) -> list[str]:
        ids = self.cleaned_data["ids"]
        if len(ids) > BULK_MAX_IDS:
            raise forms.ValidationError(f"Select at most {BULK_MAX_IDS} tasks.")
        return ids

    def valid_value(self, value: str) -> bool:
        return 0 < len(value) <= ID_LENGTH

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id shape is accepted here; the selector decides which ids are the user's.
        self.fields["ids"].valid_value = self.valid_value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "set_status" and not data.get("status"):
            self.add_error("status", "Choose a status.")
        return data


class ImportForm(forms.Form):
    # The page imports in the request; bigger files belong to `manage.py import_tasks`.
    MAX_BYTES = 2 * 1024 * 1024
    MAX_ROWS = 5_000
    # Uploads per user (django-ratelimit, the shared "ratelimit" cache): an import holds
    # a worker for about 5 s at 5,000 rows (docs/performance.md, "Import of a 5,000-row file").
    RATE = "10/h"

    file = forms.FileField(
        help_text="A CSV or JSON file in TaskFlow's export format, at most 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        fmt = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if fmt not in FORMATS:
            raise forms.ValidationError("Choose a .csv or .json file.")
        upload.format = fmt
        return upload


class SavedFilterForm(forms.Form):
    """ "Save this filter" on the list: a name and the list's query (tasks.saved_filters
    checks the query with the list's FilterSet)."""

    name = forms.CharField(
        label="Name", max_length=SAVED_FILTER_NAME_MAX, help_text="e.g. “Due this week”."
    )
    query = forms.CharField(
        max_length=SAVED_FILTER_QUERY_MAX, required=False, widget=forms.HiddenInput
    )
    pinned = forms.BooleanField(label="Pin to the menu bar", required=False)


class SavedFilterEditForm(forms.Form):
    """Rename, pin or unpin one saved filter (fields left out keep their value)."""

    name = forms.CharField(label="Name", max_length=SAVED_FILTER_NAME_MAX, required=False)
    pinned = forms.TypedChoiceField(
        choices=[("true", "pinned"), ("false", "not pinned")],
        coerce=lambda value: value == "true",
        required=False,
        empty_value=None,
    )
