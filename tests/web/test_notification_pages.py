"""Reminders on the task page and the notifications page: plain forms, no JavaScript."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.test import Client
from django.utils import timezone

from notifications import services
from notifications.models import Notification, Reminder
from tasks import services as task_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_task(user):
    task, _ = task_services.task_create(
        actor=user, title="Pay rent", due_date=date(2030, 1, 15), due_time=time(18, 0)
    )
    return task


def test_the_bell_shows_the_unread_count(user, web):
    assert "unread-count" not in web.get("/dashboard/").content.decode()
    services.notification_create(user_id=user.pk, kind="reminder", title="Reminder: A")
    page = web.get("/dashboard/").content.decode()
    assert '<span class="badge unread-count" aria-label="1 unread">1</span>' in page


def test_add_list_and_delete_reminders_on_the_task_page(user, web, due_task):
    page = web.get(f"/tasks/{due_task.pk}/").content.decode()
    assert 'id="reminders"' in page
    assert "No reminders." in page

    added = web.post(f"/tasks/{due_task.pk}/reminders/", {"before_due_minutes": "60"})
    assert added.status_code == 302
    added = web.post(f"/tasks/{due_task.pk}/reminders/", {"at": "2030-01-10T09:00"})
    assert added.status_code == 302
    relative, absolute = Reminder.objects.order_by("created_at", "id")
    assert relative.fire_at == datetime(2030, 1, 15, 17, 0, tzinfo=UTC)
    assert absolute.fire_at == datetime(2030, 1, 10, 9, 0, tzinfo=UTC)  # Alice is in UTC

    page = web.get(f"/tasks/{due_task.pk}/").content.decode()
    assert "1 hour before due" in page

    deleted = web.post(f"/reminders/{relative.pk}/delete/")
    assert deleted.status_code == 302
    assert list(Reminder.objects.all()) == [absolute]


def test_a_bad_reminder_form_says_why(web, task):
    response = web.post(f"/tasks/{task.pk}/reminders/", {"before_due_minutes": "60"}, follow=True)
    assert "The task has no due date" in response.content.decode()
    response = web.post(f"/tasks/{task.pk}/reminders/", {"at": "soon"}, follow=True)
    assert "Enter a date and time" in response.content.decode()
    assert not Reminder.objects.exists()


def test_another_users_task_and_reminder_are_404(user, other_web, due_task):
    reminder = Reminder.objects.create(
        task=due_task, user=user, at=timezone.now(), fire_at=timezone.now()
    )
    assert (
        other_web.post(f"/tasks/{due_task.pk}/reminders/", {"at": "2030-01-01T00:00"}).status_code
        == 404
    )
    assert other_web.post(f"/reminders/{reminder.pk}/delete/").status_code == 404
    assert Reminder.objects.count() == 1


def test_notifications_page_marks_one_and_all_read(user, web):
    first, _ = services.notification_create(user_id=user.pk, kind="reminder", title="Reminder: A")
    services.notification_create(user_id=user.pk, kind="reminder", title="Reminder: B")
    page = web.get("/notifications/").content.decode()
    assert "2 unread." in page
    assert "Reminder: A" in page

    web.post("/notifications/read/", {"id": first.pk})
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert "1 unread." in web.get("/notifications/").content.decode()

    web.post("/notifications/read/", {"all": "1"})
    assert "Nothing unread." in web.get("/notifications/").content.decode()


def test_the_forms_carry_csrf_tokens(user, due_task):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(f"/tasks/{due_task.pk}/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        f"/tasks/{due_task.pk}/reminders/",
        {"before_due_minutes": "0", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Reminder.objects.count() == 1


def test_anonymous_is_sent_to_login(anon):
    assert anon.get("/notifications/").status_code == 302
