"""The one write path (tasks.events.task_written): one event per write that changed
something, none for a write that changed nothing, one per bulk call, and the stats
version bump that makes every reader of the scope recompute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from projects.inbox import inbox_id_of
from tasks import counters, events, selectors, services, stats_cache
from tasks.models import Status, Task
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> Iterator[list[events.TaskEvent]]:
    seen: list[events.TaskEvent] = []
    detach = events.subscribe(seen.append)
    yield seen
    detach()


def create(user: User, **fields) -> Task:
    task, _ = services.task_create(actor=user, **{"title": "A task", **fields})
    return task


def version_of(user: User) -> str | None:
    return cache.get(stats_cache.version_key(f"user:{user.pk}"))


def test_create_update_trash_restore_delete_each_send_one_event(user, recorded):
    task = create(user)
    task = services.task_update(actor=user, task=task, changes={"title": "Renamed"})
    task = services.task_trash(actor=user, task=task)
    task = services.task_restore(actor=user, task=task)
    services.task_delete_permanently(actor=user, task=task)
    assert [(e.action, e.task_ids, e.actor_id) for e in recorded] == [
        (events.CREATED, (task.pk,), user.pk),
        (events.UPDATED, (task.pk,), user.pk),
        (events.TRASHED, (task.pk,), user.pk),
        (events.RESTORED, (task.pk,), user.pk),
        (events.DELETED, (task.pk,), user.pk),
    ]
    assert recorded[1].changes == {"title": ("A task", "Renamed")}
    assert recorded[0].scopes == {f"user:{user.pk}", f"project:{inbox_id_of(user)}"}


def test_an_api_patch_that_changes_nothing_writes_nothing(api_client, user, recorded):
    task = create(user, tags=["a"], status=Status.DONE)
    recorded.clear()
    version_before = version_of(user)
    body = {"title": " A task ", "tags": ["A"], "status": "done"}  # same after normalising
    response = api_client.patch(f"/api/tasks/{task.pk}/", body, format="json")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert Task.objects.get(pk=task.pk).version == 1
    assert recorded == []
    assert version_of(user) == version_before


def test_an_api_patch_that_changes_something_sends_one_event(api_client, user, recorded):
    task = create(user)
    recorded.clear()
    response = api_client.patch(f"/api/tasks/{task.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert [e.action for e in recorded] == [events.UPDATED]
    # A new status moves the card to that status's column (SPEC §8), in the same write.
    assert set(recorded[0].changes) == {"status", "completed_at", "column_id"}


def test_bulk_writes_send_one_event_per_call(api_client, user, recorded):
    ids = [create(user).pk for _ in range(3)]
    recorded.clear()
    body = {"ids": ids, "action": "set_status", "status": "done"}
    assert api_client.post("/api/tasks/bulk/", body, format="json").json() == {"updated": 3}
    assert api_client.post("/api/tasks/bulk/", body, format="json").json() == {"updated": 0}
    delete = {"ids": ids, "action": "delete"}
    assert api_client.post("/api/tasks/bulk/", delete, format="json").json() == {"updated": 3}
    assert [(e.action, sorted(e.task_ids)) for e in recorded] == [
        (events.UPDATED, sorted(ids)),
        (events.TRASHED, sorted(ids)),  # bulk delete moves to the trash
    ]
    assert recorded[0].changes == {"status": (None, Status.DONE)}


def test_an_idempotent_replay_sends_no_event(user, recorded):
    services.task_create(actor=user, title="x", idempotency_key="k", fingerprint="f")
    services.task_create(actor=user, title="x", idempotency_key="k", fingerprint="f")
    assert [e.action for e in recorded] == [events.CREATED]


def test_the_admin_writes_through_the_same_path_as_the_operator(user, recorded):
    root = User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD)
    browser = Client()
    browser.force_login(root)
    tasks = [create(user, title=f"t{i}") for i in range(3)]
    recorded.clear()
    response = browser.post(
        "/admin/tasks/task/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in tasks], "post": "yes"},
    )
    assert response.status_code == 302
    assert [(e.action, len(e.task_ids), e.actor_id) for e in recorded] == [
        (events.DELETED, 3, root.pk)
    ]
    assert not Task.objects.exists()


def test_a_write_bumps_the_scope_version_and_stats_are_recomputed(user, other_user):
    create(user)
    assert selectors.task_stats(user)["total"] == 1
    mine, theirs = version_of(user), version_of(other_user)
    create(user, title="second")
    assert version_of(user) not in (None, mine)
    assert version_of(other_user) == theirs  # another scope is left alone
    assert selectors.task_stats(user)["total"] == 2


def test_bumping_a_scope_invalidates_every_reader_of_it(user):
    create(user)
    assert selectors.task_stats(user)["total"] == 1
    # Behind the services' back (then recounted, as `taskstats --fix` would): the
    # counters say 0, the cache still says 1.
    Task.objects.all().delete()
    counters.rebuild()
    assert selectors.task_stats(user)["total"] == 1
    stats_cache.bump([f"user:{user.pk}"])
    assert selectors.task_stats(user)["total"] == 0


def test_a_failing_hook_does_not_undo_or_block_the_write(user, recorded):
    def broken(event: events.TaskEvent) -> None:
        raise RuntimeError("webhook down")

    detach = events.subscribe(broken)
    try:
        task = create(user)
    finally:
        detach()
    assert Task.objects.filter(pk=task.pk).exists()
    assert [e.action for e in recorded] == [events.CREATED]


def test_a_write_of_no_tasks_is_no_event(user, recorded):
    assert events.task_written(actor=user, action=events.UPDATED, tasks=[]) is None
    assert services.tasks_bulk_delete(actor=user, ids=[]) == 0
    assert recorded == []
