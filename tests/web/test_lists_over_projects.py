"""The task lists over several projects read merged (one index range per project,
``tasks.pagination``; from ``tasks.filters.MERGED_FROM_TASKS`` tasks): every page of
the API list and of the task list page, followed through the next links, is the plain
sorted list's, for every ordering (ties, undated tasks), and the page statement is the
merged one where the database has it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.inbox import inbox_id_of
from projects.services import project_create
from taskflow.backends import unions_sorted_ranges
from tasks import filters as filters_module
from tasks import services
from tasks.filters import ORDERING_FIELDS
from tasks.models import Priority, Task
from tests.api.test_task_list_api import expected_order

pytestmark = pytest.mark.django_db

ORDERINGS = [*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)]
TASKS = 54
SIZE = 25  # the task list page's smallest
_ROW = re.compile(r'<tr id="task-([0-9A-Z]{26})"')
_NEXT = re.compile(r'<a class="button secondary" href="([^"]+)" rel="next">')


@pytest.fixture
def spread(user) -> list[Task]:
    """TASKS tasks over the Inbox and two projects, with ties on every key and undated
    tasks: three pages of the task list page's smallest size (25)."""
    projects = [inbox_id_of(user), *(project_create(actor=user, name=f"P{i}").pk for i in (1, 2))]
    base = timezone.now() - timedelta(days=1)
    for i in range(TASKS):
        task, _ = services.task_create(
            actor=user,
            project_id=projects[i % 3],
            title=("same", "other", "zeta")[(i // 3) % 3],
            priority=list(Priority)[i % 2],
            due_date=None if i % 4 == 0 else date(2030, 1, 1 + i % 2),
        )
        stamp = base + timedelta(minutes=i // 7)
        Task.objects.filter(pk=task.pk).update(created_at=stamp, updated_at=stamp)
    return list(Task.objects.filter(owner=user))


def _api_ids(client, ordering: str) -> list[str]:
    url, ids = f"/api/tasks/?ordering={ordering}&page_size={SIZE}", []
    for _ in range(20):
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [task["id"] for task in body["results"]]
        url = body["next"]
        if url is None:
            assert len(ids) == TASKS
            assert len(body["results"]) == TASKS % SIZE  # the third page
            return ids
    raise AssertionError("pagination did not end")


def _page_ids(client, ordering: str) -> list[str]:
    url, ids = f"/tasks/?ordering={ordering}&page_size={SIZE}", []
    for _ in range(20):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        ids += _ROW.findall(page)
        found = _NEXT.search(page)
        if found is None:
            assert len(ids) == TASKS
            assert len(_ROW.findall(page)) == TASKS % SIZE  # the third page
            return ids
        url = html.unescape(found.group(1))
    raise AssertionError("pagination did not end")


def _merged_statement(client, url: str) -> bool:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return any("UNION ALL" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("kind", ["api", "page"])
def test_a_list_over_several_projects_is_the_same_merged(
    kind, api_client, web, spread, ordering, monkeypatch
):
    client, read, url = {
        "api": (api_client, _api_ids, "/api/tasks/"),
        "page": (web, _page_ids, "/tasks/"),
    }[kind]
    plain = read(client, ordering)
    assert plain == expected_order(spread, ordering)
    monkeypatch.setattr(filters_module, "MERGED_FROM_TASKS", 1)
    assert read(client, ordering) == plain
    merges = unions_sorted_ranges(connection)
    assert _merged_statement(client, f"{url}?ordering={ordering}") == merges
