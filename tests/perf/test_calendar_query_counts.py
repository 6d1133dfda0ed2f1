"""The calendar page and the iCal feed cost a fixed number of queries whatever the
number of tasks (repeating ones included): never one per task or per day."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tasks import services

pytestmark = pytest.mark.django_db


def _tasks(user, count: int) -> None:
    for i in range(count):
        services.task_create(
            actor=user,
            title=f"Task {i}",
            due_date=date(2026, 12, 1) + timedelta(days=i % 28),
            due_time=time(9) if i % 2 else None,
            repeat="FREQ=WEEKLY" if i % 3 == 0 else "",
            tags=["home"],
        )


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/calendar/?month=2026-12", "/calendar/?month=2027-01"])
def test_the_page_costs_the_same_with_1_or_40_tasks(user, url):
    web = Client()
    web.force_login(user)
    _tasks(user, 1)
    web.get(url)  # the first visit creates the feed row
    few = _count(web, url)
    _tasks(user, 39)
    assert _count(web, url) == few
    assert few <= 8  # session, user, projects, tasks, feed (+ savepoints on some backends)


def test_the_feed_costs_the_same_with_1_or_40_tasks(user, api_client):
    path = api_client.get("/api/calendar/feed/").json()["url"].removeprefix("http://testserver")
    _tasks(user, 1)
    few = _count(Client(), path)
    _tasks(user, 39)
    assert _count(Client(), path) == few
    assert few <= 3  # the feed with its user, the tasks
