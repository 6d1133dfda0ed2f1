"""The task endpoints of SPEC §4: success and error paths of each."""

from __future__ import annotations

import pytest

from tasks.models import Priority, Status, Task

pytestmark = pytest.mark.django_db

LIST = "/api/tasks/"


def detail(task_id: str) -> str:
    return f"/api/tasks/{task_id}/"


# --- create ---------------------------------------------------------------------------


def test_create_returns_201_with_location_etag_and_defaults(api_client):
    response = api_client.post(LIST, {"title": "Buy milk"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Buy milk"
    assert body["status"] == "todo"
    assert body["priority"] == "medium"
    assert body["tags"] == []
    assert body["version"] == 1
    assert body["completed_at"] is None
    assert response["Location"] == detail(body["id"])
    assert response["ETag"] == '"1"'
    assert isinstance(body["id"], str)


def test_create_with_every_field(api_client):
    payload = {
        "title": "Report",
        "description": "Quarterly",
        "status": "done",
        "priority": "high",
        "due_date": "2030-01-31",
        "tags": ["Work", " work ", "Q1"],
    }
    body = api_client.post(LIST, payload, format="json").json()
    assert body["status"] == "done"
    assert body["priority"] == "high"
    assert body["due_date"] == "2030-01-31"
    assert body["tags"] == ["work", "q1"]
    assert body["completed_at"] is not None
    assert Task.objects.get(pk=body["id"]).priority == Priority.HIGH


def test_create_requires_authentication(anon_client):
    response = anon_client.post(LIST, {"title": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "description": "d" * 10_001}, "description"),
        ({"title": "x", "status": "later"}, "status"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "priority": 3}, "priority"),
        ({"title": "x", "due_date": "tomorrow"}, "due_date"),
        ({"title": "x", "due_date": "2024-02-30"}, "due_date"),
        ({"title": "x", "tags": "a,b"}, "tags"),
        ({"title": "x", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"title": "x", "tags": ["t" * 33]}, "tags"),
        ({"title": "x", "tags": ["a,b"]}, "tags"),
        ({"title": "x", "tags": [None]}, "tags"),
        ({"title": ["x"]}, "title"),
        ({"title": {"a": 1}}, "title"),
    ],
)
def test_create_rejects_invalid_fields_with_field_map(api_client, payload, field):
    response = api_client.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Task.objects.count() == 0


def test_create_ignores_read_only_fields(api_client, other_user):
    payload = {"title": "x", "version": 99, "id": "0" * 26, "owner": other_user.pk}
    body = api_client.post(LIST, payload, format="json").json()
    assert body["version"] == 1
    assert body["id"] != "0" * 26
    assert Task.objects.get(pk=body["id"]).owner_id != other_user.pk


# --- idempotency ------------------------------------------------------------------------


