"""The task page's checklist forms (SPEC §12), no JavaScript needed: add an item, tick
or untick it, move it up or down, delete it. Each posts, then redirects back to the
item on the task page; static/js/app.js sends the tick with fetch and asks for JSON.
Access: the permission layer (a task the user cannot see is a 404, a viewer gets the
403 page); writes through tasks.checklists, the task's write path."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tasks import checklists, permissions
from tasks.models import ChecklistItem, Task
from tasks.task_page import task_detail_page


def _back_to(task: Task, item: ChecklistItem | None = None) -> str:
    anchor = f"item-{item.pk}" if item is not None else "checklist"
    return f"{reverse('tasks:detail', args=[task.pk])}#{anchor}"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def checklist_add(request: HttpRequest, task_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    try:
        item, _ = checklists.checklist_item_add(
            actor=request.user, task=task, text=request.POST.get("text", "")
        )
    except ValidationError as exc:
        # The page again, the text kept and the error shown on the field.
        return task_detail_page(request, task, checklist_error=exc, status=400)
    return redirect(_back_to(task, item))


@login_required
@require_POST
def checklist_tick(request: HttpRequest, task_id: str, item_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    item = checklists.get_checklist_item(task, item_id)
    done = request.POST.get("done") == "true"
    item, task = checklists.checklist_item_update(
        actor=request.user, task=task, item=item, done=done
    )
    if _wants_json(request):
        return JsonResponse(
            {
                "done": item.done,
                "checklist": {"done": task.checklist_done, "total": task.checklist_total},
            }
        )
    return redirect(_back_to(task, item))


@login_required
@require_POST
def checklist_move(request: HttpRequest, task_id: str, item_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    item = checklists.get_checklist_item(task, item_id)
    direction = request.POST.get("direction", "")
    try:
        checklists.checklist_step(actor=request.user, task=task, item=item, direction=direction)
    except ValidationError:
        messages.error(request, "Choose up or down.")
    return redirect(_back_to(task, item))


@login_required
@require_POST
def checklist_delete(request: HttpRequest, task_id: str, item_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    item = checklists.get_checklist_item(task, item_id)
    checklists.checklist_item_delete(actor=request.user, task=task, item=item)
    messages.success(request, f"Removed “{item.text}” from the checklist.")
    return redirect(_back_to(task))
