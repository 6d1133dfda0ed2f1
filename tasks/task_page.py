"""The task page: the task, its comments and its activity history, and the comment
forms (no JavaScript needed): add, edit own, delete own (admins and owners delete
any). Access through the permission layer and the comment services (tasks.comments),
which check roles; a comment of a task the user cannot see is a 404, a member without
the role gets the 403 page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects import roles
from tasks import checklists, comments, history, permissions
from tasks.models import CHECKLIST_TEXT_MAX, COMMENT_MAX, Status, Task


@login_required
def task_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    # Project and assignee in the same query: the page names both (a query each else).
    task = permissions.get_visible_task(request.user, task_id, related=("project", "assignee"))
    return task_detail_page(request, task, editing=request.GET.get("edit"))


def task_detail_page(
    request: HttpRequest,
    task: Task,
    *,
    comment_error: ValidationError | None = None,
    checklist_error: ValidationError | None = None,
    editing: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The task page; after a refused comment or checklist item, the form with the
    text and the error."""
    role = roles.role_of(request.user, task.project_id)
    errors = comment_error.messages if comment_error is not None else []
    checklist_errors = checklist_error.messages if checklist_error is not None else []
    context = {
        "task": task,
        "status_choices": Status.choices,
        "can_edit": roles.has_role(role, roles.EDIT),
        "can_moderate": roles.has_role(role, roles.MANAGE),
        "comments": comments.task_comments(task),
        "comment_max": COMMENT_MAX,
        "editing": editing,
        "comment_errors": errors,
        "comment_text": request.POST.get("body", "") if comment_error is not None else "",
        "history": history.task_history(request.user, task.pk, request.GET.get("activity")),
        "checklist": checklists.task_checklist(task),
        "checklist_max": CHECKLIST_TEXT_MAX,
        "checklist_errors": checklist_errors,
        "checklist_text": request.POST.get("text", "") if checklist_error is not None else "",
    }
    return render(request, "tasks/detail.html", context, status=status)


def _own_comment(request: HttpRequest, task_id: str, comment_id: str) -> comments.Comment:
    comment = comments.get_visible_comment(request.user, comment_id)
    if comment.task_id != task_id:
        raise Http404("No such comment.")
    return comment


def _back_to(task_id: str, anchor: str = "comments") -> str:
    return f"{reverse('tasks:detail', args=[task_id])}#{anchor}"


@login_required
@require_POST
def comment_create(request: HttpRequest, task_id: str) -> HttpResponse:
    task = permissions.get_visible_task(request.user, task_id)
    try:
        comment = comments.comment_create(
            actor=request.user, task=task, body=request.POST.get("body", "")
        )
    except ValidationError as exc:
        # The page again, the text kept and the error shown on the form.
        return task_detail_page(request, task, comment_error=exc, status=400)
    messages.success(request, "Comment added.")
    return redirect(_back_to(task.pk, f"comment-{comment.pk}"))


@login_required
@require_POST
def comment_edit(request: HttpRequest, task_id: str, comment_id: str) -> HttpResponse:
    comment = _own_comment(request, task_id, comment_id)
    try:
        body = request.POST.get("body", "")
        comments.comment_update(actor=request.user, comment=comment, body=body)
    except ValidationError as exc:
        return task_detail_page(
            request, comment.task, comment_error=exc, editing=comment.pk, status=400
        )
    messages.success(request, "Comment saved.")
    return redirect(_back_to(task_id, f"comment-{comment.pk}"))


@login_required
@require_POST
def comment_delete(request: HttpRequest, task_id: str, comment_id: str) -> HttpResponse:
    comment = _own_comment(request, task_id, comment_id)
    comments.comment_delete(actor=request.user, comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect(_back_to(task_id))
