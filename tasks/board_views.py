"""The board page (SPEC §8). Thin: access through projects.roles (404 for non-members,
403 below editor for moves), reads and moves through tasks.board, the functions the
JSON API calls. Works without JavaScript: every card has move buttons (a plain form
post); static/js/board.js adds drag and drop, posting to the same move URL."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects import roles
from projects.columns import get_column
from projects.inbox import inbox_id_of
from tasks import board, board_selectors, permissions
from tasks.exceptions import PreconditionFailed, WriteConflict
from tasks.filters import TaskFilter
from tasks.forms import PRIORITY_CHOICES
from tasks.views import FILTER_KEYS

PER_COLUMN = 20


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def my_board(request: HttpRequest) -> HttpResponse:
    """``/board/``, where the `g b` shortcut goes outside a project: the Inbox's board
    (a project's pages send `g b` to that project's board instead, base.html)."""
    return redirect("tasks:board", project_id=inbox_id_of(request.user))


@login_required
def board_page(request: HttpRequest, project_id: str) -> HttpResponse:
    membership = roles.get_membership_for(request.user, project_id)
    project = membership.project
    tasks = permissions.visible_tasks(request.user).filter(project_id=project.pk)
    filters = TaskFilter(request.GET, queryset=tasks, request=request)
    filtered = filters.qs if filters.is_valid() else tasks
    pages = board_selectors.board(project.pk, filtered, per_column=PER_COLUMN)
    # "Show more" of one column: that column continues after its cursor (a keyset page).
    more_column, cursor = request.GET.get("column"), request.GET.get("cursor")
    for index, page in enumerate(pages):
        if page.column.pk == more_column and cursor:
            try:
                later = board_selectors.column_cards(
                    filtered, page.column, limit=PER_COLUMN, cursor=cursor
                )
            except board_selectors.InvalidBoardCursor:
                break
            board_selectors.annotate_cards(later.cards)
            later.count = page.count
            pages[index] = later
    query = request.GET.copy()
    for key in ("column", "cursor"):
        query.pop(key, None)
    context: dict[str, Any] = {
        "project": project,
        "pages": pages,
        "can_move": roles.has_role(membership.role, roles.EDIT),
        # The project's tabs (templates/projects/tabs.html), as on its other pages.
        "tab": "board",
        "board_url": request.path,
        "can_manage": roles.has_role(membership.role, roles.MANAGE),
        "filter_form": filters.form,
        "values": {key: request.GET.get(key, "") for key in FILTER_KEYS},
        "priority_choices": PRIORITY_CHOICES,
        "filter_query": query.urlencode(),
        "more_column": more_column if cursor else None,
        "current_url": request.get_full_path(),
        # Quick add's Edit link comes back with the text typed (tasks.views).
        "quick_text": request.GET.get("quick", "")[:500],
    }
    return render(request, "tasks/board.html", context)


@login_required
@require_POST
def board_move(request: HttpRequest, project_id: str, task_id: str) -> HttpResponse:
    """A move from the page: move buttons (``step``), the column form (``column``), or
    drag and drop (``column`` + ``before``/``after``, Accept: application/json)."""
    task = permissions.get_task_for_update(request.user, task_id)
    if task.project_id != project_id:
        raise Http404("No such task.")
    back = reverse("tasks:board", args=[project_id])
    target: tuple[str, str | None, str | None] | None
    step = request.POST.get("step")
    if step in board.STEPS:
        target = board.step_target(task, step)
    else:
        try:
            column = get_column(project_id, request.POST.get("column"))
        except Http404:
            return _refused(request, back, "Choose a column of this board.", 400)
        target = (column.pk, request.POST.get("before") or None, request.POST.get("after") or None)
    version = request.POST.get("version", "")
    try:
        if target is not None:
            task = board.task_move(
                actor=request.user,
                task=task,
                column_id=target[0],
                before=target[1],
                after=target[2],
                expected_version=int(version) if version.isdigit() else None,
            )
    except PreconditionFailed:
        return _refused(
            request,
            f"{back}#card-{task.pk}",
            f"“{task.title}” was changed by someone else; the board shows it as it is now.",
            412,
        )
    except (ValidationError, WriteConflict) as exc:
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _refused(request, back, detail, 400)
    if _wants_json(request):
        return JsonResponse(
            {
                "id": task.pk,
                "column": task.column_id,
                "status": task.status,
                "version": task.version,
            }
        )
    return redirect(f"{back}#card-{task.pk}")


def _refused(request: HttpRequest, back: str, detail: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": detail}, status=status)
    messages.error(request, detail)
    return redirect(back)
