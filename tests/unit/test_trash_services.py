"""The trash's services (SPEC §12): trash, restore, delete for good, empty, and the
purge job with its 30-day boundary. Each write goes through the one write path
(activity, stats versions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from projects import services as project_services
from projects.models import Role
from tasks import checklists, comments, permissions, selectors, services
from tasks.exceptions import TaskPermissionDenied
from tasks.models import Activity, ChecklistItem, Comment, Task, TaskTag
from tasks.tasks import purge_trash
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


def create(user, **fields):
    fields.setdefault("title", "Water the plants")
    return services.task_create(actor=user, **fields)[0]


def trashed_ago(task, delta):
    """Backdate a trashed task's deleted_at (the purge reads only that)."""
    Task.objects.filter(pk=task.pk).update(deleted_at=timezone.now() - delta)


def test_trash_hides_the_task_and_keeps_everything_for_a_restore(user):
    task = create(user, tags=["home", "weekly"])
    comments.comment_create(actor=user, task=task, body="Use the blue can")
    _, task = checklists.checklist_item_add(actor=user, task=task, text="Fill the can")
    _, task = checklists.checklist_item_add(actor=user, task=task, text="Ferns", done=True)
    column, position = task.column_id, task.position

    trashed = services.task_trash(actor=user, task=task)

    assert trashed.deleted_at is not None
    assert trashed.version == task.version + 1
    row = Task.objects.get(pk=task.pk)
    assert (row.deleted_by_id, row.column_id, row.position) == (user.pk, column, position)
    assert not permissions.visible_tasks(user).filter(pk=task.pk).exists()
    assert not permissions.editable_tasks(user).filter(pk=task.pk).exists()
    assert list(permissions.trashed_tasks(user)) == [row]
    with pytest.raises(Http404):
        permissions.get_visible_task(user, task.pk)
    # Nothing else was removed: tag rows (the tag filter) and comments wait in place.
    assert sorted(TaskTag.objects.filter(task_id=task.pk).values_list("name", flat=True)) == [
        "home",
        "weekly",
    ]
    assert Comment.objects.filter(task_id=task.pk).count() == 1
    assert ChecklistItem.objects.filter(task_id=task.pk).count() == 2

    restored = services.task_restore(actor=user, task=permissions.get_trashed_task(user, task.pk))

    assert restored.deleted_at is None
    assert restored.deleted_by_id is None
    again = permissions.get_visible_task(user, task.pk)
    assert (again.tags, again.column_id, again.position) == (["home", "weekly"], column, position)
    assert list(permissions.visible_tasks(user).filter(tags__isnull=False)) == [again]
    assert Comment.objects.filter(task_id=task.pk).count() == 1
    assert [(i.text, i.done) for i in checklists.task_checklist(again)] == [
        ("Fill the can", False),
        ("Ferns", True),
    ]
    assert (again.checklist_done, again.checklist_total) == (1, 2)
    actions = list(
        Activity.objects.filter(task_id=task.pk)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "created",
        "commented",
        "updated",  # each checklist write is an update of the task (its activity names it)
        "updated",
        "trashed",
        "restored",
    ]


def test_trash_and_restore_invalidate_the_stats(user):
    task = create(user)
    assert selectors.task_stats(user)["total"] == 1  # cached now
    services.task_trash(actor=user, task=task)
    assert selectors.task_stats(user)["total"] == 0
    services.task_restore(actor=user, task=Task.objects.get(pk=task.pk))
    assert selectors.task_stats(user)["total"] == 1


def test_trash_with_a_stale_version_is_refused_and_without_one_trashes_the_latest(user):
    task = create(user)
    services.task_update(actor=user, task=task, changes={"title": "Edited meanwhile"})
    with pytest.raises(services.PreconditionFailed):
        services.task_trash(actor=user, task=task, expected_version=task.version)
    assert Task.objects.get(pk=task.pk).deleted_at is None
    trashed = services.task_trash(actor=user, task=task)  # the stale copy: retried on v2
    assert (trashed.title, trashed.version) == ("Edited meanwhile", 3)
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_trashing_twice_records_one_event_and_restoring_a_live_task_writes_nothing(user):
    task = create(user)
    services.task_trash(actor=user, task=task)
    services.task_trash(actor=user, task=task)  # a concurrent second delete
    assert Activity.objects.filter(task_id=task.pk, action="trashed").count() == 1
    live = create(user, title="Still here")
    assert services.task_restore(actor=user, task=live).version == live.version
    assert not Activity.objects.filter(task_id=live.pk, action="restored").exists()


def test_a_trashed_task_cannot_be_completed_or_edited_through_the_permission_layer(user):
    task = create(user, repeat="FREQ=DAILY", due_date=timezone.localdate())
    services.task_trash(actor=user, task=task)
    with pytest.raises(Http404):
        permissions.get_task_for_update(user, task.pk)
    assert services.tasks_bulk_set_status(actor=user, ids=[task.pk], status="done") == 0
    assert Task.objects.count() == 1  # no next occurrence either


