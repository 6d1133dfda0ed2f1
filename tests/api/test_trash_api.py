"""The trash through the API (SPEC §12): DELETE moves a task to the trash (its id then
answers 404 except to restore), `?permanent=true` deletes for good, `GET /api/trash/`
lists, `POST /api/tasks/{id}/restore/` brings it back, `DELETE /api/trash/` empties.
Roles as everywhere: a viewer gets 403 on writes, a non-member 404."""

from __future__ import annotations

import pytest

from tasks import comments, services
from tasks.models import Comment, Task
from tests.projects.conftest import ROLES

pytestmark = pytest.mark.django_db


def detail(pk: str) -> str:
    return f"/api/tasks/{pk}/"


def restore(pk: str) -> str:
    return f"/api/tasks/{pk}/restore/"


def test_delete_moves_to_the_trash_and_the_id_is_404_except_to_restore(api_client, make_task):
    task = make_task(title="Call the plumber", tags=["home"])
    comments.comment_create(actor=task.owner, task=task, body="After 5pm")

    assert api_client.delete(detail(task.pk)).status_code == 204

    assert api_client.get(detail(task.pk)).status_code == 404
    assert api_client.patch(detail(task.pk), {"title": "x"}, format="json").status_code == 404
    assert api_client.delete(detail(task.pk)).status_code == 404  # already in the trash
    assert api_client.get(f"{detail(task.pk)}comments/").status_code == 404
    assert api_client.get("/api/tasks/").json()["results"] == []
    listed = api_client.get("/api/trash/").json()
    assert [row["id"] for row in listed["results"]] == [task.pk]
    assert listed["results"][0]["deleted_by"] == task.owner.pk
    assert listed["results"][0]["tags"] == ["home"]

    response = api_client.post(restore(task.pk))

    assert response.status_code == 200
    assert response.json()["title"] == "Call the plumber"
    assert response["ETag"] == f'"{response.json()["version"]}"'
    assert api_client.get(detail(task.pk)).json()["tags"] == ["home"]
    assert api_client.get(f"{detail(task.pk)}comments/").json()["results"][0]["body"] == (
        "After 5pm"
    )
    assert api_client.get("/api/trash/").json()["results"] == []
    # A retried restore finds the task live: 200, nothing written.
    again = api_client.post(restore(task.pk))
    assert (again.status_code, again.json()["version"]) == (200, response.json()["version"])


def test_delete_honours_if_match(api_client, make_task):
    task = make_task()
    assert api_client.delete(detail(task.pk), HTTP_IF_MATCH='"9"').status_code == 412
    assert api_client.delete(detail(task.pk), HTTP_IF_MATCH='"1"').status_code == 204
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_permanent_delete_removes_the_task_and_its_rows(api_client, make_task):
    task = make_task()
    comments.comment_create(actor=task.owner, task=task, body="x")
    assert api_client.delete(f"{detail(task.pk)}?permanent=true").status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()
    assert not Comment.objects.exists()
    assert api_client.get("/api/trash/").json()["results"] == []
    assert api_client.post(restore(task.pk)).status_code == 404


