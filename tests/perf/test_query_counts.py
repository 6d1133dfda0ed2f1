"""A fixed number of queries per request, whatever the number of rows: the API reads
cost one query each plus authentication (user row, token revocation), never one per
task. Timing is measured by bench/, never asserted here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tests.backends.conftest import redis_caches
from tests.conftest import client_for
from tests.factories import TaskFactory

# Authentication: the user row and the revocation check (a query without a shared cache).
AUTH = 2
# MongoDB answers a search with its $text index first (tasks/search_backends.py: the
# backend cannot put $text in a subquery), then the list: one command more.
SEARCH = 1 if connection.vendor == "mongodb" else 0
# PostgreSQL chooses which index a search over all of the user's projects reads first
# from their task total (tasks.search_backends.reads_matches_first): the stats
# counters, one read, after the user's projects (or, warm, from the shared cache).
CHOICE = 1 if connection.vendor == "postgresql" else 0
# A list over all of the user's projects reads their ids first, so that the page query
# names them and a one-project user's page is an index range read, not a sort of every
# visible row (tasks.permissions.in_member_projects); a search does not. With a warm
# shared cache the ids come from it (projects.membership_cache): below.
PROJECTS = 1
# SQLite: a search listed in a column's order chooses whether to walk the order's index
# (tasks.search_backends.walks_in_order) from the projects' task total (the counters),
# its matches counted and the database's total (each kept a while: a first search's).
WALK_CHOICE = PROJECTS + 3 if connection.vendor == "sqlite" else CHOICE * (PROJECTS + 1)


def _tasks(owner, count: int) -> None:
    for i in range(count):
        services.task_create(actor=owner, title=f"Task {i}", tags=["home", "work"])


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/tasks/", AUTH + PROJECTS + 1),
        ("/api/tasks/?status=todo&ordering=-updated_at", AUTH + PROJECTS + 1),
        ("/api/tasks/?search=task&priority=medium", AUTH + 1 + SEARCH + CHOICE * (PROJECTS + 1)),
        ("/api/tasks/?search=task&ordering=title", AUTH + 1 + SEARCH + WALK_CHOICE),
        ("/api/tasks/?tag=home", AUTH + PROJECTS + 1),
        ("/api/tasks/?ordering=due_date&page_size=5", AUTH + PROJECTS + 1),
        ("/api/tasks/?page=1&page_size=5", AUTH + PROJECTS + 2),  # + the total count
        # + on a cache miss: the user's projects, three reads of the counters, the
        # window's first hour of tasks (tasks.counters)
        ("/api/tasks/stats/", AUTH + 5),
    ],
)
def test_list_and_stats_query_count_does_not_grow_with_rows(
    api_client, user, rows, url, queries, django_assert_max_num_queries
):
    _tasks(user, rows)
    with django_assert_max_num_queries(queries):
        response = api_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_next_cursor_page_query_count_does_not_grow_with_rows(
    api_client, user, rows, django_assert_max_num_queries
):
    _tasks(user, rows + 4)
    next_url = api_client.get("/api/tasks/?page_size=2").json()["next"]
    with django_assert_max_num_queries(AUTH + PROJECTS + 1):
        response = api_client.get(next_url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_cached_stats_cost_authentication_only(api_client, user, django_assert_max_num_queries):
    TaskFactory.create_batch(5, owner=user)
    api_client.get("/api/tasks/stats/")
    with django_assert_max_num_queries(AUTH):
        response = api_client.get("/api/tasks/stats/")
    assert response.json()["total"] == 5


def test_task_detail_is_one_query_after_authentication(
    api_client, user, django_assert_max_num_queries
):
    task, _ = services.task_create(actor=user, title="One")
    with django_assert_max_num_queries(AUTH + 1):
        response = api_client.get(f"/api/tasks/{task.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # authentication, the project ids and the task total all from Redis: the page
        ("/api/tasks/", 1),
        ("/api/tasks/?search=task&priority=medium", 1 + SEARCH + CHOICE),
        ("/api/tasks/?page=1&page_size=5", 2),  # + the total count
    ],
)
def test_a_list_with_a_warm_shared_cache_is_its_page_query(
    settings, redis_server, user, rows, url, queries
):
    # Counted after a warm-up request, as a busy instance serves them: the first request
    # of a token and of a version fills the user row, memberships and list total.
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    _tasks(user, rows)
    client = client_for(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured) == queries, [q["sql"] for q in captured]


# A create (tasks.services.task_create, the write path tasks.events.task_written): the
# first column of its status in the Inbox, with that column's last key (one query), the
# INSERT, one counter UPDATE per counted row (total, status, priority; on SQLite one
# UPDATE for the three, in a transaction: a savepoint here), the Activity INSERT. A named
# project costs its membership lookup (the permission check) first. Tags add their
# INSERT in a transaction with the task's (a savepoint here, inside the test's
# transaction); an idempotency key adds its lookup and that savepoint.
MEMBERSHIP = 1
SAVEPOINT = 0 if connection.vendor == "mongodb" else 2
COUNTER_UPDATES = 1 + SAVEPOINT if connection.vendor == "sqlite" else 3
CREATE = 1 + 1 + COUNTER_UPDATES + 1


@pytest.mark.parametrize(
    ("body", "headers", "queries"),
    [
        ({"title": "Plain"}, {}, AUTH + CREATE),
        ({"title": "Tagged", "tags": ["home", "work"]}, {}, AUTH + CREATE + SAVEPOINT + 1),
        ({"title": "Keyed"}, {"HTTP_IDEMPOTENCY_KEY": "k-1"}, AUTH + CREATE + SAVEPOINT + 1),
        ({"title": "In a project", "project": "{project}"}, {}, AUTH + MEMBERSHIP + CREATE),
    ],
)
def test_create_query_count(
    api_client, user, body, headers, queries, django_assert_max_num_queries
):
    from projects import services as project_services
    from tasks.models import Activity, TaskCount

    project = project_services.project_create(actor=user, name="Work")
    body = {k: (project.pk if v == "{project}" else v) for k, v in body.items()}
    # The first task of a project creates its counter rows; the one measured adds to them.
    api_client.post("/api/tasks/", {**body, "title": "First"}, format="json")
    with django_assert_max_num_queries(queries):
        response = api_client.post("/api/tasks/", body, format="json", **headers)
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    # All of the write path still happened.
    assert Activity.objects.filter(task_id=task_id, action="created").count() == 1
    project_id = response.json()["project"]
    total = TaskCount.objects.get(project_id=project_id, holder="", kind="total", key="")
    assert total.count == 2
