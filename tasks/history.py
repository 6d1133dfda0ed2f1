"""The task page's activity history: Activity rows described for people (who, which
field old → new, when), newest first, one page at a time.

Names of assignees and projects named in a page of changes are read in one query each
(never one per row); a project the reader is not a member of is not named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator

from projects import roles
from tasks.comments import task_activity
from tasks.models import Activity, Status

PAGE_SIZE = 20
LABELS = {
    "title": "title",
    "description": "description",
    "status": "status",
    "priority": "priority",
    "due_date": "due date",
    "due_time": "due time",
    "tags": "tags",
    "repeat": "repeat",
    "repeat_from": "repeat from",
    "project": "project",
    "assignee": "assignee",
    "completed_at": "completed",
    "column": "column",
    "position": "position",
    "checklist": "checklist",
    "checklist_order": "checklist order",
}
# Changes are listed in this order whatever order the backend kept the JSON keys in
# (PostgreSQL's jsonb sorts keys by length, SQLite keeps insertion order).
ORDER = {field: index for index, field in enumerate(LABELS)}
# Shown as "changed", not old → new: long, or meaningless to people.
OPAQUE = {"description", "position", "completed_at", "comment", "checklist_order"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str
    opaque: bool


@dataclass(frozen=True)
class Entry:
    activity: Activity
    changes: list[Change]


def _text(field: str, value: Any, names: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "nobody" if field == "assignee" else "—"
    if field in ("assignee", "project"):
        return names.get(str(value), "someone" if field == "assignee" else "another project")
    if field == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def task_history(user: Any, task_id: str, page_number: Any) -> Page:
    """One page of the task's activity (the caller checked the user may see the task),
    with ``page.entries`` described. Four queries at most: count, page, user names,
    project names."""
    page = Paginator(task_activity(task_id), PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    user_ids: set[str] = set()
    project_ids: set[str] = set()
    for row in rows:
        for field, pair in (row.changes or {}).items():
            target = {"assignee": user_ids, "project": project_ids}.get(field)
            if target is not None and isinstance(pair, list):
                target.update(str(v) for v in pair if v)
    names: dict[str, str] = {}
    if user_ids:
        for member in get_user_model().objects.filter(pk__in=user_ids).only("id", "name", "email"):
            names[str(member.pk)] = member.get_full_name()
    if project_ids:
        visible = roles.visible_projects(user).filter(pk__in=project_ids).only("id", "name")
        names.update({str(p.pk): p.name for p in visible})
    page.entries = [
        Entry(
            activity=row,
            changes=[
                Change(
                    field=LABELS.get(field, field.replace("_", " ")),
                    old=_text(field, pair[0], names) if isinstance(pair, list) else "",
                    new=_text(field, pair[1], names) if isinstance(pair, list) else "",
                    opaque=field in OPAQUE or not isinstance(pair, list) or len(pair) != 2,
                )
                for field, pair in sorted(
                    (row.changes or {}).items(), key=lambda item: ORDER.get(item[0], len(ORDER))
                )
                if row.action == Activity.Action.UPDATED
            ],
        )
        for row in rows
    ]
    return page
