"""tasks.exchange: CSV/JSON export records, formula neutralising, import parsing."""

from __future__ import annotations

import json

import pytest

from tasks import exchange, services
from tasks.models import Priority, Status, Task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert exchange.neutralise_cell(value) == expected


def test_csv_export_round_trips_through_import(user, other_user):
    services.task_create(
        actor=user,
        title="=danger",
        description="line1\nline2, with comma",
        status=Status.DONE,
        priority=Priority.HIGH,
        tags=["-minus", "b"],
    )
    data = "".join(exchange.stream(Task.objects.filter(owner=user), "csv")).encode()
    report = exchange.import_tasks(other_user, exchange.read_rows(data, "csv"))
    assert (report.created, report.errors) == (1, [])
    copy = Task.objects.get(owner=other_user)
    assert (copy.title, copy.description, copy.status, copy.priority, copy.tags) == (
        "=danger",
        "line1\nline2, with comma",
        Status.DONE,
        Priority.HIGH,
        ["-minus", "b"],
    )


def test_json_export_is_valid_json_in_creation_order(user):
    for title in ("one", "two", "three"):
        services.task_create(actor=user, title=title)
    records = json.loads("".join(exchange.stream(Task.objects.filter(owner=user), "json")))
    assert [r["title"] for r in records] == ["one", "two", "three"]
    assert set(records[0]) == set(exchange.COLUMNS)


def test_empty_json_export_is_an_empty_list(user):
    assert json.loads("".join(exchange.stream(Task.objects.none(), "json"))) == []


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"\xff\xfe\x00garbage", "csv"),
        (b"{not json", "json"),
        (b'{"title": "x"}', "json"),
        (b"name,notes\nx,y\n", "csv"),
        (b"", "csv"),
        (b"title\nx\n", "xml"),
    ],
)
def test_unreadable_files_are_import_file_errors(data, fmt):
    with pytest.raises(exchange.ImportFileError):
        list(exchange.read_rows(data, fmt))


def test_import_reports_bad_rows_and_keeps_good_ones(user):
    data = (
        b"title,status,priority,due_date,tags\n"
        b"good,todo,low,2030-01-02,a\n"
        b",todo,low,,\n"
        b"bad status,later,,,\n"
        b"bad priority,,urgent,,\n"
        b"bad date,,,2030-02-30,\n"
        b'too many tags,,,,"1,2,3,4,5,6,7,8,9,10,11"\n'
        b"also good,done,HIGH,,\n"
    )
    report = exchange.import_tasks(user, exchange.read_rows(data, "csv"))
    assert report.created == 2
    assert [error.split(":")[0] for error in report.errors] == [
        "row 3",
        "row 4",
        "row 5",
        "row 6",
        "row 7",
    ]
    assert sorted(Task.objects.values_list("title", flat=True)) == ["also good", "good"]


def test_json_import_reports_non_objects_and_wrong_types(user):
    data = json.dumps(
        [{"title": "ok"}, "text", {"title": 5}, {"title": "x", "tags": "a,b"}, {}]
    ).encode()
    report = exchange.import_tasks(user, exchange.read_rows(data, "json"))
    assert report.created == 2
    assert [error.split(":")[0] for error in report.errors] == ["row 2", "row 3", "row 5"]


def test_import_progress_is_called_per_row(user):
    seen = []
    data = b"title\na\nb\nc\n"
    exchange.import_tasks(user, exchange.read_rows(data, "csv"), progress=seen.append)
    assert seen == [2, 3, 4]
