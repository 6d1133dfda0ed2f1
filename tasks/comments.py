"""Comments on tasks: reads and writes. Each write records an Activity row (who
commented, edited or deleted a comment on which task, when).

Rules (SPEC §7): editors and above comment; the author edits and deletes their own;
admins and owners delete any. A comment of a task the user cannot see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from projects import roles
from projects.exceptions import ProjectPermissionDenied
from taskflow.ids import is_valid_id
from tasks import permissions
from tasks.models import COMMENT_MAX, Activity, Comment, Task


def task_comments(task: Task) -> QuerySet[Comment]:
    """Comments of a task the caller may see (oldest first), with their authors."""
    return Comment.objects.filter(task_id=task.pk).select_related("author")


def get_visible_comment(user: Any, comment_id: Any) -> Comment:
    """A comment on a task ``user`` may see (``.task`` loaded), else Http404."""
    if not is_valid_id(comment_id):
        raise Http404("No such comment.")
    found = (
        Comment.objects.select_related("task", "author")
        .filter(pk=comment_id, task__in=permissions.visible_tasks(user))
        .first()
    )
    if found is None:
        raise Http404("No such comment.")
    return found


def _clean_body(body: Any) -> str:
    text = (body or "").strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": "Write something."})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"body": f"At most {COMMENT_MAX} characters."})
    return text


def _record(actor: Any, task: Task, action: str, changes: dict[str, Any]) -> None:
    Activity.objects.create(
        project_id=task.project_id,
        task_id=task.pk,
        actor_id=actor.pk,
        action=action,
        changes=changes,
    )


def comment_create(*, actor: Any, task: Task, body: str) -> Comment:
    """Comment on ``task`` (visible to the actor; role >= editor needed)."""
    roles.require_role(roles.role_of(actor, task.project_id), roles.EDIT)
    now = timezone.now()
    comment = Comment.objects.create(
        task=task, author_id=actor.pk, body=_clean_body(body), created_at=now, updated_at=now
    )
    _record(actor, task, Activity.Action.COMMENTED, {"comment": [None, comment.pk]})
    return comment


def comment_update(*, actor: Any, comment: Comment, body: str) -> Comment:
    """The author edits their own comment."""
    if comment.author_id != actor.pk:
        raise ProjectPermissionDenied("Only the author edits a comment.")
    text = _clean_body(body)
    if text == comment.body:
        return comment
    comment.body, comment.updated_at = text, timezone.now()
    Comment.objects.filter(pk=comment.pk).update(body=text, updated_at=comment.updated_at)
    _record(
        actor, comment.task, Activity.Action.COMMENT_EDITED, {"comment": [comment.pk, comment.pk]}
    )
    return comment


def comment_delete(*, actor: Any, comment: Comment) -> None:
    """The author deletes their own comment; admins and owners delete any."""
    if comment.author_id != actor.pk:
        roles.require_role(roles.role_of(actor, comment.task.project_id), roles.MANAGE)
    Comment.objects.filter(pk=comment.pk).delete()
    _record(actor, comment.task, Activity.Action.COMMENT_DELETED, {"comment": [comment.pk, None]})


def task_activity(task_id: str) -> QuerySet[Activity]:
    """Activity of one task (the caller checked it may see the task), newest first."""
    return Activity.objects.filter(task_id=task_id).select_related("actor")


def project_activity(project_id: str) -> QuerySet[Activity]:
    """Activity of one project (the caller checked membership), newest first."""
    return Activity.objects.filter(project_id=project_id).select_related("actor")
