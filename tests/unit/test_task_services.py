"""tasks.services: validation, version, completed_at, tag rows, idempotency, bulk
writes and pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tasks import services
from tasks.models import Priority, Status, Task, TaskTag
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def create(owner, **fields) -> Task:
    fields.setdefault("title", "A task")
    task, created = services.task_create(actor=owner, **fields)
    assert created
    return task


def tag_rows(task: Task) -> set[str]:
    return set(TaskTag.objects.filter(task=task).values_list("name", flat=True))


# --- clean_tags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        ("", []),
        ("a, B ,a", ["a", "b"]),
        (["  Two   words "], ["two words"]),
        (["x", "", "  "], ["x"]),
        ([f"t{i}" for i in range(10)], [f"t{i}" for i in range(10)]),
    ],
)
def test_clean_tags_normalises(raw, expected):
    assert services.clean_tags(raw) == expected


@pytest.mark.parametrize(
    "raw", [[f"t{i}" for i in range(11)], ["x" * 33], ["a,b"], [1], {"a": 1}, 5]
)
def test_clean_tags_rejects(raw):
    with pytest.raises(ValidationError):
        services.clean_tags(raw)


# --- create -----------------------------------------------------------------------------


def test_create_strips_title_and_writes_tag_rows(user):
    task = create(user, title="  Plan  ", tags=["Work", "home"])
    assert task.title == "Plan"
    assert task.version == 1
    assert tag_rows(task) == {"work", "home"}


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"description": "x" * 10_001},
        {"status": "later"},
        {"priority": 9},
    ],
)
def test_create_validates(user, fields):
    with pytest.raises(ValidationError):
        services.task_create(actor=user, **{"title": "ok", **fields})
    assert Task.objects.count() == 0


def test_create_done_sets_completed_at(user):
    assert create(user, status=Status.DONE).completed_at is not None
    assert create(user).completed_at is None


def test_idempotent_create_replays_and_conflicts(user):
    first, created = services.task_create(
        actor=user, title="x", idempotency_key="k", fingerprint="f1"
    )
    again, created_again = services.task_create(
        actor=user, title="x", idempotency_key="k", fingerprint="f1"
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    with pytest.raises(services.IdempotencyConflict):
        services.task_create(actor=user, title="y", idempotency_key="k", fingerprint="f2")


def test_expired_idempotency_key_creates_a_new_task(user, settings):
    first, _ = services.task_create(actor=user, title="x", idempotency_key="k", fingerprint="f")
    Task.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - timedelta(minutes=1)
    )
    assert services.prune_idempotency_keys() == 1
    second, created = services.task_create(
        actor=user, title="x", idempotency_key="k", fingerprint="f"
    )
    assert created
    assert second.pk != first.pk


def test_prune_keeps_fresh_keys(user):
    services.task_create(actor=user, title="x", idempotency_key="k", fingerprint="f")
    assert services.prune_idempotency_keys() == 0
    assert Task.objects.get().idempotency_key == "k"


# --- update -----------------------------------------------------------------------------


def test_update_bumps_version_and_syncs_tags(user):
    task = create(user, tags=["a", "b"])
    updated = services.task_update(
        actor=task.owner, task=task, changes={"tags": ["b", "c"], "title": "New"}
    )
    assert updated.version == 2
    assert tag_rows(task) == {"b", "c"}
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.version, stored.tags) == ("New", 2, ["b", "c"])


def test_update_keeps_completed_at_while_done(user):
    task = create(user, status=Status.DONE)
    again = services.task_update(actor=task.owner, task=task, changes={"title": "Still done"})
    assert again.completed_at == task.completed_at
    reopened = services.task_update(actor=again.owner, task=again, changes={"status": Status.TODO})
    assert reopened.completed_at is None


def test_update_with_stale_version_writes_nothing(user):
    task = create(user)
    with pytest.raises(services.PreconditionFailed):
        services.task_update(
            actor=task.owner, task=task, changes={"title": "x"}, expected_version=7
        )
    assert Task.objects.get(pk=task.pk).version == 1


def test_update_with_a_stale_object_and_if_match_is_a_precondition_failure(user):
    task = create(user)
    services.task_update(
        actor=task.owner, task=Task.objects.get(pk=task.pk), changes={"title": "other"}
    )
    with pytest.raises(services.PreconditionFailed):
        services.task_update(
            actor=task.owner, task=task, changes={"title": "mine"}, expected_version=1
        )
    assert Task.objects.get(pk=task.pk).title == "other"


def test_update_without_if_match_applies_on_top_of_a_concurrent_write(user):
    task = create(user, priority=Priority.LOW)
    services.task_update(
        actor=task.owner, task=Task.objects.get(pk=task.pk), changes={"priority": Priority.HIGH}
    )
    result = services.task_update(actor=task.owner, task=task, changes={"title": "mine"})
    stored = Task.objects.get(pk=task.pk)
    assert (result.version, stored.version) == (3, 3)
    assert (stored.title, stored.priority) == ("mine", Priority.HIGH)


def test_update_rejects_non_editable_fields(user, other_user):
    task = create(user)
    with pytest.raises(ValidationError):
        services.task_update(actor=task.owner, task=task, changes={"owner_id": other_user.pk})


# --- delete and bulk --------------------------------------------------------------------


def test_delete_permanently_removes_task_and_tag_rows(user):
    task = create(user, tags=["a"])
    services.task_delete_permanently(actor=task.owner, task=task)
    assert not Task.objects.exists()
    assert not TaskTag.objects.exists()


@pytest.mark.parametrize("delete", ["task_trash", "task_delete_permanently"])
def test_delete_with_stale_version_keeps_task(user, delete):
    task = create(user)
    with pytest.raises(services.PreconditionFailed):
        getattr(services, delete)(actor=task.owner, task=task, expected_version=2)
    assert Task.objects.filter(pk=task.pk, deleted_at__isnull=True).exists()


def test_bulk_set_status_only_touches_the_callers_changed_tasks(user):
    mine = [create(user), create(user, status=Status.DONE)]
    theirs = create(UserFactory())
    count = services.tasks_bulk_set_status(
        actor=user, ids=[t.pk for t in [*mine, theirs]], status=Status.DONE
    )
    assert count == 1
    assert Task.objects.get(pk=theirs.pk).status == Status.TODO
    assert Task.objects.get(pk=mine[0].pk).completed_at is not None
    assert Task.objects.get(pk=mine[1].pk).version == 1  # already done: untouched


def test_bulk_set_status_rejects_unknown_status(user):
    with pytest.raises(ValidationError):
        services.tasks_bulk_set_status(actor=user, ids=[], status="later")


def test_bulk_delete_only_trashes_the_callers_tasks(user):
    mine, theirs = create(user), create(UserFactory())
    assert services.tasks_bulk_delete(actor=user, ids=[mine.pk, theirs.pk]) == 1
    live = Task.objects.filter(deleted_at__isnull=True)
    assert list(live.values_list("pk", flat=True)) == [theirs.pk]
    assert Task.objects.get(pk=mine.pk).deleted_by_id == user.pk  # in the trash, not gone
    assert services.tasks_bulk_delete(actor=user, ids=[theirs.pk]) == 0
