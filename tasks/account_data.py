"""The tasks app's part of "Your data" (accounts.data hooks, registered in
TasksConfig.ready): tasks, checklists, comments and activity in the export, and the hand-over of
the tasks a deleted user created in projects that outlive the account.

Decisions (docs/architecture.md, "Your data: export and account deletion"):
- Export: the visible tasks the user created plus every task of the projects they
  own (``permissions.exportable_tasks``) with their checklist items; every comment
  they wrote (their own words, without the task's content); their activity in
  projects they are still a member of (its ``changes`` carry other people's values,
  which they may no longer read).
- Deletion: comments in other people's projects stay, shown as by a deleted user
  (``author`` becomes null), and so does activity (``actor`` null): the team's history
  keeps its shape. Tasks the user created in a project that outlives the account
  belong to that project's team: they are handed to the project's longest-standing
  owner (``created_by`` changes, recorded as activity) instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.utils import timezone

from projects import roles
from projects.models import Membership, Role
from tasks import counters, events, permissions
from tasks.exchange import task_record
from tasks.models import Activity, ChecklistItem, Comment, SavedFilter, Task, TaskTag

CHUNK = 500


def export_tasks(user: Any) -> Iterator[dict[str, Any]]:
    """One query, streamed in chunks."""
    rows = permissions.exportable_tasks(user).order_by("created_at", "pk")
    for task in rows.iterator(chunk_size=CHUNK):
        record = task_record(task)
        record.update(
            project=task.project_id,
            created_by=task.owner_id,
            assignee=task.assignee_id,
            due_time=task.due_time.isoformat() if task.due_time else None,
            repeat=task.repeat,
            repeat_from=task.repeat_from,
            version=task.version,
        )
        yield record


def export_comments(user: Any) -> Iterator[dict[str, Any]]:
    rows = Comment.objects.filter(author_id=user.pk).order_by("created_at", "id")
    for comment in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": comment.pk,
            "task": comment.task_id,
            "body": comment.body,
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
        }


def export_checklist_items(user: Any) -> Iterator[dict[str, Any]]:
    """The checklist items of the exported tasks (one query: the tasks are a subquery),
    task by task, in checklist order."""
    task_ids = permissions.exportable_tasks(user).values("pk")
    rows = ChecklistItem.objects.filter(task_id__in=task_ids).order_by("task_id", "position", "id")
    for item in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": item.pk,
            "task": item.task_id,
            "text": item.text,
            "done": item.done,
            "position": item.position,
            "created_at": item.created_at,
        }


def export_saved_filters(user: Any) -> Iterator[dict[str, Any]]:
    rows = SavedFilter.objects.filter(user_id=user.pk).order_by("created_at", "id")
    for saved in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": saved.pk,
            "name": saved.name,
            "query": saved.query,
            "pinned": saved.pinned,
            "created_at": saved.created_at,
        }


def export_activity(user: Any) -> Iterator[dict[str, Any]]:
    rows = Activity.objects.filter(
        actor_id=user.pk, project_id__in=roles.member_project_ids(user)
    ).order_by("created_at", "id")
    for row in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": row.pk,
            "project": row.project_id,
            "task": row.task_id,
            "action": row.action,
            "changes": row.changes,
            "created_at": row.created_at,
        }


def hand_over_created_tasks(user: Any) -> None:
    """Give the tasks ``user`` created in projects that outlive the account to each
    project's longest-standing other owner, through the write path. Projects with no
    other owner are the ones the projects eraser deletes, with their tasks. Safe to run
    again: handed-over tasks no longer match."""
    targets = list(permissions.tasks_created_by_user(user).only(*counters.ROW_FIELDS))
    if not targets:
        return
    heirs: dict[str, str] = {}
    owners = (
        Membership.objects.filter(
            project_id__in=sorted({t.project_id for t in targets}), role=Role.OWNER
        )
        .exclude(user_id=user.pk)
        .order_by("-created_at", "-id")  # the oldest last, so it wins below
    )
    for project_id, owner_id in owners.values_list("project_id", "user_id"):
        heirs[project_id] = owner_id
    for heir in sorted(set(heirs.values())):
        batch = [t for t in targets if heirs.get(t.project_id) == heir]
        pks = [t.pk for t in batch]
        # The Idempotency-Key was the deleted user's (unique per creator): dropped.
        Task.objects.filter(pk__in=pks).update(
            owner_id=heir,
            idempotency_key=None,
            idempotency_fingerprint="",
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        TaskTag.objects.filter(task_id__in=pks).update(owner_id=heir)
        after = [counters.copy(task, owner_id=heir) for task in batch]
        events.task_written(
            actor=user,
            action=events.UPDATED,
            tasks=after,
            changes={"created_by": (user.pk, heir)},
            previous=batch,
        )