def test_idempotent_retry_returns_the_same_task(api_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    first = api_client.post(LIST, {"title": "Once", "tags": ["a"]}, format="json", **headers)
    second = api_client.post(LIST, {"tags": ["a"], "title": "Once"}, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Task.objects.count() == 1


def test_same_idempotency_key_with_other_body_is_422(api_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    api_client.post(LIST, {"title": "Once"}, format="json", **headers)
    response = api_client.post(LIST, {"title": "Twice"}, format="json", **headers)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Task.objects.count() == 1


def test_idempotency_keys_are_per_user(api_client, other_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared"}
    mine = api_client.post(LIST, {"title": "Mine"}, format="json", **headers)
    theirs = other_client.post(LIST, {"title": "Theirs"}, format="json", **headers)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert Task.objects.count() == 2


def test_oversized_idempotency_key_is_400(api_client):
    response = api_client.post(LIST, {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400
    assert Task.objects.count() == 0


# --- retrieve / ETag --------------------------------------------------------------------


def test_retrieve_returns_task_and_etag(api_client, make_task):
    task = make_task(title="Read", tags=["x"])
    response = api_client.get(detail(task.pk))
    assert response.status_code == 200
    assert response.json()["title"] == "Read"
    assert response.json()["tags"] == ["x"]
    assert response["ETag"] == '"1"'


def test_if_none_match_with_current_etag_is_304(api_client, make_task):
    task = make_task()
    response = api_client.get(detail(task.pk), HTTP_IF_NONE_MATCH='"1"')
    assert response.status_code == 304
    assert api_client.get(detail(task.pk), HTTP_IF_NONE_MATCH='"0"').status_code == 200


@pytest.mark.parametrize("task_id", ["01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope", "x" * 300, "%00"])
def test_unknown_or_malformed_id_is_404(api_client, task_id):
    response = api_client.get(detail(task_id))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- update -----------------------------------------------------------------------------


def test_patch_changes_fields_and_bumps_version(api_client, make_task):
    task = make_task(title="Old")
    response = api_client.patch(detail(task.pk), {"title": "New"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "New"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'


def test_put_replaces_the_task(api_client, make_task):
    task = make_task(title="Old", description="keep?", priority=Priority.HIGH, tags=["a"])
    response = api_client.put(detail(task.pk), {"title": "New"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["priority"], body["tags"]) == (
        "New",
        "",
        "medium",
        [],
    )


def test_put_without_title_is_400(api_client, make_task):
    task = make_task()
    response = api_client.put(detail(task.pk), {"description": "x"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()


def test_marking_done_sets_and_reopening_clears_completed_at(api_client, make_task):
    task = make_task()
    done = api_client.patch(detail(task.pk), {"status": "done"}, format="json").json()
    assert done["completed_at"] is not None
    reopened = api_client.patch(detail(task.pk), {"status": "todo"}, format="json").json()
    assert reopened["completed_at"] is None


def test_if_match_with_current_etag_succeeds(api_client, make_task):
    task = make_task()
    response = api_client.patch(
        detail(task.pk), {"title": "New"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200


@pytest.mark.parametrize("if_match", ['"7"', "7", 'W/"0"', "garbage"])
def test_stale_or_bad_if_match_is_412_and_nothing_written(api_client, make_task, if_match):
    task = make_task(title="Old")
    response = api_client.patch(
        detail(task.pk), {"title": "New"}, format="json", HTTP_IF_MATCH=if_match
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    task.refresh_from_db()
    assert (task.title, task.version) == ("Old", 1)


def test_if_match_star_is_accepted(api_client, make_task):
    task = make_task()
    response = api_client.put(detail(task.pk), {"title": "New"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_stale_if_match_on_delete_is_412_and_task_kept(api_client, make_task):
    task = make_task()
    response = api_client.delete(detail(task.pk), HTTP_IF_MATCH='"5"')
    assert response.status_code == 412
    assert Task.objects.filter(pk=task.pk, deleted_at__isnull=True).exists()


def test_patch_invalid_value_is_400_and_nothing_written(api_client, make_task):
    task = make_task(title="Old")
    response = api_client.patch(detail(task.pk), {"status": "nope"}, format="json")
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.version == 1


# --- delete -----------------------------------------------------------------------------


def test_delete_is_204_then_404(api_client, make_task):
    task = make_task()
    assert api_client.delete(detail(task.pk)).status_code == 204
    assert api_client.get(detail(task.pk)).status_code == 404
    assert api_client.delete(detail(task.pk)).status_code == 404


# --- methods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", LIST),
        ("patch", LIST),
        ("delete", LIST),
        ("post", "/api/tasks/stats/"),
        ("delete", "/api/tasks/stats/"),
        ("get", "/api/tasks/bulk/"),
        ("post", "/api/tasks/export/"),
    ],
)
def test_wrong_method_is_405(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_post_on_detail_is_405(api_client, make_task):
    assert api_client.post(detail(make_task().pk), {}, format="json").status_code == 405


# --- bulk -------------------------------------------------------------------------------


def test_bulk_set_status(api_client, make_task):
    tasks = [make_task(title=f"t{i}") for i in range(3)]
    response = api_client.post(
        "/api/tasks/bulk/",
        {"ids": [t.pk for t in tasks[:2]], "action": "set_status", "status": "done"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    statuses = dict(Task.objects.values_list("title", "status"))
    assert statuses == {"t0": "done", "t1": "done", "t2": "todo"}
    assert Task.objects.get(title="t0").completed_at is not None
    assert Task.objects.get(title="t0").version == 2


def test_bulk_delete(api_client, make_task):
    tasks = [make_task(title=f"t{i}") for i in range(3)]
    response = api_client.post(
        "/api/tasks/bulk/", {"ids": [tasks[0].pk, "nope"], "action": "delete"}, format="json"
    )
    assert response.json() == {"updated": 1}
    live = Task.objects.filter(deleted_at__isnull=True)
    assert sorted(live.values_list("title", flat=True)) == ["t1", "t2"]
    assert api_client.get(detail(tasks[0].pk)).status_code == 404  # in the trash


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"ids": [], "action": "delete"},
        {"ids": ["a"], "action": "explode"},
        {"ids": ["a"], "action": "set_status"},
        {"ids": ["a"], "action": "set_status", "status": "later"},
        {"ids": "abc", "action": "delete"},
        {"ids": ["x" * 27], "action": "delete"},
        {"ids": [f"id{i}" for i in range(501)], "action": "delete"},
    ],
)
def test_bulk_rejects_bad_input(api_client, payload):
    assert api_client.post("/api/tasks/bulk/", payload, format="json").status_code == 400


# --- stats ------------------------------------------------------------------------------


def test_stats_counts(api_client, make_task):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    make_task(status=Status.DONE, priority=Priority.HIGH)
    make_task(due_date=today - timedelta(days=1))
    make_task(due_date=today, priority=Priority.LOW)
    make_task(status=Status.IN_PROGRESS, due_date=today + timedelta(days=3))
    response = api_client.get("/api/tasks/stats/")
    assert response.status_code == 200
    assert response.json() == {
        "total": 4,
        "by_status": {"todo": 2, "in_progress": 1, "done": 1},
        "by_priority": {"low": 1, "medium": 2, "high": 1},
        "overdue": 1,
        "due_today": 1,
        "completed_last_7_days": 1,
    }


def test_stats_requires_authentication(anon_client):
    assert anon_client.get("/api/tasks/stats/").status_code == 401


# --- export -----------------------------------------------------------------------------


def test_export_csv_streams_and_neutralises_formulas(api_client, make_task):
    make_task(title="=HYPERLINK(1)", description="+1", tags=["-x", "@y"])
    make_task(title="plain")
    response = api_client.get("/api/tasks/export/?format=csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="tasks.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    lines = text.splitlines()
    assert lines[0].startswith("id,title,description,status")
    assert "'=HYPERLINK(1)" in lines[1]
    assert ",'+1," in lines[1]
    assert "'-x,@y" in lines[1]
    assert ",plain," in lines[2]
    assert len(lines) == 3


def test_export_json(api_client, make_task):
    import json

    make_task(title="=1+1", tags=["a"])
    response = api_client.get("/api/tasks/export/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    records = json.loads(b"".join(response.streaming_content))
    assert [(r["title"], r["tags"], r["priority"]) for r in records] == [("=1+1", ["a"], "medium")]


def test_export_defaults_to_csv(api_client):
    response = api_client.get("/api/tasks/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("fmt", ["xml", "api", "", "CSV"])
def test_export_unknown_format_is_400(api_client, fmt):
    response = api_client.get(f"/api/tasks/export/?format={fmt}")
    assert response.status_code == 400


def test_export_requires_authentication(anon_client):
    assert anon_client.get("/api/tasks/export/?format=csv").status_code == 401


# --- per-user throttle ------------------------------------------------------------------


def test_per_user_throttle_answers_429_with_retry_after(api_client, other_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once at import; patch them for this test only.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    statuses = [api_client.get(LIST).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api_client.get("/api/tasks/stats/")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert other_client.get(LIST).status_code == 200  # per user, not global


@pytest.mark.parametrize("header", ['W/"1"', '"0", "1"', "*"])
def test_if_none_match_uses_weak_comparison_and_lists(api_client, make_task, header):
    task = make_task()
    response = api_client.get(detail(task.pk), HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 304
    assert response["ETag"] == '"1"'


# --- browsable API ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, "/api/tasks/stats/", "/api/auth/me/"])
def test_browsable_api_works_with_a_session_login(user, make_task, path):
    from rest_framework.test import APIClient

    make_task(title="Seen in the browser")
    client = APIClient()
    client.force_login(user)
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