def test_bulk_delete_trashes_and_restore_many_brings_back_only_the_callers(user, other_user):
    mine = [create(user, title=f"M{i}") for i in range(3)]
    theirs = create(other_user, title="Theirs")
    services.task_trash(actor=other_user, task=theirs)
    assert services.tasks_bulk_delete(actor=user, ids=[t.pk for t in mine[:2]]) == 2
    assert permissions.visible_tasks(user).count() == 1

    ids = [mine[0].pk, mine[1].pk, mine[2].pk, theirs.pk, "not-an-id"]
    assert services.tasks_restore_many(actor=user, ids=ids) == 2
    assert permissions.visible_tasks(user).count() == 3
    assert Task.objects.get(pk=theirs.pk).deleted_at is not None  # not hers to restore
    assert services.tasks_restore_many(actor=user, ids=ids) == 0  # a repeated Undo


def test_delete_permanently_reaches_a_trashed_task_and_takes_its_rows(user):
    task = create(user, tags=["a"])
    comments.comment_create(actor=user, task=task, body="x")
    services.task_trash(actor=user, task=task)
    services.task_delete_permanently(actor=user, task=Task.objects.get(pk=task.pk))
    assert not Task.objects.exists()
    assert not TaskTag.objects.exists()
    assert not Comment.objects.exists()
    assert Activity.objects.filter(task_id=task.pk, action="deleted").count() == 1


def test_empty_trash_deletes_only_what_the_actor_may_restore(user, other_user):
    shared = project_services.project_create(actor=other_user, name="Shared")
    add_member(shared, other_user, user, Role.VIEWER)
    mine = [create(user, title=f"M{i}") for i in range(2)]
    live = create(user, title="Live")
    theirs = create(other_user, title="Theirs", project_id=shared.pk)
    for task in [*mine, theirs]:
        services.task_trash(actor=task.owner, task=task)

    assert list(permissions.trashed_tasks(user).order_by("title")) == mine  # viewer: not theirs
    assert services.trash_empty(actor=user) == 2

    assert list(Task.objects.order_by("title")) == [live, theirs]
    assert services.trash_empty(actor=user) == 0


def test_empty_trash_for_one_project_or_some_ids(user):
    other = project_services.project_create(actor=user, name="Garden")
    inbox = [create(user, title=f"I{i}") for i in range(2)]
    garden = create(user, title="G", project_id=other.pk)
    for task in [*inbox, garden]:
        services.task_trash(actor=user, task=task)
    assert services.trash_empty(actor=user, project_id=other.pk) == 1
    assert services.trash_empty(actor=user, ids=[inbox[0].pk]) == 1
    assert list(Task.objects.all()) == [inbox[1]]


def test_a_viewer_may_not_restore(user, other_user):
    shared = project_services.project_create(actor=other_user, name="Shared")
    add_member(shared, other_user, user, Role.VIEWER)
    task = create(other_user, project_id=shared.pk)
    services.task_trash(actor=other_user, task=task)
    with pytest.raises(TaskPermissionDenied):
        permissions.get_trashed_task(user, task.pk)
    with pytest.raises(Http404):
        permissions.get_trashed_task(UserFactory(), task.pk)  # not a member: no such task
    with pytest.raises(Http404):
        permissions.get_trashed_task(other_user, create(other_user).pk)  # live: not in trash


def test_the_purge_deletes_after_30_days_and_not_a_second_before(user, settings):
    assert settings.TRASH_DAYS == 30
    old, young, live = create(user, title="old"), create(user, title="young"), create(user)
    for task in (old, young):
        services.task_trash(actor=user, task=task)
    now = timezone.now()
    Task.objects.filter(pk=old.pk).update(deleted_at=now - timedelta(days=30, seconds=1))
    Task.objects.filter(pk=young.pk).update(
        deleted_at=now - timedelta(days=30) + timedelta(seconds=1)
    )

    assert services.trash_purge(now=now) == 1
    assert services.trash_purge(now=now) == 0  # idempotent: a second run finds nothing
    assert sorted(Task.objects.values_list("title", flat=True)) == sorted(["young", live.title])
    assert Activity.objects.filter(task_id=old.pk, action="deleted", actor=None).count() == 1


def test_the_purge_is_bounded_per_run_and_the_next_run_takes_the_rest(user):
    tasks = [create(user, title=f"T{i}") for i in range(5)]
    services.tasks_bulk_delete(actor=user, ids=[t.pk for t in tasks])
    Task.objects.update(deleted_at=timezone.now() - timedelta(days=31))
    assert services.trash_purge(limit=3) == 3
    assert services.trash_purge(limit=3) == 2
    assert not Task.objects.exists()


def test_a_restored_task_is_never_purged(user):
    task = create(user)
    services.task_trash(actor=user, task=task)
    trashed_ago(task, timedelta(days=40))
    services.task_restore(actor=user, task=Task.objects.get(pk=task.pk))
    assert services.trash_purge() == 0
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_periodic_job_runs_the_purge(user):
    task = create(user)
    services.task_trash(actor=user, task=task)
    trashed_ago(task, timedelta(days=31))
    purge_trash.call_local(_job_meta={"enqueued_at": timezone.now().timestamp()})
    assert not Task.objects.filter(pk=task.pk).exists()


def test_operator_stats_do_not_count_the_trash(user):
    services.task_trash(actor=user, task=create(user))
    create(user)
    assert selectors.global_task_stats()["total"] == 1
