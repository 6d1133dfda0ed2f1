"""User B can neither see nor change user A's task through any endpoint: the answer
is always the same 404 as for a task that does not exist, and lists, stats, export and
bulk actions never include it."""

from __future__ import annotations

import json

import pytest

from tasks.models import Status, Task

pytestmark = pytest.mark.django_db

MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def alices_task(user, make_task) -> Task:
    return make_task(owner=user, title="Alice's secret", tags=["private"], due_date=None)


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("get", None),
        ("put", {"title": "Bob was here"}),
        ("patch", {"title": "Bob was here"}),
        ("delete", None),
    ],
)
def test_other_users_task_is_404_like_a_missing_one(other_client, alices_task, method, payload):
    call = getattr(other_client, method)
    theirs = call(f"/api/tasks/{alices_task.pk}/", payload, format="json")
    missing = call(f"/api/tasks/{MISSING_ID}/", payload, format="json")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    alices_task.refresh_from_db()
    assert (alices_task.title, alices_task.version) == ("Alice's secret", 1)


@pytest.mark.parametrize("if_match", ['"1"', "*"])
def test_if_match_does_not_reveal_other_users_task(other_client, alices_task, if_match):
    response = other_client.patch(
        f"/api/tasks/{alices_task.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=if_match
    )
    assert response.status_code == 404


def test_if_none_match_does_not_reveal_other_users_task(other_client, alices_task):
    response = other_client.get(f"/api/tasks/{alices_task.pk}/", HTTP_IF_NONE_MATCH='"1"')
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    ["", "?search=secret", "?tag=private", "?status=todo", "?ordering=title", "?page=1"],
)
def test_list_never_includes_other_users_task(other_client, alices_task, query):
    body = other_client.get(f"/api/tasks/{query}").json()
    assert body["results"] == []


def test_stats_never_count_other_users_task(other_client, alices_task):
    assert other_client.get("/api/tasks/stats/").json()["total"] == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_never_includes_other_users_task(other_client, alices_task, fmt):
    response = other_client.get(f"/api/tasks/export/?format={fmt}")
    content = b"".join(response.streaming_content).decode()
    assert alices_task.pk not in content
    assert "secret" not in content


def test_export_json_of_other_user_is_empty_list(other_client, alices_task):
    response = other_client.get("/api/tasks/export/?format=json")
    assert json.loads(b"".join(response.streaming_content)) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "set_status", "status": Status.DONE},
        {"action": "delete"},
    ],
)
def test_bulk_never_touches_other_users_task(other_client, alices_task, payload):
    response = other_client.post(
        "/api/tasks/bulk/", {"ids": [alices_task.pk], **payload}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 0}
    alices_task.refresh_from_db()
    assert (alices_task.status, alices_task.version) == (Status.TODO, 1)


def test_idempotency_key_of_other_user_does_not_replay_their_task(api_client, other_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same"}
    api_client.post("/api/tasks/", {"title": "Alice's"}, format="json", **headers)
    response = other_client.post("/api/tasks/", {"title": "Alice's"}, format="json", **headers)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Task.objects.count() == 2


def test_owner_still_sees_the_task_after_the_attempts(api_client, other_client, alices_task):
    other_client.delete(f"/api/tasks/{alices_task.pk}/")
    other_client.post(
        "/api/tasks/bulk/", {"ids": [alices_task.pk], "action": "delete"}, format="json"
    )
    assert api_client.get(f"/api/tasks/{alices_task.pk}/").status_code == 200
    assert api_client.get("/api/tasks/stats/").json()["total"] == 1
