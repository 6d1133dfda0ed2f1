"""The permission layer (tasks.permissions): who may read, change and operate on
which task, and how a visible-but-not-editable task answers (403) in the API and pages.

Today visible == editable; the 403 path is exercised by narrowing ``can_edit`` and
``editable_tasks`` the way project roles will (a viewer sees, cannot change)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import Client

from accounts.models import User
from projects.inbox import inbox_id_of
from tasks import permissions, services
from tasks.exceptions import TaskPermissionDenied
from tasks.models import Task
from tests.factories import DEFAULT_PASSWORD, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_visible_tasks_are_the_users_own(user, other_user):
    mine, theirs = TaskFactory(owner=user), TaskFactory(owner=other_user)
    assert list(permissions.visible_tasks(user)) == [mine]
    assert list(permissions.visible_tasks(other_user)) == [theirs]
    assert not permissions.visible_tasks(AnonymousUser()).exists()
    assert not permissions.visible_tasks(None).exists()


def test_editable_and_created_tasks_stay_within_visible(user, other_user):
    TaskFactory(owner=user)
    TaskFactory(owner=other_user)
    visible = set(permissions.visible_tasks(user))
    assert set(permissions.editable_tasks(user)) <= visible
    assert set(permissions.created_tasks(user)) <= visible


@pytest.mark.parametrize("task_id", ["", "nope", "x" * 300, "../etc", None])
def test_get_task_for_update_turns_malformed_ids_into_404(user, task_id):
    with pytest.raises(Http404):
        permissions.get_task_for_update(user, task_id)


def test_another_users_task_is_a_404_for_reads_and_writes(user, other_user):
    theirs = TaskFactory(owner=other_user)
    with pytest.raises(Http404):
        permissions.get_visible_task(user, theirs.pk)
    with pytest.raises(Http404):
        permissions.get_task_for_update(user, theirs.pk)


def test_own_task_is_returned_for_update(user, task):
    assert permissions.get_task_for_update(user, task.pk) == task


def viewer_only(monkeypatch) -> None:
    """Make every visible task read-only, as a viewer's will be."""
    monkeypatch.setattr(permissions, "can_edit", lambda user, task: False)
    monkeypatch.setattr(permissions, "editable_tasks", lambda user: Task.objects.none())


def test_visible_but_not_editable_is_permission_denied(user, task, monkeypatch):
    viewer_only(monkeypatch)
    assert permissions.get_visible_task(user, task.pk) == task
    with pytest.raises(TaskPermissionDenied):
        permissions.get_task_for_update(user, task.pk)


def test_api_answers_403_with_detail_and_code_for_a_read_only_task(api_client, task, monkeypatch):
    viewer_only(monkeypatch)
    assert api_client.get(f"/api/tasks/{task.pk}/").status_code == 200
    for method in (api_client.patch, api_client.put, api_client.delete):
        response = method(f"/api/tasks/{task.pk}/", {"title": "x"}, format="json")
        assert response.status_code == 403
        assert response.json() == {
            "detail": "You may see this task but not change it.",
            "code": "permission_denied",
        }
    bulk = {"ids": [task.pk], "action": "delete"}
    assert api_client.post("/api/tasks/bulk/", bulk, format="json").json() == {"updated": 0}
    assert Task.objects.get(pk=task.pk).version == 1


def test_pages_answer_403_for_a_read_only_task(user, task, monkeypatch):
    viewer_only(monkeypatch)
    browser = Client()
    browser.force_login(user)
    assert browser.get(f"/tasks/{task.pk}/").status_code == 200
    assert browser.get(f"/tasks/{task.pk}/edit/").status_code == 403
    assert browser.post(f"/tasks/{task.pk}/delete/").status_code == 403
    assert browser.post(f"/tasks/{task.pk}/status/", {"status": "done"}).status_code == 403
    assert Task.objects.filter(pk=task.pk, version=1).exists()


def test_operators_see_every_task_other_staff_only_their_own(user, other_user):
    mine, theirs = TaskFactory(owner=user), TaskFactory(owner=other_user)
    root = User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD)
    staff = UserFactory(is_staff=True)
    assert set(permissions.operator_tasks(root)) == {mine, theirs}
    assert not permissions.operator_tasks(staff).exists()
    assert permissions.can_operate(root, theirs)
    assert not permissions.can_operate(staff, theirs)
    assert permissions.can_create_for(root, user)
    assert not permissions.can_create_for(staff, user)


def test_idempotency_keys_are_per_user(user, other_user):
    mine, _ = services.task_create(actor=user, title="a", idempotency_key="k", fingerprint="f")
    theirs, created = services.task_create(
        actor=other_user, title="a", idempotency_key="k", fingerprint="f"
    )
    assert created
    assert theirs.pk != mine.pk
    assert theirs.owner_id == other_user.pk


def test_scopes_name_the_project_and_the_inbox_owner(user, other_user):
    tasks = [TaskFactory(owner=user), TaskFactory(owner=user), TaskFactory(owner=other_user)]
    assert permissions.task_scopes(tasks) == {
        f"project:{inbox_id_of(user)}",
        f"project:{inbox_id_of(other_user)}",
        f"user:{user.pk}",
        f"user:{other_user.pk}",
    }
    assert permissions.user_scopes(user) == [f"user:{user.pk}"]


def test_scopes_take_the_inbox_owner_from_a_loaded_project(
    user, other_user, django_assert_num_queries
):
    from projects import services as project_services

    shared = project_services.project_create(actor=user, name="Shared")
    services.task_create(actor=user, title="first")  # the Inbox's columns exist from here
    in_inbox, _ = services.task_create(actor=user, title="inbox")
    in_shared, _ = services.task_create(actor=user, title="shared", project=shared)
    theirs = TaskFactory(owner=other_user)
    # The new tasks carry their projects as loaded: no query for them.
    assert Task.project.is_cached(in_inbox)
    assert Task.project.is_cached(in_shared)
    with django_assert_num_queries(0):
        loaded = permissions.task_scopes([in_inbox, in_shared])
    # The same answer as the query gives for the same tasks read afresh.
    fresh = list(Task.objects.filter(pk__in=[in_inbox.pk, in_shared.pk]))
    assert (
        loaded
        == permissions.task_scopes(fresh)
        == {
            f"project:{inbox_id_of(user)}",
            f"project:{shared.pk}",
            f"user:{user.pk}",
        }
    )
    # Mixed: only the tasks without a loaded project are looked up.
    theirs = Task.objects.get(pk=theirs.pk)
    with django_assert_num_queries(1):
        mixed = permissions.task_scopes([in_inbox, theirs])
    assert mixed == {
        f"project:{inbox_id_of(user)}",
        f"project:{inbox_id_of(other_user)}",
        f"user:{user.pk}",
        f"user:{other_user.pk}",
    }
