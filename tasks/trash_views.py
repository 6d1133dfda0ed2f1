"""The trash pages (SPEC §12): the list of deleted tasks with Restore and "Delete
forever", "Empty trash" with a confirmation, and the Undo that every delete message
carries (a small POST form, no script). Thin: reads through ``permissions``
(``trashed_tasks``), writes through tasks.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import APIException

from taskflow.ids import is_valid_id
from tasks import permissions, services
from tasks.pagination import page_url, paginate

TRASH_ORDERING = "-deleted_at"
UNDO_TAG = "undo:"


def undo_tag(ids: list[str]) -> str:
    """The message tag that makes partials/messages.html show an Undo form restoring
    ``ids`` (tasks.templatetags.trash_ui reads it back). Ids only: nothing a user typed
    goes into the tag."""
    return UNDO_TAG + ",".join(i for i in ids if is_valid_id(i))


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _tasks(count: int) -> str:
    return f"{count} task{pluralize(count)}"


@login_required
def trash_list(request: HttpRequest) -> HttpResponse:
    """The tasks the user may restore, most recently deleted first, 20 a page."""
    base = permissions.trashed_tasks(request.user).select_related("project", "deleted_by")
    params = request.GET
    try:
        page = paginate(base, params, TRASH_ORDERING)
    except APIException:
        messages.warning(request, "That page link is no longer valid; showing the first page.")
        params = params.copy()
        for key in ("cursor", "page", "page_size"):
            params.pop(key, None)
        page = paginate(base, params, TRASH_ORDERING)
    context = {
        "tasks": page.items,
        "page": page,
        "next_url": page_url(request.path, params, page.next_params),
        "previous_url": page_url(request.path, params, page.previous_params),
        "current_url": request.get_full_path(),
        "has_any": bool(page.items) or base.exists(),
    }
    return render(request, "tasks/trash.html", context)


@login_required
@require_POST
def trash_restore(request: HttpRequest) -> HttpResponse:
    """Restore the posted ids (Undo in a delete message, Restore on the trash page);
    ids not in the user's trash are ignored."""
    ids = [i for i in request.POST.getlist("ids") if is_valid_id(i)][: services.BULK_MAX_IDS]
    count = services.tasks_restore_many(actor=request.user, ids=ids)
    if count:
        messages.success(request, f"{_tasks(count)} restored.")
    else:
        messages.info(request, "Nothing to restore: those tasks are not in the trash.")
    return redirect(_back(request, reverse("tasks:trash")))


@login_required
@require_http_methods(["GET", "POST"])
def trash_delete(request: HttpRequest, task_id: str) -> HttpResponse:
    """ "Delete forever" for one trashed task: a confirmation, then the delete."""
    task = permissions.get_trashed_task(request.user, task_id)
    if request.method == "POST":
        services.trash_empty(actor=request.user, ids=[task.pk])
        messages.success(request, f"Task “{task.title}” deleted for good.")
        return redirect("tasks:trash")
    return render(request, "tasks/confirm_trash_delete.html", {"task": task})


@login_required
@require_http_methods(["GET", "POST"])
def trash_empty(request: HttpRequest) -> HttpResponse:
    """ "Empty trash": a confirmation naming how many tasks go, then the delete."""
    if request.method == "POST":
        count = services.trash_empty(actor=request.user)
        messages.success(request, f"Trash emptied: {_tasks(count)} deleted for good.")
        return redirect("tasks:trash")
    count = permissions.trashed_tasks(request.user).count()
    return render(request, "tasks/confirm_trash_empty.html", {"count": count})
