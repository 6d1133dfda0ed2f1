"""In-app notification for a new assignee: a write-path hook (tasks.events), so every
way of assigning (create, edit, bulk assign, quick add) tells the assignee, once per
task and write. Assigning a task to yourself tells no one. In-app only, no email."""

from __future__ import annotations

from accounts.models import User
from notifications import services
from notifications.models import Notification
from tasks.events import CREATED, UPDATED, TaskEvent
from tasks.models import Task


def on_task_written(event: TaskEvent) -> None:
    if event.action == UPDATED and "assignee_id" in event.changes:
        if event.changes["assignee_id"][1] is None:
            return
    elif event.action != CREATED:
        return
    if event.assignee_ids and all(a is None or a == event.actor_id for a in event.assignee_ids):
        return  # no task was written with someone else as its assignee: nothing to read
    assigned = (
        Task.objects.filter(pk__in=list(event.task_ids), assignee_id__isnull=False)
        .exclude(assignee_id=event.actor_id)
        .values_list("pk", "title", "assignee_id")
    )
    rows = list(assigned)
    if not rows:
        return
    actor = User.objects.filter(pk=event.actor_id).first()
    who = actor.get_short_name() if actor is not None else "Someone"
    for task_id, title, assignee_id in rows:
        services.notification_create(
            user_id=assignee_id,
            kind=Notification.Kind.ASSIGNED,
            title=f"{who} assigned you “{title}”"[:200],
            task_id=task_id,
        )
