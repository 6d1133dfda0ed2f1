"""The Django admin for users, tasks and revocation records: pages render for a
superuser, search and filters work, and saves go through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from accounts.models import RevokedToken, User
from tasks import selectors, services
from tasks.models import Priority, Status, Task, TaskTag
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    admin = User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD, name="Root")
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def report(user) -> Task:
    task, _ = services.task_create(
        actor=user, title="Quarterly report", description="numbers", tags=["work"]
    )
    return task


@pytest.fixture
def revoked(user) -> RevokedToken:
    return RevokedToken.objects.create(
        jti="abc", kind="refresh", user=user, expires_at=timezone.now() + timedelta(days=1)
    )


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/tasks/task/",
        "/admin/tasks/task/add/",
        "/admin/accounts/revokedtoken/",
        "/admin/tasks/task/?status__exact=todo&priority__exact=2",
        "/admin/accounts/user/?is_staff__exact=0&is_active__exact=1",
    ],
)
def test_admin_pages_render(admin_client, report, revoked, path):
    assert admin_client.get(path).status_code == 200


def test_change_pages_render(admin_client, user, report, revoked):
    for path in (
        f"/admin/accounts/user/{user.pk}/change/",
        f"/admin/accounts/user/{user.pk}/password/",
        f"/admin/tasks/task/{report.pk}/change/",
        f"/admin/accounts/revokedtoken/{revoked.pk}/change/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
    html = admin_client.get(f"/admin/tasks/task/{report.pk}/change/").content.decode()
    assert 'value="work"' in html


@pytest.mark.parametrize(
    ("query", "found"),
    [("quarterly", True), ("NUMBERS", True), ("alice@example", True), ("zebra", False)],
)
def test_task_search(admin_client, report, query, found):
    html = admin_client.get(f"/admin/tasks/task/?q={query}").content.decode()
    assert ("Quarterly report" in html) is found


@pytest.mark.parametrize(("query", "found"), [("ALICE", True), ("Alice", True), ("bob", False)])
def test_user_search(admin_client, user, query, found):
    html = admin_client.get(f"/admin/accounts/user/?q={query}").content.decode()
    assert ("alice@example.com" in html) is found


def test_status_filter(admin_client, report, user):
    services.task_create(actor=user, title="Finished thing", status=Status.DONE)
    html = admin_client.get("/admin/tasks/task/?status__exact=done").content.decode()
    assert "Finished thing" in html
    assert "Quarterly report" not in html


def _task_form(**fields) -> dict:
    data = {
        "title": "Quarterly report",
        "description": "numbers",
        "status": "todo",
        "priority": "2",
        "due_date": "",
        "tags": "work",
    }
    data.update(fields)
    return data


def test_saving_a_task_goes_through_the_services(admin_client, user, report):
    assert selectors.task_stats(user)["by_status"]["done"] == 0
    response = admin_client.post(
        f"/admin/tasks/task/{report.pk}/change/",
        _task_form(status="done", priority="3", tags="Work, Home"),
    )
    assert response.status_code == 302
    task = Task.objects.get(pk=report.pk)
    assert (task.status, task.priority, task.version) == (Status.DONE, Priority.HIGH, 2)
    assert task.completed_at is not None
    assert task.tags == ["work", "home"]
    assert set(TaskTag.objects.filter(task=task).values_list("name", flat=True)) == {
        "work",
        "home",
    }
    assert selectors.task_stats(user)["by_status"]["done"] == 1  # cache invalidated


def test_saving_an_unchanged_task_writes_nothing(admin_client, report):
    admin_client.post(f"/admin/tasks/task/{report.pk}/change/", _task_form(tags=" WORK "))
    assert Task.objects.get(pk=report.pk).version == 1


def test_invalid_tags_are_a_form_error(admin_client, report):
    tags = ",".join(f"t{i}" for i in range(11))
    response = admin_client.post(f"/admin/tasks/task/{report.pk}/change/", _task_form(tags=tags))
    assert response.status_code == 200
    assert "At most 10 tags" in response.content.decode()
    assert Task.objects.get(pk=report.pk).version == 1


def test_adding_a_task_goes_through_the_services(admin_client, user):
    assert selectors.task_stats(user)["total"] == 0
    response = admin_client.post(
        "/admin/tasks/task/add/", _task_form(owner=user.pk, title="  New one ", tags="a")
    )
    assert response.status_code == 302
    task = Task.objects.get(owner=user)
    assert (task.title, task.version) == ("New one", 1)
    assert TaskTag.objects.filter(task=task, name="a").exists()
    assert selectors.task_stats(user)["total"] == 1


def test_deleting_a_task_invalidates_stats(admin_client, user, report):
    assert selectors.task_stats(user)["total"] == 1
    response = admin_client.post(f"/admin/tasks/task/{report.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Task.objects.exists()
    assert selectors.task_stats(user)["total"] == 0


def test_bulk_delete_action_invalidates_stats(admin_client, user, report):
    assert selectors.task_stats(user)["total"] == 1
    admin_client.post(
        "/admin/tasks/task/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )
    assert not Task.objects.exists()
    assert selectors.task_stats(user)["total"] == 0


def test_adding_a_user_with_email_and_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "name": "New",
            "usable_password": "true",
            "password1": "a long new password 9",
            "password2": "a long new password 9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long new password 9")


def test_adding_a_duplicate_email_is_a_form_error(admin_client, user):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "ALICE@example.com",
            "usable_password": "true",
            "password1": "a long new password 9",
            "password2": "a long new password 9",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email="alice@example.com").count() == 1


def test_admin_password_change_revokes_tokens(admin_client, user):
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "usable_password": "true",
            "password1": "another long pass 7",
            "password2": "another long pass 7",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long pass 7")
    assert user.token_generation == 1


def test_user_change_page_shows_readonly_fields(admin_client, user):
    html = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "Token generation" in html
    assert 'name="date_joined"' not in html
    assert 'name="token_generation"' not in html


def test_revoked_tokens_are_read_only(admin_client, revoked):
    assert admin_client.get("/admin/accounts/revokedtoken/add/").status_code == 403
    response = admin_client.post(
        f"/admin/accounts/revokedtoken/{revoked.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert RevokedToken.objects.filter(pk=revoked.pk).exists()


def test_task_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    owners = [UserFactory() for _ in range(3)]
    for owner in owners:
        services.task_create(actor=owner, title="t")
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/admin/tasks/task/")
    for owner in owners * 5:
        services.task_create(actor=owner, title="more")
    with django_assert_max_num_queries(len(few)):
        admin_client.get("/admin/tasks/task/")


def test_non_staff_cannot_open_the_admin(user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/tasks/task/").status_code == 302


def test_editing_a_user_lower_cases_the_email(admin_client, user):
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"email": "Alice.New@Example.com", "name": "Alice N", "bio": "", "is_active": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.name, user.is_active) == ("alice.new@example.com", "Alice N", True)


def test_add_form_shows_no_id_that_saving_would_replace(admin_client, user):
    page = admin_client.get("/admin/tasks/task/add/").content.decode()
    # The unsaved instance's default id (and version, timestamps) used to show here,
    # and task_create then saved the task under another id.
    for label in ("Id:", "Version:", "Created at:", "Idempotency key:"):
        assert label not in page
    response = admin_client.post("/admin/tasks/task/add/", _task_form(owner=user.pk))
    assert response.status_code == 302
    task = Task.objects.get(owner=user)
    change = admin_client.get(f"/admin/tasks/task/{task.pk}/change/").content.decode()
    assert task.pk in change  # the change page shows the saved id, read-only
    assert "Version:" in change


def test_priority_reads_capitalised_in_list_filter_and_form(admin_client, report):
    changelist = admin_client.get("/admin/tasks/task/").content.decode()
    assert '<td class="field-priority_label">Medium</td>' in changelist
    assert ">Medium</a>" in changelist  # the filter, same ?priority__exact=2 link
    assert "?priority__exact=2" in changelist
    assert ">medium<" not in changelist
    form = admin_client.get(f"/admin/tasks/task/{report.pk}/change/").content.decode()
    assert '<option value="2" selected>Medium</option>' in form


def test_changelist_dates_are_compact(admin_client, user):
    services.task_create(actor=user, title="Dated", due_date=timezone.localdate())
    page = admin_client.get("/admin/tasks/task/").content.decode()
    today = timezone.localdate().isoformat()
    assert f'<td class="field-due"><span class="nowrap">{today}</span></td>' in page
    assert f'<td class="field-updated"><span class="nowrap">{today}</span> ' in page


def test_trashed_tasks_are_marked_filtered_and_explained(admin_client, user, report):
    binned, _ = services.task_create(actor=user, title="Old draft")
    binned = services.task_trash(actor=user, task=binned)
    page = admin_client.get("/admin/tasks/task/").content.decode()
    # Operators still see both; only the trashed row carries the marker.
    assert "Quarterly report" in page
    assert "Old draft" in page
    assert page.count('<strong class="nowrap">In trash</strong>') == 1
    trashed_only = admin_client.get("/admin/tasks/task/?in_trash=yes").content.decode()
    assert "Old draft" in trashed_only
    assert "Quarterly report" not in trashed_only
    live_only = admin_client.get("/admin/tasks/task/?in_trash=no").content.decode()
    assert "Quarterly report" in live_only
    assert "Old draft" not in live_only

    change = admin_client.get(f"/admin/tasks/task/{binned.pk}/change/").content.decode()
    since = timezone.localtime(binned.deleted_at).strftime("%Y-%m-%d %H:%M")
    assert f"In the trash since {since} (moved there by {user.email})." in change
    # Read-only: a line, not an input the form would post.
    assert 'name="trash_state"' not in change
    live = admin_client.get(f"/admin/tasks/task/{report.pk}/change/").content.decode()
    assert "In the trash since" not in live


def test_staff_who_are_not_operators_do_not_see_trashed_tasks(user, report):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_task"))
    own, _ = services.task_create(actor=staff, title="Staff draft")
    services.task_trash(actor=staff, task=own)
    services.task_create(actor=staff, title="Staff live")
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/tasks/task/").content.decode()
    assert "Staff live" in page
    assert "Staff draft" not in page
    page = client.get("/admin/tasks/task/?in_trash=yes").content.decode()
    assert "Staff draft" not in page  # operator_tasks, not the filter, decides
    assert client.get(f"/admin/tasks/task/{own.pk}/change/").status_code in (302, 404)
