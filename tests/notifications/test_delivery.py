"""Reminder delivery in-process (jobs run at once here: tests/conftest.py): one
notification and one email per reminder, whatever is retried, re-claimed or crashed.
Real worker processes and a real SMTP server: tests/jobs/test_reminder_delivery.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery, reminders
from notifications import tasks as jobs
from notifications.models import Notification, Reminder
from projects import roles
from projects import services as project_services
from taskflow import email
from tasks import services as task_services
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_now(user, due_task) -> Reminder:
    return reminders.reminder_create(
        actor=user, task=due_task, at=timezone.now() - timedelta(seconds=1)
    )


def test_the_sweep_delivers_a_due_reminder_once(user, due_now):
    assert jobs.sweep() == 1
    assert jobs.sweep() == 0  # sent: nothing left to claim

    (note,) = Notification.objects.all()
    assert note.user_id == user.pk
    assert note.task_id == due_now.task_id
    assert note.title == "Reminder: Pay rent"
    assert note.pk == delivery.notification_id(due_now)
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Reminder: Pay rent"
    assert message.extra_headers["Message-ID"] == delivery.message_id(due_now)
    assert f"/tasks/{due_now.task_id}/" in message.body
    assert Reminder.objects.get().sent_at is not None


def test_a_reminder_not_yet_due_waits(user, due_task):
    reminders.reminder_create(actor=user, task=due_task, at=timezone.now() + timedelta(minutes=5))
    assert jobs.sweep() == 0
    assert not Notification.objects.exists()


def test_a_second_run_of_the_same_job_does_nothing(due_now):
    ((pk, token),) = delivery.claim_due()
    assert delivery.deliver(pk, token) == "sent"
    assert delivery.deliver(pk, token) == "not_mine"  # Huey enqueued it twice, say
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_live_claim_is_not_taken_by_another_sweep(due_now):
    assert len(delivery.claim_due()) == 1
    assert delivery.claim_due() == []  # the lease holds


def test_an_expired_claim_is_taken_again_and_the_old_job_stands_down(due_now, settings):
    ((pk, old),) = delivery.claim_due()
    # The worker that held ``old`` was killed; after the lease the next sweep takes it.
    later = timezone.now() + delivery.lease() + timedelta(seconds=1)
    ((_, new),) = delivery.claim_due(now=later)
    assert new != old
    assert delivery.deliver(pk, old) == "not_mine"  # a stale copy of the old job
    assert delivery.deliver(pk, new) == "sent"
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().attempts == 2


def test_a_crash_after_the_notification_retries_without_a_second_one(due_now, monkeypatch):
    ((pk, token),) = delivery.claim_due()

    def smtp_down(**kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(email, "send_now", smtp_down)
    with pytest.raises(ConnectionRefusedError):
        delivery.deliver(pk, token)
    assert Notification.objects.count() == 1  # created before the email failed
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.claimed_until >= timezone.now() + timedelta(seconds=50)  # backoff

    monkeypatch.undo()
    assert delivery.claim_due() == []  # not before the backoff
    ((_, retry),) = delivery.claim_due(now=reminder.claimed_until + timedelta(seconds=1))
    assert delivery.deliver(pk, retry) == "sent"
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_after_max_attempts_the_sweep_leaves_it(due_now):
    Reminder.objects.update(attempts=delivery.MAX_ATTEMPTS)
    assert delivery.claim_due() == []


def test_huey_does_not_retry_a_delivery_the_sweep_does():
    # retries=0: the sweep is the one retry path (delivery.retry_delay).
    assert jobs.deliver_reminder.task_class.default_retries == 0


def test_a_done_task_is_skipped(user, due_now):
    task_services.task_update(actor=user, task=due_now.task, changes={"status": "done"})
    jobs.sweep()
    assert not Notification.objects.exists()
    assert mail.outbox == []
    assert Reminder.objects.get().sent_at is not None


def test_a_member_removed_from_the_project_is_not_reminded(db):
    owner, member = UserFactory(email="o@example.com"), UserFactory(email="m@example.com")
    project = project_services.project_create(actor=owner, name="Home")
    add_member(project, owner, member, "editor")
    task, _ = task_services.task_create(actor=owner, project_id=project.pk, title="Secret")
    reminders.reminder_create(actor=member, task=task, at=timezone.now())
    membership = roles.get_membership_for(owner, project.pk)
    project_services.member_remove(actor=owner, membership=membership, user_id=member.pk)
    mail.outbox.clear()
    jobs.sweep()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_sent_relative_reminder_is_armed_again_when_the_due_date_moves_ahead(user, due_task):
    reminder = reminders.reminder_create(actor=user, task=due_task, before_due_minutes=60)
    Reminder.objects.update(fire_at=timezone.now() - timedelta(minutes=1))
    jobs.sweep()
    first = Notification.objects.get()
    task_services.task_update(
        actor=user, task=due_task, changes={"due_date": due_task.due_date + timedelta(days=7)}
    )
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    assert reminder.attempts == 0
    # Its next firing is a new notification (the derived id includes the time).
    assert delivery.notification_id(reminder) != first.pk


def test_the_periodic_job_sweeps(due_now):
    jobs.sweep_reminders()
    assert Notification.objects.count() == 1
