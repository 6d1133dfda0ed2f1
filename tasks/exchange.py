"""CSV and JSON export/import of tasks, shared by the API, the pages and commands.

A record carries what a user set on a task: the task's fields (with ``due_time``
"HH:MM", ``repeat`` and ``repeat_from``), its ``checklist`` (``[{"text", "done"}]`` in
order) and the exporter's own ``reminders`` (``[{"at": ISO 8601}`` or
``{"before_due_minutes": n}]``; others' reminders are theirs). In CSV those two lists
are one cell each holding the same JSON, so a cell stays one readable line per task
whatever the item texts hold (line breaks included). README.md documents the format.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from accounts.preferences import zone_for
from notifications import reminders
from notifications.models import Reminder
from notifications.serializers import ReminderSerializer
from taskflow.ids import ID_LENGTH
from tasks.models import CHECKLIST_ITEMS_MAX, ChecklistItem, Priority, Task
from tasks.serializers import ChecklistItemSerializer, TaskSerializer

COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "due_time",
    "repeat",
    "repeat_from",
    "tags",
    "checklist",
    "reminders",
    "completed_at",
    "created_at",
    "updated_at",
)
# Columns whose value is a list of objects: JSON in a CSV cell.
_LISTS = ("checklist", "reminders")
_CHUNK = 500
FORMATS = ("csv", "json")
IMPORT_MAX_ROWS = 100_000
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def task_record(task: Task) -> dict[str, Any]:
    """The task's own fields (``stream`` adds its checklist and reminders)."""
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": Priority(task.priority).api_name,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else None,
        "repeat": task.repeat,
        "repeat_from": task.repeat_from,
        "tags": list(task.tags),
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "created_at": task.created_at.isoformat(),
        "updated_at": task.updated_at.isoformat(),
    }


def neutralise_cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def _csv_row(record: dict[str, Any]) -> list[str]:
    row = []
    for column in COLUMNS:
        value = record[column]
        if column == "tags":
            value = ",".join(value)
        elif column in _LISTS:
            value = json.dumps(value, ensure_ascii=False) if value else ""
        row.append(neutralise_cell("" if value is None else str(value)))
    return row


def _reminder_record(reminder: Reminder) -> dict[str, Any]:
    if reminder.at is None:
        return {"before_due_minutes": reminder.before_due_minutes}
    text = reminder.at.astimezone(UTC).isoformat()
    return {"at": text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text}


def _records(tasks: QuerySet[Task], user: Any) -> Iterator[dict[str, Any]]:
    """Full records, oldest first: per chunk of tasks, one query for their checklist
    items and one for ``user``'s reminders on them."""
    chunk: list[Task] = []
    for task in tasks.order_by("created_at", "pk").iterator(chunk_size=_CHUNK):
        chunk.append(task)
        if len(chunk) == _CHUNK:
            yield from _chunk_records(chunk, user)
            chunk = []
    yield from _chunk_records(chunk, user)


def _chunk_records(chunk: list[Task], user: Any) -> Iterator[dict[str, Any]]:
    if not chunk:
        return
    ids = [task.pk for task in chunk]
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = ChecklistItem.objects.filter(task_id__in=ids).order_by("task_id", "position", "id")
    for task_id, text, done in rows.values_list("task_id", "text", "done"):
        items[task_id].append({"text": text, "done": done})
    own: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for reminder in Reminder.objects.filter(task_id__in=ids, user_id=user.pk).order_by(
        "created_at", "id"
    ):
        own[reminder.task_id].append(_reminder_record(reminder))
    for task in chunk:
        yield {**task_record(task), "checklist": items[task.pk], "reminders": own[task.pk]}


def stream_csv(tasks: QuerySet[Task], user: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for record in _records(tasks, user):
        writer.writerow(_csv_row(record))
        yield flush()


def stream_json(tasks: QuerySet[Task], user: Any) -> Iterator[str]:
    yield "["
    first = True
    for record in _records(tasks, user):
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]\n"


def stream(tasks: QuerySet[Task], fmt: str, *, user: Any) -> Iterator[str]:
    """``tasks`` (the caller's permission-layer query) as CSV or JSON, with ``user``'s
    own reminders on them."""
    return stream_csv(tasks, user) if fmt == "csv" else stream_json(tasks, user)


