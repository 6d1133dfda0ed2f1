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
from rest_framework import serializers

from taskflow.ids import ID_LENGTH
from tasks.models import Priority, Task
from tasks.serializers import TaskSerializer

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
    """An API task body plus the id the row was exported under (optional)."""

    id = serializers.CharField(max_length=ID_LENGTH, required=False, allow_blank=True)


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
    tags = raw.get("tags")
    if isinstance(tags, str):
        # A CSV cell "a,b"; empty pieces (a trailing comma) are no tags, as in forms.
        tags = [tag for tag in _unneutralise(tags).split(",") if tag.strip()]
    if tags not in (None, ""):
        body["tags"] = tags
    return body


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
    return "; ".join(f"{k}: {' '.join(_flat(v))}" for k, v in detail.items())


def _flat(value: Any) -> list[str]:
    """DRF's error detail (lists, dicts per list item) as plain strings."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _flat(item)]
    if isinstance(value, list):
        return [text for item in value for text in _flat(item)]
    return [str(value)]


def import_tasks(actor: Any, rows: Iterable[ImportRow], *, progress: Any = None) -> ImportReport:
    """Import every row or none: a report with the rows created and skipped, or with
    one error per bad row (``row N: field: message``) and nothing written."""
    from tasks.services import ImportRowsInvalid, WriteConflict, tasks_import

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
    try:
        report.created, report.skipped = tasks_import(actor=actor, rows=data.validated_data)
    except ImportRowsInvalid as exc:
        report.errors = [f"row {lines[i]}: {_message(e)}" for i, e in sorted(exc.errors.items())]
    except WriteConflict as exc:
        raise ImportFileError(str(exc)) from None
    return report
