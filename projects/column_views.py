"""The board's columns page (SPEC §8, admins): list the columns in board order with
their task counts, add, edit (name, status category, WIP limit), move up/down, and
delete (a column with tasks asks which column receives them).

Thin, like projects.views: access through ``projects.roles`` (admin+; a non-member
gets a 404, a member below admin a 403 page), writes through ``projects.columns`` (the
services the JSON API calls; they check the role again and move tasks through the
task write path), whose refusals show as form errors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from projects import columns, roles
from projects.exceptions import ProjectPreconditionFailed
from projects.forms import ColumnDeleteForm, ColumnForm
from projects.models import Membership
from taskflow.forms import add_service_errors
from tasks.board_selectors import column_task_counts

# Refusals of projects.columns that a form explains (ValidationError goes by field).
REFUSED = (columns.LastColumnOfCategory, columns.ColumnNotEmpty, ProjectPreconditionFailed)


def _data(request: HttpRequest) -> Any:
    # An empty POST (a delete with nothing to choose) still binds the form.
    return request.POST if request.method == "POST" else None


def _manage(request: HttpRequest, project_id: str) -> Membership:
    return roles.get_membership_for(request.user, project_id, roles.MANAGE)


def _back(membership: Membership) -> HttpResponse:
    return redirect("projects:columns", project_id=membership.project_id)


def _page(
    request: HttpRequest, membership: Membership, form: ColumnForm, status: int = 200
) -> HttpResponse:
    project = membership.project
    counts = column_task_counts(project.pk)  # one grouped query for every column
    listed = columns.project_columns(project.pk)
    for column in listed:
        column.task_count = counts.get(column.pk, 0)
    context = {
        "project": project,
        "membership": membership,
        "columns": listed,
        "form": form,
        "can_manage": True,
        "board_url": reverse("tasks:board", args=[project.pk]),
    }
    return render(request, "projects/columns.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def column_list(request: HttpRequest, project_id: str) -> HttpResponse:
    """The columns in board order; POST adds one at the end."""
    membership = _manage(request, project_id)
    form = ColumnForm(_data(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                column = columns.column_create(
                    actor=request.user, membership=membership, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Column “{column.name}” added.")
                return _back(membership)
        return _page(request, membership, form, status=400)
    return _page(request, membership, form)


@login_required
@require_http_methods(["GET", "POST"])
def column_edit(request: HttpRequest, project_id: str, column_id: str) -> HttpResponse:
    """Rename, re-categorise or change the WIP limit of one column. The form carries
    the version it was read at, so an edit over someone else's is refused."""
    membership = _manage(request, project_id)
    column = columns.get_column(membership.project_id, column_id)
    initial = {"name": column.name, "category": column.category, "wip_limit": column.wip_limit}
    form = ColumnForm(_data(request), initial=initial, auto_id="col_%s")
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version", "")
        try:
            columns.column_update(
                actor=request.user,
                membership=membership,
                column=column,
                changes=form.cleaned_data,
                expected_version=int(version) if version.isdigit() else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except REFUSED as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"Column “{form.cleaned_data['name']}” saved.")
            return _back(membership)
    context = {
        "project": membership.project,
        "column": column,
        "form": form,
        "can_manage": True,
        "board_url": reverse("tasks:board", args=[membership.project_id]),
    }
    status = 400 if form.errors else 200
    return render(request, "projects/column_edit.html", context, status=status)


@login_required
@require_POST
def column_move(request: HttpRequest, project_id: str, column_id: str) -> HttpResponse:
    """One step left/right on the board (``direction`` = up or down in the list)."""
    membership = _manage(request, project_id)
    column = columns.get_column(membership.project_id, column_id)
    ids = [c.pk for c in columns.project_columns(membership.project_id)]
    index = ids.index(column.pk) if column.pk in ids else -1
    direction = request.POST.get("direction")
    changes: dict[str, Any]
    if direction == "up" and index > 0:
        changes = {"before": ids[index - 1]}
    elif direction == "down" and index < len(ids) - 1:
        changes = {"after": ids[index + 1]}
    else:
        return _back(membership)  # past the edge, or no direction: nothing to do
    try:
        columns.column_update(
            actor=request.user, membership=membership, column=column, changes=changes
        )
    except (ValidationError, *REFUSED) as exc:
        messages.error(request, " ".join(_messages(exc)))
    else:
        messages.success(request, f"Column “{column.name}” moved.")
    return _back(membership)


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(getattr(exc, "detail", exc))]


@login_required
@require_http_methods(["GET", "POST"])
def column_delete(request: HttpRequest, project_id: str, column_id: str) -> HttpResponse:
    """Confirm, then delete. A column with tasks asks which other column receives
    them; the services refuse the last column of a status (a form error)."""
    membership = _manage(request, project_id)
    column = columns.get_column(membership.project_id, column_id)
    others = [c for c in columns.project_columns(membership.project_id) if c.pk != column.pk]
    task_count = column_task_counts(membership.project_id).get(column.pk, 0)
    form = ColumnDeleteForm(_data(request), others=others)
    if request.method == "POST" and form.is_valid():
        try:
            columns.column_delete(
                actor=request.user,
                membership=membership,
                column=column,
                move_to=form.cleaned_data["move_to"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except columns.ColumnNotEmpty as exc:
            # Tasks arrived after the page was read: now it asks where they go.
            form.add_error("move_to", exc.detail)
            task_count = max(task_count, 1)
        except REFUSED as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"Column “{column.name}” deleted.")
            return _back(membership)
    context = {
        "project": membership.project,
        "column": column,
        "task_count": task_count,
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "projects/column_delete.html", context, status=status)
