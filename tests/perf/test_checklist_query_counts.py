"""The checklist's "3/5" on list rows, board cards, dashboard lists and API tasks costs
no query per row: the counters live on the task (tasks.checklists keeps them), so a
page of tasks with checklists costs the same at 2 tasks as at 10."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks import checklists, services
from tasks.models import Task
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _grow(user, count: int) -> Task:
    """``count`` more tasks due today, each with a two-item checklist, one ticked."""
    task = None
    for n in range(count):
        task, _ = services.task_create(actor=user, title=f"T{n}", due_date=timezone.localdate())
        first, task = checklists.checklist_item_add(actor=user, task=task, text="one")
        _, task = checklists.checklist_item_add(actor=user, task=task, text="two")
        checklists.checklist_item_update(actor=user, task=task, item=first, done=True)
    return task


def _queries(client, url: str, badge: str, expected: int) -> int:
    client.get(url)  # warm per-process caches (URL shapes, stats)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(badge) == expected, url
    return len(queries)


@pytest.mark.parametrize("page", ["list", "board", "dashboard", "api"])
def test_rows_with_checklists_cost_no_query_per_row(user, page):
    task = _grow(user, 2)
    web = Client()
    web.force_login(user)
    client = client_for(user) if page == "api" else web
    url = {
        "list": "/tasks/",
        "board": f"/projects/{task.project_id}/board/",
        "dashboard": "/dashboard/",
        "api": "/api/tasks/",
    }[page]
    badge = '"checklist":{"done":1,"total":2}' if page == "api" else ">1/2<"
    small = _queries(client, url, badge, 2)
    _grow(user, 8)  # 10 in all: the dashboard's "due soon" shows at most 10
    assert _queries(client, url, badge, 10) == small