# --- Import ---------------------------------------------------------------------------
#
# A file is imported whole or not at all. Every row goes through the API's own
# TaskSerializer (types, sizes, NUL and lone surrogate characters) and then the rules
# of tasks.services (tasks_import runs task_create's checks on every row before it
# writes anything). Re-importing skips rows already present: see services.tasks_import.


class ImportFileError(Exception):
    """The file cannot be imported: unreadable as a whole, or rows with errors."""


@dataclass
class ImportRow:
    line: int
    fields: dict[str, Any]


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


class ImportRowSerializer(TaskSerializer):
    """An API task body plus the id the row was exported under (optional), its
    checklist items (the checklist API's fields) and the importer's reminders (the
    reminder API's fields, and reminder_create's rules)."""

    id = serializers.CharField(max_length=ID_LENGTH, required=False, allow_blank=True)
    checklist = serializers.ListField(
        child=ChecklistItemSerializer(),
        required=False,
        default=list,
        max_length=CHECKLIST_ITEMS_MAX,
    )
    reminders = serializers.ListField(
        child=ReminderSerializer(),
        required=False,
        default=list,
        max_length=reminders.MAX_PER_TASK,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["reminders"] = reminders.clean_reminders(
                attrs.get("reminders") or [], has_due_date=attrs.get("due_date") is not None
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


def _unneutralise(value: str) -> str:
    if value.startswith("'") and value[1:2] in _FORMULA_PREFIXES and value[1:2]:
        return value[1:]
    return value


def _api_body(raw: dict[str, Any]) -> dict[str, Any]:
    """One exported record as the body the API's create would take. Exported fields
    are text (JSON: tags a list); anything else is an error here, where the API would
    coerce numbers."""
    body: dict[str, Any] = {"title": _text(raw.get("title"), "title")}
    for name in ("id", "description"):
        if raw.get(name) not in (None, ""):
            body[name] = _text(raw[name], name)
    for name in ("status", "priority", "due_date"):
        if raw.get(name) not in (None, ""):
            body[name] = _text(raw[name], name).strip()
    if "priority" in body:
        body["priority"] = body["priority"].lower()  # exports say "high"; accept "HIGH"
    for name in ("due_time", "repeat", "repeat_from"):
        if raw.get(name) not in (None, ""):
            body[name] = _text(raw[name], name).strip()
    tags = raw.get("tags")
    if isinstance(tags, str):
        # A CSV cell "a,b"; empty pieces (a trailing comma) are no tags, as in forms.
        tags = [tag for tag in _unneutralise(tags).split(",") if tag.strip()]
    if tags not in (None, ""):
        body["tags"] = tags
    for name in _LISTS:
        value = raw.get(name)
        if isinstance(value, str):
            value = _json_cell(value, name)
        if value not in (None, ""):
            body[name] = value
    return body


def _json_cell(value: str, name: str) -> Any:
    """A CSV cell holding a JSON list (empty: none)."""
    text = _unneutralise(value).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ValidationError({name: "Expected a JSON list, as an export writes it."}) from None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValidationError({name: "Expected text."})
    return _unneutralise(value)


def read_rows(data: bytes, fmt: str, *, max_rows: int = IMPORT_MAX_ROWS) -> Iterator[ImportRow]:
    """Parse a CSV or JSON export; yields rows, raises ImportFileError for the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"The file is not UTF-8 text ({exc.reason}).") from None
    if fmt == "json":
        yield from _json_rows(text, max_rows)
    elif fmt == "csv":
        yield from _csv_rows(text, max_rows)
    else:
        raise ImportFileError(f"Unknown format '{fmt}'; use csv or json.")


def _json_rows(text: str, max_rows: int) -> Iterable[ImportRow]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"Invalid JSON: {exc.msg} (line {exc.lineno}).") from None
    except RecursionError:
        raise ImportFileError("Invalid JSON: nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit limit
        raise ImportFileError(f"Invalid JSON: {str(exc)[:80]}.") from None
    if not isinstance(records, list):
        raise ImportFileError("The JSON file must hold a list of task objects.")
    if len(records) > max_rows:
        raise ImportFileError(f"At most {max_rows} tasks per file.")
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield ImportRow(index, {"__error__": "not an object"})
        else:
            yield ImportRow(index, record)


def _csv_rows(text: str, max_rows: int) -> Iterable[ImportRow]:
    # strict: an unterminated quote is an error, not one field running to the end.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ImportFileError(f"Invalid CSV: {exc}.") from None
    if not header or "title" not in header:
        raise ImportFileError("The CSV header must include a 'title' column.")
    try:
        for index, record in enumerate(reader, start=2):
            if index - 1 > max_rows:
                raise ImportFileError(f"At most {max_rows} tasks per file.")
            if None in record:  # more cells than the header has columns
                record = {
                    "__error__": f"{len(header) + len(record[None])} cells, "
                    f"the header has {len(header)}"
                }
            yield ImportRow(index, record)
    except csv.Error as exc:
        raise ImportFileError(f"Invalid CSV near line {reader.line_num}: {exc}.") from None


def _message(exc: ValidationError | serializers.ValidationError | dict) -> str:
    detail = exc if isinstance(exc, dict) else getattr(exc, "message_dict", None)
    if detail is None:
        return " ".join(exc.messages)
    return "; ".join(f"{k}: {' '.join(_flat(v, _ITEM.get(k)))}" for k, v in detail.items())


def _item_message(detail: Any) -> str:
    return _message(detail) if isinstance(detail, dict) else " ".join(_flat(detail))


# How an error inside one of a row's lists names the entry ("checklist: item 2: ...").
_ITEM = {"checklist": "item", "reminders": "reminder"}


def _flat(value: Any, entry: str | None = None) -> list[str]:
    """DRF's error detail (lists, dicts per list item) as plain strings; with ``entry``,
    a list item's errors say which item ("item 2: text: ...")."""
    if isinstance(value, dict):
        if entry is not None:
            return [
                f"{entry} {int(index) + 1}: {_item_message(detail)}"
                for index, detail in value.items()
            ]
        return [text for item in value.values() for text in _flat(item)]
    if isinstance(value, list):
        return [text for item in value for text in _flat(item)]
    return [str(value)]


def import_tasks(actor: Any, rows: Iterable[ImportRow], *, progress: Any = None) -> ImportReport:
    """Import every row or none: a report with the rows created and skipped, or with
    one error per bad row (``row N: field: message``) and nothing written. A created
    task gets its checklist in its create and the row's reminders for ``actor``."""
    # A reminder's time without an offset is in the importer's zone, as in the API.
    with timezone.override(zone_for(actor)):
        return _import(actor, rows, progress)


def _import(actor: Any, rows: Iterable[ImportRow], progress: Any) -> ImportReport:
    from tasks.services import ImportRowsInvalid, WriteConflict, tasks_import_rows

    report = ImportReport()
    lines: list[int] = []
    bodies: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    for row in rows:
        try:
            if "__error__" in row.fields:
                raise ValidationError(row.fields["__error__"])
            bodies.append(_api_body(row.fields))
            lines.append(row.line)
        except ValidationError as exc:
            errors.append((row.line, _message(exc)))
        if progress is not None:
            progress(row.line)
    # many=True: one serializer for every row (a serializer per row deep-copies its
    # fields each time, which was most of a 5,000-row import).
    data = ImportRowSerializer(data=bodies, many=True)
    if not data.is_valid():
        # DRF 3.18 maps the index of each bad row to its errors; older versions list
        # one entry per row ({} when valid).
        found = data.errors
        per_row = found.items() if isinstance(found, dict) else enumerate(found)
        errors.extend((lines[int(i)], _message(detail)) for i, detail in per_row if detail)
    report.errors = [f"row {line}: {message}" for line, message in sorted(errors)]
    if report.errors:
        return report
    valid = data.validated_data
    try:
        created, report.skipped = tasks_import_rows(actor=actor, rows=valid)
    except ImportRowsInvalid as exc:
        report.errors = [f"row {lines[i]}: {_message(e)}" for i, e in sorted(exc.errors.items())]
        return report
    except WriteConflict as exc:
        raise ImportFileError(str(exc)) from None
    report.created = len(created)
    reminders.reminders_import(
        actor=actor, tasks=[(task, valid[i]["reminders"]) for i, task in created]
    )
    return report
