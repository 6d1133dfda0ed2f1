"""tasks.exchange: CSV/JSON export records, formula neutralising, import parsing."""

from __future__ import annotations

import json

import pytest

from tasks import exchange, services
from tasks.models import Priority, Status, Task, TaskTag

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
    data = "".join(exchange.stream(Task.objects.filter(owner=user), "csv", user=user)).encode()
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
    records = json.loads(
        "".join(exchange.stream(Task.objects.filter(owner=user), "json", user=user))
    )
    assert [r["title"] for r in records] == ["one", "two", "three"]
    assert set(records[0]) == set(exchange.COLUMNS)


def test_empty_json_export_is_an_empty_list(user):
    assert json.loads("".join(exchange.stream(Task.objects.none(), "json", user=user))) == []


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


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(user):
    # Before: the good rows were imported and the bad ones reported (half a file).
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
    assert report.created == 0
    assert [error.split(":")[0] for error in report.errors] == [
        "row 3",
        "row 4",
        "row 5",
        "row 6",
        "row 7",
    ]
    assert not Task.objects.exists()


def test_json_import_reports_non_objects_and_wrong_types(user):
    data = json.dumps(
        [{"title": "ok"}, "text", {"title": 5}, {"title": "x", "tags": "a,b"}, {}]
    ).encode()
    report = exchange.import_tasks(user, exchange.read_rows(data, "json"))
    assert report.created == 0
    assert [error.split(":")[0] for error in report.errors] == ["row 2", "row 3", "row 5"]
    assert not Task.objects.exists()


# Each of these was stored (NUL, surrogate) or answered 500 before; the API refuses
# the same values, so the importer must too.
BAD_JSON_ROWS = {
    "NUL in title": ([{"title": "a\u0000b"}], "row 1: title: Null characters are not allowed."),
    "NUL in tag": ([{"title": "a", "tags": ["x\u0000"]}], "row 1: tags: Null characters"),
    "lone surrogate": ([{"title": "a\ud800b"}], "row 1: title: Surrogate characters"),
    "title too long": ([{"title": "t" * 201}], "row 1: title: Ensure this field has no more"),
    "tag too long": ([{"title": "a", "tags": ["t" * 33]}], "row 1: tags: Ensure this field"),
    "id too long": ([{"title": "a", "id": "i" * 27}], "row 1: id: Ensure this field"),
    "nested tags": ([{"title": "a", "tags": [["x"]]}], "row 1: tags: Not a valid string."),
}


@pytest.mark.parametrize(("records", "error"), BAD_JSON_ROWS.values(), ids=BAD_JSON_ROWS.keys())
def test_json_rows_are_validated_like_the_api(user, records, error):
    # json.dumps with ensure_ascii writes \ud800 as an escape, as a hostile file would.
    good = [{"title": "fine"}, {"title": "also fine"}]
    data = json.dumps(good + records).encode()
    report = exchange.import_tasks(user, exchange.read_rows(data, "json"))
    assert len(report.errors) == 1
    assert report.errors[0].replace("row 3", "row 1").startswith(error)
    assert not Task.objects.exists()


def test_csv_nul_byte_is_a_row_error(user):
    report = exchange.import_tasks(user, exchange.read_rows(b"title\nok\na\x00b\n", "csv"))
    assert report.errors == ["row 3: title: Null characters are not allowed."]
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in json.loads
        b'[{"title": "x", "priority": ' + b"9" * 5000 + b"}]",  # int's digit limit
    ],
    ids=["deeply nested", "5,000-digit number"],
)
def test_unparseable_json_is_a_file_error(user, data):
    with pytest.raises(exchange.ImportFileError, match="Invalid JSON"):
        list(exchange.read_rows(data, "json"))


def test_csv_with_an_unterminated_quote_is_rejected_whole(user):
    # Before: one task whose title ran from the quote to the end of the file.
    data = b'title,description\nfirst,ok\n"second,oops\nthird,x\n'
    with pytest.raises(exchange.ImportFileError, match="Invalid CSV"):
        list(exchange.read_rows(data, "csv"))


def test_csv_row_with_more_cells_than_the_header_is_a_row_error(user):
    report = exchange.import_tasks(user, exchange.read_rows(b"title\na\nb,c\n", "csv"))
    assert report.errors == ["row 3: 2 cells, the header has 1"]


def test_row_limit_is_a_file_error():
    with pytest.raises(exchange.ImportFileError, match="At most 2 tasks"):
        list(exchange.read_rows(b"title\na\nb\nc\n", "csv", max_rows=2))
    with pytest.raises(exchange.ImportFileError, match="At most 2 tasks"):
        list(exchange.read_rows(b'[{"title":"a"},{"title":"b"},{"title":"c"}]', "json", max_rows=2))


# --- Re-import ----------------------------------------------------------------------------