def test_permanent_delete_reaches_a_task_in_the_trash(api_client, make_task):
    task = make_task()
    api_client.delete(detail(task.pk))
    stale = api_client.delete(f"{detail(task.pk)}?permanent=true", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412  # trashing made version 2
    assert api_client.delete(f"{detail(task.pk)}?permanent=true").status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


def test_permanent_false_is_the_soft_delete_and_other_values_are_400(api_client, make_task):
    task = make_task()
    bad = api_client.delete(f"{detail(task.pk)}?permanent=yes")
    assert bad.status_code == 400
    assert "permanent" in bad.json()
    assert Task.objects.get(pk=task.pk).deleted_at is None
    assert api_client.delete(f"{detail(task.pk)}?permanent=false").status_code == 204
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_the_trash_list_is_paged_newest_deletion_first(api_client, make_task):
    tasks = [make_task(title=f"T{i}") for i in range(3)]
    for task in tasks:
        assert api_client.delete(detail(task.pk)).status_code == 204
    first = api_client.get("/api/trash/?page_size=2").json()
    assert [r["title"] for r in first["results"]] == ["T2", "T1"]
    second = api_client.get(first["next"]).json()
    assert [r["title"] for r in second["results"]] == ["T0"]
    assert second["next"] is None
    numbered = api_client.get("/api/trash/?page=1&page_size=2").json()
    assert numbered["count"] == 3
    assert api_client.get("/api/trash/?cursor=bogus").status_code == 400
    assert api_client.get("/api/trash/?page=9").status_code == 404


def test_empty_trash_deletes_only_the_callers_trash(
    api_client, other_client, make_task, other_user
):
    mine = [make_task(title=f"M{i}") for i in range(2)]
    live = make_task(title="Live")
    theirs, _ = services.task_create(actor=other_user, title="Theirs")
    for task in mine:
        api_client.delete(detail(task.pk))
    other_client.delete(detail(theirs.pk))

    response = api_client.delete("/api/trash/")

    assert (response.status_code, response.json()) == (200, {"deleted": 2})
    assert sorted(Task.objects.values_list("title", flat=True)) == ["Live", "Theirs"]
    assert api_client.get(detail(live.pk)).status_code == 200
    assert other_client.post(restore(theirs.pk)).status_code == 200


def test_another_users_trashed_task_is_404_everywhere(api_client, other_client, make_task):
    task = make_task()
    api_client.delete(detail(task.pk))
    assert other_client.post(restore(task.pk)).status_code == 404
    assert other_client.delete(f"{detail(task.pk)}?permanent=true").status_code == 404
    assert other_client.get("/api/trash/").json()["results"] == []
    assert other_client.delete("/api/trash/").json() == {"deleted": 0}
    assert Task.objects.filter(pk=task.pk).exists()


def test_signed_out_calls_are_401(anon_client, make_task):
    task = make_task()
    assert anon_client.get("/api/trash/").status_code == 401
    assert anon_client.delete("/api/trash/").status_code == 401
    assert anon_client.post(restore(task.pk)).status_code == 401


@pytest.mark.parametrize("who", ROLES)
def test_roles_on_a_trashed_task(world, who):
    client = world.client(who)
    services.task_trash(actor=world.users["editor"], task=world.task)
    listed = [row["id"] for row in client.get("/api/trash/").json()["results"]]
    expected = {"owner": 200, "admin": 200, "editor": 200, "viewer": 403, "outsider": 404}

    response = client.post(restore(world.task.pk))

    assert response.status_code == expected[who]
    assert listed == ([world.task.pk] if expected[who] == 200 else [])
    restored = Task.objects.get(pk=world.task.pk).deleted_at is None
    assert restored == (expected[who] == 200)


@pytest.mark.parametrize("who", ROLES)
def test_roles_on_a_trashed_task_delete_forever(world, who):
    client = world.client(who)
    services.task_trash(actor=world.users["editor"], task=world.task)
    expected = {"owner": 204, "admin": 204, "editor": 204, "viewer": 403, "outsider": 404}
    response = client.delete(f"{detail(world.task.pk)}?permanent=true")
    assert response.status_code == expected[who]
    assert Task.objects.filter(pk=world.task.pk).exists() == (expected[who] != 204)


@pytest.mark.parametrize("who", ROLES)
def test_roles_on_a_live_task_delete(world, who):
    client = world.client(who)
    expected = {"owner": 204, "admin": 204, "editor": 204, "viewer": 403, "outsider": 404}
    assert client.delete(detail(world.task.pk)).status_code == expected[who]
    trashed = Task.objects.get(pk=world.task.pk).deleted_at is not None
    assert trashed == (expected[who] == 204)
    viewer_restore = world.client("viewer").post(restore(world.task.pk)).status_code
    assert viewer_restore == 403  # in the trash or not: a viewer may not write it
