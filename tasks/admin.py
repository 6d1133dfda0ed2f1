"""Admin for tasks. What it lists comes from the permission layer
(``permissions.operator_tasks``): superusers (operators) see and change every task,
other staff only their own. Every write goes through tasks.services with
``actor=request.user``, so version, completed_at, tag rows, the stats versions and
the write event stay right, and the operator is recorded as the one who wrote.

Trashed tasks (SPEC §12) stay listed for operators (operator_tasks decides, as for
every row) but read as such: an "In trash" filter, a marker in the list and a
read-only "Trash" line on the change page saying since when and by whom."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from tasks import permissions, services
from tasks.models import Activity, Priority, Task

# The model's priority labels are the API's lower-case names (and live in migrations);
# people read them capitalised, as the pages show them.
PRIORITY_CHOICES = [(p.value, p.api_name.capitalize()) for p in Priority]

READONLY_FIELDS = (
    "id",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
    "idempotency_key",
    "idempotency_fingerprint",
)


class TaskAdminForm(forms.ModelForm):
    priority = forms.TypedChoiceField(
        choices=PRIORITY_CHOICES, coerce=int, initial=Priority.MEDIUM.value
    )
    tags = forms.CharField(
        required=False, help_text="Comma-separated; at most 10, each up to 32 characters."
    )

    class Meta:
        model = Task
        fields = ("owner", "title", "description", "status", "priority", "due_date", "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bound or not: the change check compares the posted text with this text.
        self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> list[str]:
        try:
            return services.clean_tags(self.cleaned_data.get("tags"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["tags"]) from None


def _copy_into(source: Task, target: Task) -> None:
    """The admin keeps using the instance it built; give it the saved state."""
    for field in Task._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db or "default"


class PriorityListFilter(admin.ChoicesFieldListFilter):
    """The priority filter with the same capitalised labels (same ?priority__exact=)."""

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        for choice in super().choices(changelist):
            yield {**choice, "display": str(choice["display"]).capitalize()}


class TrashListFilter(admin.SimpleListFilter):
    """Narrows the rows operator_tasks gave; never widens them."""

    title = "in trash"
    parameter_name = "in_trash"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> QuerySet[Task]:
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


def _moment(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    # Compact dates and a breakable owner address: with "Dec. 2, 2026, 11:55 a.m." and
    # an unbreakable email the last column was clipped at 1280 px with the sidebar open.
    list_display = ("title", "trash", "owner_email", "status", "priority_label", "due", "updated")
    list_filter = ("status", ("priority", PriorityListFilter), TrashListFilter)
    search_fields = ("title", "description", "owner__email")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    ordering = ("-created_at",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Task]:
        scoped = permissions.operator_tasks(request.user)
        return scoped.select_related(*self.list_select_related)

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_operate(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_operate(request.user, obj))

    @admin.display(description="Trash", ordering="deleted_at")
    def trash(self, obj: Task) -> str:
        if obj.deleted_at is None:
            return ""
        return format_html('<strong class="nowrap">{}</strong>', "In trash")

    @admin.display(description="Trash")
    def trash_state(self, obj: Task) -> str:
        """The change page's read-only line (a trashed task is still editable here)."""
        if obj.deleted_at is None:
            return ""
        who = obj.deleted_by.email if obj.deleted_by_id and obj.deleted_by else "someone"
        return f"In the trash since {_moment(obj.deleted_at)} (moved there by {who})."

    @admin.display(description="Owner", ordering="owner__email")
    def owner_email(self, obj: Task) -> str:
        # A long address may break before its "@" instead of widening the table.
        local, _, domain = obj.owner.email.rpartition("@")
        return format_html("{}<wbr>@{}", local, domain) if local else obj.owner.email

    @admin.display(description="Priority", ordering="priority")
    def priority_label(self, obj: Task) -> str:
        return Priority(obj.priority).api_name.capitalize()

    @admin.display(description="Due", ordering="due_date")
    def due(self, obj: Task) -> str:
        # One line: admin's own .nowrap keeps "2026-12-05" from breaking at a hyphen.
        return format_html('<span class="nowrap">{}</span>', obj.due_date) if obj.due_date else "-"

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, obj: Task) -> str:
        # Date and time may wrap between them, never inside the date.
        day, time = _moment(obj.updated_at).split()
        return format_html('<span class="nowrap">{}</span> {}', day, time)

    def get_readonly_fields(self, request: HttpRequest, obj: Task | None = None) -> Any:
        if obj is None:
            # The add form showed the unsaved instance's defaults: an id, timestamps and
            # a version that task_create then replaced. They exist once it is saved.
            return ()
        # A task never changes owner (its tag rows and caches are keyed by owner).
        return (*READONLY_FIELDS, "owner", "trash_state")

    def get_fields(self, request: HttpRequest, obj: Task | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if "trash_state" in fields:
            fields.remove("trash_state")
            if obj is not None and obj.deleted_at is not None:
                fields.insert(0, "trash_state")  # first thing an operator reads
        return fields

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        values = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            current = self.get_queryset(request).get(pk=obj.pk)
            # Compared by value: "a,b" and "a, b" are the same tags. The service skips
            # a write that changes nothing too; this only saves it the work.
            changes = {name: v for name, v in values.items() if getattr(current, name) != v}
            saved = (
                services.task_update(actor=request.user, task=current, changes=changes)
                if changes
                else current
            )
        else:
            owner = form.cleaned_data["owner"]
            if not permissions.can_create_for(request.user, owner):
                raise PermissionDenied("Only superusers create tasks for other users.")
            saved, _ = services.task_create(actor=request.user, owner=owner, **values)
        _copy_into(saved, obj)

    def delete_model(self, request: HttpRequest, obj: Task) -> None:
        # The admin deletes for good (its confirmation page says so); people's deletes
        # on pages and the API go to the trash.
        services.task_delete_permanently(actor=request.user, task=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        # The changelist selection, already within operator_tasks: one bulk write.
        services.tasks_delete_many(actor=request.user, tasks=queryset)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only: activity is written by the write path (tasks.events) alone."""

    list_display = ("created_at", "action", "task_id", "project", "actor")
    list_filter = ("action",)
    search_fields = ("task_id",)
    ordering = ("-created_at",)
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False