def _export(owner, fmt="json") -> bytes:
    return "".join(exchange.stream(Task.objects.filter(owner=owner), fmt, user=owner)).encode()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_reimporting_own_export_skips_every_row(user, fmt):
    # Before: importing the same export again doubled every task.
    services.task_create(actor=user, title="one", tags=["a"])
    services.task_create(actor=user, title="two")
    data = _export(user, fmt)
    report = exchange.import_tasks(user, exchange.read_rows(data, fmt))
    assert (report.created, report.skipped, report.errors) == (0, 2, [])
    assert Task.objects.count() == 2


def test_import_into_another_account_twice_creates_once(user, other_user):
    services.task_create(actor=user, title="one", tags=["a"])
    data = _export(user)
    first = exchange.import_tasks(other_user, exchange.read_rows(data, "json"))
    second = exchange.import_tasks(other_user, exchange.read_rows(data, "json"))
    assert (first.created, first.skipped, second.created, second.skipped) == (1, 0, 0, 1)
    original, copy = Task.objects.get(owner=user), Task.objects.get(owner=other_user)
    # Another user's id is never reused: the copy has its own id, the original is intact.
    assert copy.pk != original.pk
    assert (original.title, original.version) == ("one", 1)
    assert list(copy.tag_links.values_list("name", flat=True)) == ["a"]


def test_reimport_after_deleting_for_good_restores_once(user):
    task, _ = services.task_create(actor=user, title="one")
    data = _export(user)
    services.task_delete_permanently(actor=user, task=task)
    assert exchange.import_tasks(user, exchange.read_rows(data, "json")).created == 1
    assert exchange.import_tasks(user, exchange.read_rows(data, "json")).skipped == 1
    assert Task.objects.get().title == "one"


def test_an_id_of_another_users_task_is_not_touched_nor_revealed(user, other_user):
    theirs, _ = services.task_create(actor=other_user, title="secret")
    missing = "0" * 26
    records = [{"id": theirs.pk, "title": "mine"}, {"id": missing, "title": "mine too"}]
    report = exchange.import_tasks(user, exchange.read_rows(json.dumps(records).encode(), "json"))
    assert (report.created, report.skipped) == (2, 0)  # the same for both ids
    theirs.refresh_from_db()
    assert (theirs.owner_id, theirs.title, theirs.version) == (other_user.pk, "secret", 1)
    mine = set(Task.objects.filter(owner=user).values_list("pk", flat=True))
    assert mine == {
        services.imported_task_id(user, theirs.pk),
        services.imported_task_id(user, missing),
    }


def test_repeated_ids_within_a_file_import_once(user):
    records = [{"id": "A" * 26, "title": "x"}, {"id": "A" * 26, "title": "x"}]
    report = exchange.import_tasks(user, exchange.read_rows(json.dumps(records).encode(), "json"))
    assert (report.created, report.skipped) == (1, 1)


def test_import_keeps_the_file_order_and_tags(user):
    data = b'title,tags\nfirst,"a,b"\nsecond,\nthird,c\n'
    assert exchange.import_tasks(user, exchange.read_rows(data, "csv")).created == 3
    oldest_first = Task.objects.order_by("created_at", "pk")
    assert [t.title for t in oldest_first] == ["first", "second", "third"]
    assert sorted(TaskTag.objects.values_list("name", flat=True)) == ["a", "b", "c"]


def test_import_progress_is_called_per_row(user):
    seen = []
    data = b"title\na\nb\nc\n"
    exchange.import_tasks(user, exchange.read_rows(data, "csv"), progress=seen.append)
    assert seen == [2, 3, 4]


def test_import_query_count_does_not_grow_with_rows(user, django_assert_max_num_queries):
    # Before: three or more queries per row (insert, tag read, tag insert) and a stats
    # invalidation per row; a 5,000-row file held a worker for 17 s.
    records = [{"id": f"{n:026d}", "title": f"t{n}", "tags": ["a", "b"]} for n in range(400)]
    data = json.dumps(records).encode()
    # Batched now: a few lookups of known ids, inserts of as many rows as the database
    # takes per statement (SQLite: ~90 tasks) for tasks, tags and activity rows (the
    # write path records one per created task, in bulk), one savepoint. 21 measured;
    # + 14 once per project for the board (issue 12): the Inbox's default columns, made
    # on first use (a check, three inserts in savepoints, the re-read) and the column's end;
    # + 12 for the stats counters (tasks.counters): three rows (total, status, priority),
    # each an update, then an insert in a savepoint the first time (on SQLite one update
    # for the three, in a savepoint, then the three inserts). Per counter, not row.
    with django_assert_max_num_queries(50):
        report = exchange.import_tasks(user, exchange.read_rows(data, "json"))
    assert report.created == 400
    assert TaskTag.objects.count() == 800
