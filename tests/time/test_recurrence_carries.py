"""The next occurrence of a repeating task carries the checklist (unticked, in order)
and each user's reminders (relative ones follow the new due date; absolute ones move
by as many days as the due date did), through the write path."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from notifications.models import Reminder
from notifications.reminders import reminder_create
from projects import roles
from projects import services as project_services
from tasks import checklists, recurrence, services
from tasks.models import Activity, ChecklistItem, Status, Task
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


def _repeating(user, **extra):
    task, _ = services.task_create(
        actor=user,
        title="Weekly review",
        due_date=date(2026, 1, 9),
        due_time=time(17, 0),
        repeat="FREQ=WEEKLY",
        **extra,
    )
    for text in ("Inbox zero", "Plan next week", "Water plants"):
        _, task = checklists.checklist_item_add(actor=user, task=task, text=text)
    second = checklists.task_checklist(task)[1]
    _, task = checklists.checklist_item_update(actor=user, task=task, item=second, done=True)
    return task


def _complete(user, task):
    services.task_update(actor=user, task=task, changes={"status": Status.DONE})
    return Task.objects.get(pk=recurrence.next_task_id(task))


def test_next_occurrence_gets_the_checklist_unticked_and_the_reminder_moved(user):
    user.timezone = "Europe/Berlin"
    user.save(update_fields=["timezone"])
    task = _repeating(user)
    reminder_create(actor=user, task=task, before_due_minutes=30)
    nxt = _complete(user, task)

    assert nxt.due_date == date(2026, 1, 16)
    items = list(checklists.task_checklist(nxt).values_list("text", "done"))
    assert items == [("Inbox zero", False), ("Plan next week", False), ("Water plants", False)]
    assert (nxt.checklist_total, nxt.checklist_done) == (3, 0)
    # The completed occurrence keeps its own checklist as it was.
    assert list(checklists.task_checklist(task).values_list("done", flat=True)) == [
        False,
        True,
        False,
    ]
    (copied,) = Reminder.objects.filter(task_id=nxt.pk)
    assert (copied.user_id, copied.before_due_minutes, copied.sent_at) == (user.pk, 30, None)
    # 17:00 Berlin (CET, UTC+1) on the 16th, 30 minutes earlier.
    assert copied.fire_at == datetime(2026, 1, 16, 15, 30, tzinfo=UTC)
    # One create on the write path, no item writes behind it.
    assert list(Activity.objects.filter(task_id=nxt.pk).values_list("action", flat=True)) == [
        "created"
    ]


def test_an_absolute_reminder_moves_with_the_due_date_at_the_same_wall_time(user):
    user.timezone = "Europe/Berlin"
    user.save(update_fields=["timezone"])
    task, _ = services.task_create(
        actor=user, title="Bins", due_date=date(2026, 3, 26), repeat="FREQ=WEEKLY"
    )
    # Wednesday 20:00 CET, the evening before; the next one is after the DST change.
    reminder_create(actor=user, task=task, at=datetime(2026, 3, 25, 19, 0, tzinfo=UTC))
    nxt = _complete(user, task)
    (copied,) = Reminder.objects.filter(task_id=nxt.pk)
    assert copied.before_due_minutes is None
    assert copied.at == datetime(2026, 4, 1, 18, 0, tzinfo=UTC)  # 20:00 CEST
    assert copied.fire_at == copied.at


def test_reminders_go_only_to_users_who_still_see_the_task(user):
    project = project_services.project_create(actor=user, name="Home")
    friend, gone = UserFactory(), UserFactory()
    add_member(project, user, friend, "viewer")
    add_member(project, user, gone, "viewer")
    task = _repeating(user, project_id=project.pk)
    reminder_create(actor=friend, task=task, before_due_minutes=60)
    reminder_create(actor=gone, task=task, before_due_minutes=10)
    membership = roles.get_membership_for(user, project.pk)
    project_services.member_remove(actor=user, membership=membership, user_id=gone.pk)
    nxt = _complete(user, task)
    copied = list(
        Reminder.objects.filter(task_id=nxt.pk).values_list("user_id", "before_due_minutes")
    )
    assert copied == [(friend.pk, 60)]


def test_without_a_due_date_an_absolute_reminder_stays_with_its_occurrence(user):
    task, _ = services.task_create(actor=user, title="Stretch", repeat="FREQ=DAILY")
    reminder_create(actor=user, task=task, at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    nxt = _complete(user, task)
    assert nxt.due_date is not None
    assert not Reminder.objects.filter(task_id=nxt.pk).exists()
    assert ChecklistItem.objects.filter(task_id=nxt.pk).count() == 0
