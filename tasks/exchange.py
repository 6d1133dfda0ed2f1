"""CSV and JSON export/import of tasks, shared by the API, the pages and commands."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.dateparse import parse_date

from tasks.models import Priority, Status, Task

COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "tags",
    "completed_at",
    "created_at",
    "updated_at",
)
FORMATS = ("csv", "json")
IMPORT_MAX_ROWS = 100_000
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def task_record(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": Priority(task.priority).api_name,
        "due_date": task.due_date.isoformat() if task.due_date else None,
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
        row.append(neutralise_cell("" if value is None else str(value)))
    return row


def _ordered(tasks: QuerySet[Task]) -> Iterator[Task]:
    return tasks.order_by("created_at", "pk").iterator(chunk_size=500)


def stream_csv(tasks: QuerySet[Task]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for task in _ordered(tasks):
        writer.writerow(_csv_row(task_record(task)))
        yield flush()


def stream_json(tasks: QuerySet[Task]) -> Iterator[str]:
    yield "["
    first = True
    for task in _ordered(tasks):
        yield ("" if first else ",") + "\n" + json.dumps(task_record(task), ensure_ascii=False)
        first = False
    yield "\n]\n"


def stream(tasks: QuerySet[Task], fmt: str) -> Iterator[str]:
    return stream_csv(tasks) if fmt == "csv" else stream_json(tasks)


# --- Import ---------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, not UTF-8, bad header)."""


@dataclass
class ImportRow:
    line: int
    fields: dict[str, Any]


@dataclass
class ImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)


def _unneutralise(value: str) -> str:
    if value.startswith("'") and value[1:2] in _FORMULA_PREFIXES and value[1:2]:
        return value[1:]
    return value


def _row_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one exported record back to task_create() arguments."""
    fields: dict[str, Any] = {"title": _text(raw.get("title"), "title")}
    if raw.get("description") not in (None, ""):
        fields["description"] = _text(raw["description"], "description")
    if raw.get("status") not in (None, ""):
        status = _text(raw["status"], "status").strip()
        if status not in Status.values:
            raise ValidationError({"status": f"'{status}' is not one of {Status.values}."})
        fields["status"] = status
    if raw.get("priority") not in (None, ""):
        name = _text(raw["priority"], "priority").strip().lower()
        if name.upper() not in Priority.names:
            raise ValidationError({"priority": f"'{name}' is not one of low, medium, high."})
        fields["priority"] = Priority.from_name(name)
    if raw.get("due_date") not in (None, ""):
        fields["due_date"] = _date(_text(raw["due_date"], "due_date").strip())
    tags = raw.get("tags")
    if isinstance(tags, str):
        tags = _unneutralise(tags).split(",")
    if tags not in (None, ""):
        fields["tags"] = tags
    return fields


def _date(value: str) -> Any:
    try:
        # parse_date returns None for a malformed value, raises for 2024-13-45.
        due = parse_date(value)
    except ValueError:
        due = None
    if due is None:
        raise ValidationError({"due_date": f"'{value[:40]}' is not a YYYY-MM-DD date."})
    return due


def _text(value: Any, name: str) -> str:
    if value is None:
        raise ValidationError({name: "This field is required."})
    if not isinstance(value, str):
        raise ValidationError({name: "Expected text."})
    return _unneutralise(value)


def read_rows(data: bytes, fmt: str) -> Iterator[ImportRow]:
    """Parse a CSV or JSON export; yields rows, raises ImportFileError for the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"The file is not UTF-8 text ({exc.reason}).") from None
    if fmt == "json":
        yield from _json_rows(text)
    elif fmt == "csv":
        yield from _csv_rows(text)
    else:
        raise ImportFileError(f"Unknown format '{fmt}'; use csv or json.")


def _json_rows(text: str) -> Iterable[ImportRow]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"Invalid JSON: {exc.msg} (line {exc.lineno}).") from None
    if not isinstance(records, list):
        raise ImportFileError("The JSON file must hold a list of task objects.")
    if len(records) > IMPORT_MAX_ROWS:
        raise ImportFileError(f"At most {IMPORT_MAX_ROWS} tasks per file.")
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield ImportRow(index, {"__error__": "not an object"})
        else:
            yield ImportRow(index, record)


def _csv_rows(text: str) -> Iterable[ImportRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ImportFileError(f"Invalid CSV: {exc}.") from None
    if not header or "title" not in header:
        raise ImportFileError("The CSV header must include a 'title' column.")
    try:
        for index, record in enumerate(reader, start=2):
            if index - 1 > IMPORT_MAX_ROWS:
                raise ImportFileError(f"At most {IMPORT_MAX_ROWS} tasks per file.")
            yield ImportRow(index, record)
    except csv.Error as exc:
        raise ImportFileError(f"Invalid CSV near line {reader.line_num}: {exc}.") from None


def import_tasks(actor: Any, rows: Iterable[ImportRow], *, progress: Any = None) -> ImportReport:
    """Create a task per valid row, by and for ``actor``; invalid rows are reported,
    never half-written."""
    from tasks.services import task_create

    report = ImportReport()
    for row in rows:
        try:
            if "__error__" in row.fields:
                raise ValidationError(row.fields["__error__"])
            task_create(actor=actor, **_row_fields(row.fields))
            report.created += 1
        except ValidationError as exc:
            detail = (
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            )
            report.errors.append(f"row {row.line}: {detail}")
        if progress is not None:
            progress(row.line)
    return report
