"""Due times: optional beside the due date, HH:MM in the API, and "overdue" means past
that moment in the viewer's zone, across DST changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks import selectors, services
from tests.conftest import client_for
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
TASKS = "/api/tasks/"


def test_api_due_time_round_trip_and_validation(api_client):
    body = api_client.post(
        TASKS, {"title": "Pay", "due_date": "2026-06-01", "due_time": "09:30"}, format="json"
    ).json()
    assert (body["due_date"], body["due_time"]) == ("2026-06-01", "09:30")
    for bad in ("9:30", "24:00", "09:30:00", "09:30Z", 930):
        response = api_client.post(
            TASKS, {"title": "x", "due_date": "2026-06-01", "due_time": bad}, format="json"
        )
        assert response.status_code == 400, bad
        assert set(response.json()) == {"due_time"}
    response = api_client.post(TASKS, {"title": "x", "due_time": "09:30"}, format="json")
    assert response.status_code == 400
    assert "due date" in response.json()["due_time"][0]


def test_clearing_the_due_date_clears_the_time(api_client):
    task = api_client.post(
        TASKS, {"title": "x", "due_date": "2026-06-01", "due_time": "09:30"}, format="json"
    ).json()
    body = api_client.patch(f"{TASKS}{task['id']}/", {"due_date": None}, format="json").json()
    assert (body["due_date"], body["due_time"]) == (None, None)


# Due moments just after a DST change, with their UTC instants written out: Berlin
# sprang forward on 2026-03-29 (+02:00 after), New York on 2026-03-08 (-04:00 after),
# Lord Howe moves by 30 minutes (+10:30 from 2026-04-05, +11:00 from 2026-10-04), and
# Kathmandu keeps +05:45. Overdue = strictly past the moment, minute by minute.
@pytest.mark.parametrize(
    ("zone", "due", "at", "utc"),
    [
        ("Europe/Berlin", date(2026, 3, 29), time(3, 30), datetime(2026, 3, 29, 1, 30)),
        ("America/New_York", date(2026, 3, 8), time(3, 30), datetime(2026, 3, 8, 7, 30)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(2, 45), datetime(2026, 4, 4, 16, 15)),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 45), datetime(2026, 10, 3, 15, 45)),
        ("Asia/Kathmandu", date(2026, 3, 29), time(9, 0), datetime(2026, 3, 29, 3, 15)),
    ],
)
def test_overdue_is_past_the_due_moment_in_the_zone(zone, due, at, utc, clock):
    owner = UserFactory(timezone=zone)
    task = TaskFactory(owner=owner, due_date=due, due_time=at)
    minute = timedelta(minutes=1)
    with timezone.override(ZoneInfo(zone)):
        for moment, expected in ((utc - minute, False), (utc, False), (utc + minute, True)):
            clock(moment)
            assert task.is_overdue is expected, (zone, moment)
            found = selectors.visible_tasks(owner).filter(selectors.overdue_q())
            assert list(found.values_list("pk", flat=True)) == ([task.pk] if expected else [])


def test_due_times_feed_stats_and_the_overdue_filter(clock):
    owner = UserFactory(timezone="Asia/Kathmandu")
    TaskFactory(owner=owner, due_date=date(2026, 6, 1), due_time=time(9, 0))
    TaskFactory(owner=owner, due_date=date(2026, 6, 1), due_time=time(18, 0))
    TaskFactory(owner=owner, due_date=date(2026, 6, 1))
    api = client_for(owner)
    clock(datetime(2026, 6, 1, 4, 0))  # 09:45 in Kathmandu
    stats = api.get(f"{TASKS}stats/").json()
    assert (stats["overdue"], stats["due_today"]) == (1, 3)
    assert len(api.get(TASKS, {"overdue": "true"}).json()["results"]) == 1
    assert len(api.get(TASKS, {"overdue": "false"}).json()["results"]) == 2


def test_pages_show_due_time_in_the_users_date_format(user):
    user.date_format = "dmy"
    user.save()
    task, _ = services.task_create(
        actor=user, title="Dentist", due_date=date(2026, 12, 5), due_time=time(14, 15)
    )
    web = Client()
    web.force_login(user)
    assert "05/12/2026 14:15" in web.get(reverse("tasks:detail", args=[task.pk])).text
    assert "05/12/2026 14:15" in web.get(reverse("tasks:list")).text
    response = web.post(
        reverse("tasks:edit", args=[task.pk]),
        {
            "title": "Dentist",
            "status": "todo",
            "priority": "medium",
            "due_date": "2026-12-06",
            "due_time": "08:05",
            "repeat": "FREQ=WEEKLY",
            "repeat_from": "completion",
            "version": task.version,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.due_date, task.due_time, task.repeat, task.repeat_from) == (
        date(2026, 12, 6),
        time(8, 5),
        "FREQ=WEEKLY",
        "completion",
    )
