"""Recurring tasks: the RRULE grammar, the next occurrence (from due or from
completion, across DST), and "completing creates the next exactly once"."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tasks import recurrence, services
from tasks.models import Status, Task
from tests.factories import UserFactory

TASKS = "/api/tasks/"


@pytest.mark.parametrize(
    ("rule", "anchor", "expected"),
    [
        ("FREQ=DAILY", date(2026, 1, 4), date(2026, 1, 5)),
        ("FREQ=DAILY;INTERVAL=3", date(2026, 1, 4), date(2026, 1, 7)),
        # weekdays: Friday -> Monday
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", date(2026, 1, 9), date(2026, 1, 12)),
        ("FREQ=WEEKLY", date(2026, 1, 9), date(2026, 1, 16)),
        ("FREQ=WEEKLY;BYDAY=TU,TH", date(2026, 1, 6), date(2026, 1, 8)),
        ("FREQ=WEEKLY;BYDAY=TU,TH", date(2026, 1, 8), date(2026, 1, 13)),
        ("FREQ=WEEKLY;INTERVAL=2", date(2026, 1, 9), date(2026, 1, 23)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", date(2026, 1, 14), date(2026, 1, 26)),
        ("FREQ=MONTHLY", date(2026, 1, 15), date(2026, 2, 15)),
        ("FREQ=MONTHLY;BYMONTHDAY=15", date(2026, 1, 20), date(2026, 2, 15)),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", date(2026, 1, 31), date(2026, 2, 28)),
        ("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 1, 30), date(2026, 2, 27)),
        ("FREQ=MONTHLY;BYDAY=1MO", date(2026, 1, 5), date(2026, 2, 2)),
        ("FREQ=YEARLY", date(2024, 2, 29), date(2028, 2, 29)),
        ("FREQ=YEARLY;INTERVAL=2", date(2026, 3, 1), date(2028, 3, 1)),
    ],
)
def test_next_due(rule, anchor, expected):
    assert recurrence.clean_repeat(rule) == rule
    assert recurrence.next_due(rule=rule, anchor=anchor) == (expected, rule)


def test_week_start_decides_which_weeks_every_two_weeks_counts():
    # Anchor Sunday 2026-01-11. Monday weeks: the anchor's week holds Mon 5th..Sun 11th,
    # so the next Monday in an "every second week" is the 19th; Sunday weeks start on
    # the anchor itself and the Monday two weeks on is the 26th... minus one week.
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO"
    assert recurrence.next_due(rule=rule, anchor=date(2026, 1, 11), week_start="monday") == (
        date(2026, 1, 19),
        rule,
    )
    assert recurrence.next_due(rule=rule, anchor=date(2026, 1, 11), week_start="sunday") == (
        date(2026, 1, 12),
        rule,
    )


def test_count_counts_down_and_until_ends_the_series():
    assert recurrence.next_due(rule="FREQ=DAILY;COUNT=3", anchor=date(2026, 1, 1)) == (
        date(2026, 1, 2),
        "FREQ=DAILY;COUNT=2",
    )
    assert recurrence.next_due(rule="FREQ=DAILY;COUNT=1", anchor=date(2026, 1, 1)) is None
    until = "FREQ=DAILY;UNTIL=20260102"
    assert recurrence.next_due(rule=until, anchor=date(2026, 1, 1)) == (date(2026, 1, 2), until)
    assert recurrence.next_due(rule=until, anchor=date(2026, 1, 2)) is None


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=MINUTELY",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=MONTHLY;BYSETPOS=-1",
        "FREQ=WEEKLY;BYDAY=-1FR",
        "FREQ=WEEKLY;BYMONTHDAY=3",
        "FREQ=DAILY;COUNT=2;UNTIL=20260101",
        "FREQ=DAILY;UNTIL=20261340",
        "FREQ=DAILY;INTERVAL=0",
        "BYDAY=MO;FREQ=WEEKLY",
        "freq=daily",
        "RRULE:FREQ=DAILY",
        "every day",
    ],
)
def test_unsupported_rules_are_refused_clearly(rule):
    with pytest.raises(ValidationError) as caught:
        recurrence.clean_repeat(rule)
    assert "repeat" in caught.value.message_dict


@pytest.mark.django_db
def test_api_refuses_a_bad_rule_with_a_400_on_the_field(api_client):
    response = api_client.post(TASKS, {"title": "x", "repeat": "FREQ=HOURLY"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"repeat"}
    response = api_client.post(
        TASKS, {"title": "x", "repeat": "FREQ=DAILY;BYHOUR=9"}, format="json"
    )
    assert "BYHOUR not supported" in response.json()["repeat"][0]


def _complete(client, task_id):
    response = client.patch(f"{TASKS}{task_id}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    return response


def _series(owner):
    return list(
        Task.objects.filter(owner_id=owner.pk)
        .order_by("due_date")
        .values_list("due_date", "status")
    )


@pytest.mark.django_db
def test_completing_creates_the_next_occurrence_with_everything_carried(api_client, user):
    task = api_client.post(
        TASKS,
        {
            "title": "Water plants",
            "description": "the big ones",
            "priority": "high",
            "tags": ["home"],
            "due_date": "2026-01-09",
            "due_time": "08:15",
            "repeat": "FREQ=WEEKLY;BYDAY=MO,FR",
        },
        format="json",
    ).json()
    _complete(api_client, task["id"])
    listed = api_client.get(TASKS, {"status": "todo"}).json()["results"]
    assert len(listed) == 1
    nxt = listed[0]
    assert nxt["id"] == recurrence.next_task_id(Task.objects.get(pk=task["id"]))
    assert {k: nxt[k] for k in ("title", "description", "priority", "tags", "due_time")} == {
        "title": "Water plants",
        "description": "the big ones",
        "priority": "high",
        "tags": ["home"],
        "due_time": "08:15",
    }
    assert (nxt["due_date"], nxt["repeat"], nxt["status"]) == (
        "2026-01-12",
        "FREQ=WEEKLY;BYDAY=MO,FR",
        "todo",
    )
    assert api_client.get(TASKS, {"tag": "home"}).json()["results"][0]["id"] == nxt["id"]


@pytest.mark.django_db
def test_complete_twice_or_reopen_and_complete_gives_exactly_one_next(api_client, user):
    task = api_client.post(
        TASKS, {"title": "Daily", "due_date": "2026-01-01", "repeat": "FREQ=DAILY"}, format="json"
    ).json()
    _complete(api_client, task["id"])
    _complete(api_client, task["id"])  # a retry: no change, no event
    api_client.patch(f"{TASKS}{task['id']}/", {"status": "todo"}, format="json")
    _complete(api_client, task["id"])
    api_client.post(
        f"{TASKS}bulk/",
        {"ids": [task["id"]], "action": "set_status", "status": "done"},
        format="json",
    )
    assert Task.objects.filter(owner_id=user.pk).count() == 2
    # Calling the creator again (a retried job, a racing request) inserts nothing.
    done = Task.objects.get(pk=task["id"])
    assert recurrence.create_next_occurrence(actor=user, task=done) is None
    assert _series(user) == [(date(2026, 1, 1), Status.DONE), (date(2026, 1, 2), Status.TODO)]


@pytest.mark.django_db
def test_two_members_completing_with_stale_copies_make_one_next(user):
    task, _ = services.task_create(
        actor=user, title="Rent", due_date=date(2026, 1, 30), repeat="FREQ=MONTHLY;BYDAY=-1FR"
    )
    first, second = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)
    services.task_update(actor=user, task=first, changes={"status": Status.DONE})
    services.task_update(actor=user, task=second, changes={"status": Status.DONE})
    assert _series(user) == [(date(2026, 1, 30), Status.DONE), (date(2026, 2, 27), Status.TODO)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_in_threads_make_one_next():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a shared database: run with PostgreSQL (make test-postgres)")
    owner = UserFactory()
    tasks = [
        services.task_create(
            actor=owner, title=f"t{i}", due_date=date(2026, 1, 1), repeat="FREQ=DAILY"
        )[0]
        for i in range(5)
    ]
    barrier = threading.Barrier(2)

    def complete(copy: Task) -> None:
        try:
            barrier.wait(timeout=10)
            services.task_update(actor=owner, task=copy, changes={"status": Status.DONE})
            # The slow path as well: a creator racing the hook.
            recurrence.create_next_occurrence(actor=owner, task=Task.objects.get(pk=copy.pk))
        finally:
            connection.close()

    for task in tasks:
        threads = [
            threading.Thread(target=complete, args=(Task.objects.get(pk=task.pk),))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        barrier.reset()
    assert Task.objects.filter(owner_id=owner.pk, status=Status.TODO).count() == 5
    assert Task.objects.filter(owner_id=owner.pk).count() == 10


@pytest.mark.django_db
def test_from_completion_counts_from_the_completion_day_in_the_owners_zone(clock):
    # Completed at 2026-03-29 22:30 UTC: already the 30th in Berlin (00:30 CEST, the
    # day Berlin sprang forward), still the 29th in New York (18:30 EDT).
    for zone, expected in (
        ("Europe/Berlin", date(2026, 3, 31)),
        ("America/New_York", date(2026, 3, 30)),
    ):
        owner = UserFactory(timezone=zone)
        task, _ = services.task_create(
            actor=owner,
            title="Stretch",
            due_date=date(2026, 3, 1),
            due_time=time(9, 0),
            repeat="FREQ=DAILY",
            repeat_from="completion",
        )
        clock(datetime(2026, 3, 29, 22, 30))
        services.task_update(actor=owner, task=task, changes={"status": Status.DONE})
        nxt = Task.objects.get(pk=recurrence.next_task_id(task))
        assert (nxt.due_date, nxt.due_time) == (expected, time(9, 0)), zone


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "due", "next_due", "utc_before", "utc_after"),
    [
        # A daily 09:00 task keeps 09:00 local time; its UTC instant moves with DST.
        ("Europe/Berlin", date(2026, 3, 28), date(2026, 3, 29), "08:00", "07:00"),
        ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), "13:00", "14:00"),
        ("Australia/Lord_Howe", date(2026, 4, 4), date(2026, 4, 5), "22:00", "22:30"),
        ("Asia/Kathmandu", date(2026, 3, 28), date(2026, 3, 29), "03:15", "03:15"),
    ],
)
def test_a_daily_task_keeps_its_local_time_across_dst(zone, due, next_due, utc_before, utc_after):
    from zoneinfo import ZoneInfo

    owner = UserFactory(timezone=zone)
    task, _ = services.task_create(
        actor=owner, title="Pills", due_date=due, due_time=time(9, 0), repeat="FREQ=DAILY"
    )
    services.task_update(actor=owner, task=task, changes={"status": Status.DONE})
    nxt = Task.objects.get(pk=recurrence.next_task_id(task))
    assert (nxt.due_date, nxt.due_time) == (next_due, time(9, 0))

    def utc_of(day: date) -> str:
        moment = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(zone))
        return moment.astimezone(ZoneInfo("UTC")).strftime("%H:%M")

    # Lord Howe at 09:00 local is the previous day in UTC: only the clock time matters.
    assert (utc_of(due), utc_of(nxt.due_date)) == (utc_before, utc_after)


def test_rules_in_words():
    assert recurrence.describe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR") == "Every weekday"
    assert recurrence.describe("FREQ=MONTHLY;BYDAY=-1FR") == "Every month on the last Friday"
    assert recurrence.describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO") == "Every 2 weeks on Monday"
    assert recurrence.describe("") == ""
