"""GET /api/tasks/stats/ is cached per user and every kind of write invalidates it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Status
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

STATS = "/api/tasks/stats/"


def stats(client) -> dict:
    response = client.get(STATS)
    assert response.status_code == 200
    return response.json()


def test_second_read_is_served_from_the_cache(api_client, make_task):
    make_task()
    stats(api_client)
    with CaptureQueriesContext(connection) as cold:
        api_client.get("/api/auth/me/")  # the per-request auth queries, for reference
    with CaptureQueriesContext(connection) as warm:
        assert stats(api_client)["total"] == 1
    assert len(warm) == len(cold)


def test_create_invalidates(api_client):
    assert stats(api_client)["total"] == 0
    api_client.post("/api/tasks/", {"title": "x"}, format="json")
    assert stats(api_client)["total"] == 1


def test_update_invalidates(api_client, make_task):
    task = make_task()
    assert stats(api_client)["by_status"]["done"] == 0
    api_client.patch(f"/api/tasks/{task.pk}/", {"status": "done"}, format="json")
    after = stats(api_client)
    assert (after["by_status"]["done"], after["completed_last_7_days"]) == (1, 1)


def test_put_invalidates(api_client, make_task):
    task = make_task(priority=3)
    assert stats(api_client)["by_priority"]["high"] == 1
    api_client.put(f"/api/tasks/{task.pk}/", {"title": "y"}, format="json")
    assert stats(api_client)["by_priority"] == {"low": 0, "medium": 1, "high": 0}


def test_delete_invalidates(api_client, make_task):
    task = make_task()
    assert stats(api_client)["total"] == 1
    api_client.delete(f"/api/tasks/{task.pk}/")
    assert stats(api_client)["total"] == 0


def test_bulk_set_status_invalidates(api_client, make_task):
    ids = [make_task().pk, make_task().pk]
    assert stats(api_client)["by_status"]["todo"] == 2
    api_client.post(
        "/api/tasks/bulk/", {"ids": ids, "action": "set_status", "status": "done"}, format="json"
    )
    assert stats(api_client)["by_status"] == {"todo": 0, "in_progress": 0, "done": 2}


def test_bulk_delete_invalidates(api_client, make_task):
    ids = [make_task().pk, make_task().pk]
    assert stats(api_client)["total"] == 2
    api_client.post("/api/tasks/bulk/", {"ids": ids, "action": "delete"}, format="json")
    assert stats(api_client)["total"] == 0


def test_service_writes_invalidate_too(api_client, user, make_task):
    task = make_task()
    assert stats(api_client)["total"] == 1
    services.task_update(actor=task.owner, task=task, changes={"status": Status.IN_PROGRESS})
    assert stats(api_client)["by_status"]["in_progress"] == 1


def test_other_users_writes_leave_my_cache_alone(api_client, other_client):
    before = stats(api_client)
    other_client.post("/api/tasks/", {"title": "theirs"}, format="json")
    assert stats(api_client) == before
    assert stats(other_client)["total"] == 1


def test_without_ttl_stats_are_always_fresh(api_client, user, settings):
    settings.STATS_CACHE_TTL = 0
    assert stats(api_client)["total"] == 0
    TaskFactory(owner=user)  # a row written behind the services' back
    assert stats(api_client)["total"] == 1


def test_with_ttl_a_write_behind_the_services_back_is_not_seen(api_client, user):
    assert stats(api_client)["total"] == 0
    TaskFactory(owner=user)
    assert stats(api_client)["total"] == 0
