"""Exports carry a task's checklist, due time, repeat rule and the exporter's own
reminders; imports read them back through the API's fields and the services' rules,
all or nothing, naming the row and field of anything wrong."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Reminder
from notifications.reminders import reminder_create
from tasks import checklists, exchange, services
from tasks.models import ChecklistItem, RepeatFrom, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(user) -> Task:
    user.timezone = "Europe/Berlin"
    user.save(update_fields=["timezone"])
    task, _ = services.task_create(
        actor=user,
        title="Weekly review",
        due_date=date(2030, 1, 11),
        due_time=time(17, 30),
        repeat="FREQ=WEEKLY;BYDAY=FR",
        repeat_from=RepeatFrom.COMPLETION,
    )
    for text in ("Inbox zero", 'Plan "next" week, with commas', "Line one\nline two"):
        _, task = checklists.checklist_item_add(actor=user, task=task, text=text)
    first = checklists.task_checklist(task).first()
    _, task = checklists.checklist_item_update(actor=user, task=task, item=first, done=True)
    reminder_create(actor=user, task=task, before_due_minutes=45)
    reminder_create(actor=user, task=task, at=datetime(2030, 1, 10, 7, 0, tzinfo=UTC))
    return task


def _export(user, fmt: str) -> bytes:
    return "".join(exchange.stream(Task.objects.filter(owner=user), fmt, user=user)).encode()


def _state(task: Task) -> dict:
    return {
        "title": task.title,
        "due": (task.due_date, task.due_time),
        "repeat": (task.repeat, task.repeat_from),
        "checklist": list(checklists.task_checklist(task).values_list("text", "done")),
        "counts": (task.checklist_total, task.checklist_done),
        "reminders": list(
            Reminder.objects.filter(task_id=task.pk)
            .order_by("created_at", "id")
            .values_list("user_id", "at", "before_due_minutes", "fire_at", "sent_at")
        ),
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_delete_import_gives_the_same_task_back(user, planned, fmt):
    before = _state(planned)
    assert before["counts"] == (3, 1)
    data = _export(user, fmt)
    services.task_delete_permanently(actor=user, task=planned)
    assert not ChecklistItem.objects.exists()
    assert not Reminder.objects.exists()

    report = exchange.import_tasks(user, exchange.read_rows(data, fmt))
    assert (report.created, report.skipped, report.errors) == (1, 0, [])
    assert _state(Task.objects.get(owner=user)) == before
    # Re-importing the same export still duplicates nothing: no task, item or reminder.
    again = exchange.import_tasks(user, exchange.read_rows(data, fmt))
    assert (again.created, again.skipped) == (0, 1)
    assert (Task.objects.count(), ChecklistItem.objects.count(), Reminder.objects.count()) == (
        1,
        3,
        2,
    )


def test_csv_keeps_one_readable_row_per_task(user, planned):
    rows = list(csv.DictReader(io.StringIO(_export(user, "csv").decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["due_time"], row["repeat"], row["repeat_from"]) == (
        "17:30",
        "FREQ=WEEKLY;BYDAY=FR",
        "completion",
    )
    assert json.loads(row["checklist"])[0] == {"text": "Inbox zero", "done": True}
    assert json.loads(row["reminders"]) == [
        {"before_due_minutes": 45},
        {"at": "2030-01-10T07:00:00Z"},
    ]


def test_another_users_reminders_stay_out_of_my_export(user, other_user):
    task, _ = services.task_create(actor=user, title="Mine", due_date=date(2030, 1, 1))
    reminder_create(actor=user, task=task, before_due_minutes=5)
    other, _ = services.task_create(actor=other_user, title="Theirs", due_date=date(2030, 1, 1))
    reminder_create(actor=other_user, task=other, before_due_minutes=5)
    mine = json.loads(_export(user, "json"))
    assert [(r["title"], r["reminders"]) for r in mine] == [("Mine", [{"before_due_minutes": 5}])]
    # The importer gets the file's reminders as their own.
    report = exchange.import_tasks(other_user, exchange.read_rows(_export(user, "json"), "json"))
    assert report.created == 1
    copy = Task.objects.get(owner=other_user, title="Mine")
    assert list(Reminder.objects.filter(task_id=copy.pk).values_list("user_id", flat=True)) == [
        other_user.pk
    ]


def test_a_reminder_already_past_is_imported_as_sent(user, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 6, 1, 12, 0, tzinfo=UTC))
    records = [
        {
            "title": "Old",
            "due_date": "2030-05-01",
            "reminders": [{"at": "2030-04-30T08:00:00Z"}, {"before_due_minutes": 10}],
        },
        {"title": "Ahead", "reminders": [{"at": "2030-07-01T08:00:00Z"}]},
    ]
    data = json.dumps(records).encode()
    assert exchange.import_tasks(user, exchange.read_rows(data, "json")).created == 2
    titles = dict(Task.objects.values_list("pk", "title"))
    sent = sorted(
        (titles[t], s is not None) for t, s in Reminder.objects.values_list("task_id", "sent_at")
    )
    assert sent == [("Ahead", False), ("Old", True), ("Old", True)]


def test_a_naive_reminder_time_is_read_in_the_importers_zone(user):
    user.timezone = "Asia/Kathmandu"  # +05:45
    user.save(update_fields=["timezone"])
    records = [{"title": "Call", "reminders": [{"at": "2030-01-01T09:00:00"}]}]
    exchange.import_tasks(user, exchange.read_rows(json.dumps(records).encode(), "json"))
    assert Reminder.objects.get().at == datetime(2030, 1, 1, 3, 15, tzinfo=UTC)


TOO_MANY = [{"text": f"item {n}"} for n in range(101)]


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"checklist": "buy milk"}, "row 2: checklist: Expected a JSON list"),
        ({"checklist": {"text": "a"}}, "row 2: checklist: Expected a list of items"),
        ({"checklist": [{"text": ""}]}, "row 2: checklist: item 1: text:"),
        ({"checklist": [{"text": "ok"}, {"text": "x" * 201}]}, "row 2: checklist: item 2: text:"),
        ({"checklist": [{"text": "ok", "done": "yes"}]}, "row 2: checklist: item 1: done:"),
        ({"checklist": [{"text": "   "}]}, "row 2: checklist: item 1: text:"),
        ({"checklist": [{"text": "a\u0000"}]}, "row 2: checklist: item 1: text: Null"),
        ({"checklist": [5]}, "row 2: checklist: item 1:"),
        ({"checklist": TOO_MANY}, "row 2: checklist: Ensure this field has no more than 100"),
        ({"due_time": "25:00", "due_date": "2030-01-01"}, "row 2: due_time: Enter a time"),
        ({"due_time": "09:00"}, "row 2: due_time: Set a due date"),
        ({"repeat": "FREQ=HOURLY"}, "row 2: repeat: An RFC 5545 RRULE"),
        ({"repeat_from": "later"}, "row 2: repeat_from:"),
        (
            {"reminders": [{"before_due_minutes": 10}]},
            "row 2: reminders: reminder 1: The task has no due date",
        ),
        (
            {
                "due_date": "2030-01-01",
                "reminders": [{"at": "2030-01-01T08:00:00Z", "before_due_minutes": 1}],
            },
            "row 2: reminders: reminder 1: Give at or before_due_minutes, not both.",
        ),
        ({"reminders": [{"at": "tomorrow"}]}, "row 2: reminders: reminder 1: at:"),
        ({"reminders": [{}]}, "row 2: reminders: reminder 1: Give at or before_due_minutes."),
    ],
)
def test_bad_parts_reject_the_file_naming_row_and_field(user, record, error):
    records = [{"title": "fine", "checklist": [{"text": "a"}]}, {"title": "bad", **record}]
    report = exchange.import_tasks(user, exchange.read_rows(json.dumps(records).encode(), "json"))
    assert report.created == 0
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith(error), report.errors
    assert not Task.objects.exists()
    assert not ChecklistItem.objects.exists()


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("[x] buy milk", "row 3: checklist: Expected a JSON list, as an export writes it."),
        ('[{"text": "a"', "row 3: checklist: Expected a JSON list"),
        ('{"text": "a"}', "row 3: checklist: Expected a list of items"),
    ],
)
def test_bad_checklist_cells_in_csv_name_row_and_field(user, cell, error):
    content = io.StringIO()
    writer = csv.writer(content)
    writer.writerow(["title", "checklist"])
    writer.writerow(["fine", '[{"text": "a", "done": true}]'])
    writer.writerow(["bad", cell])
    data = content.getvalue().encode()
    report = exchange.import_tasks(user, exchange.read_rows(data, "csv"))
    assert [e[: len(error)] for e in report.errors] == [error]
    assert not Task.objects.exists()


def test_an_old_export_without_the_new_columns_still_imports(user):
    data = b"title,due_date,tags\nPlain,2030-01-01,a\n"
    assert exchange.import_tasks(user, exchange.read_rows(data, "csv")).created == 1
    task = Task.objects.get()
    assert (task.due_time, task.repeat, task.checklist_total) == (None, "", 0)


def test_the_import_page_answers_bad_checklist_data_with_a_400_naming_it(user):
    client = Client()
    client.force_login(user)
    records = [{"title": "x", "checklist": [{"text": ""}]}]
    upload = SimpleUploadedFile("t.json", json.dumps(records).encode())
    response = client.post(reverse("tasks:import"), {"file": upload})
    assert response.status_code == 400
    assert "row 1: checklist: item 1: text:" in response.content.decode()
    assert not Task.objects.exists()


def test_the_api_export_carries_the_parts(user, planned):
    client = Client()
    client.force_login(user)
    response = client.get("/api/tasks/export/?format=json")
    (record,) = json.loads(b"".join(response.streaming_content))
    assert [item["text"] for item in record["checklist"]][:1] == ["Inbox zero"]
    assert record["due_time"] == "17:30"
    assert len(record["reminders"]) == 2


def test_export_queries_do_not_grow_with_tasks(user, django_assert_max_num_queries):
    for n in range(30):
        task, _ = services.task_create(actor=user, title=f"t{n}", due_date=date(2030, 1, 1))
        checklists.checklist_item_add(actor=user, task=task, text="step")
        reminder_create(actor=user, task=task, at=timezone.now() + timedelta(days=1))
    # The tasks, their items and the user's reminders: one query each per 500 tasks.
    with django_assert_max_num_queries(3):
        records = json.loads(_export(user, "json"))
    assert sum(len(r["checklist"]) + len(r["reminders"]) for r in records) == 60
