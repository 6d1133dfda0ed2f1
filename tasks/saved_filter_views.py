"""Saved-filter pages: save the list's filter, open, rename, pin, delete. Thin: the
rules are in tasks.saved_filters; every form works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taskflow.forms import add_service_errors
from tasks import saved_filters
from tasks.forms import SavedFilterEditForm, SavedFilterForm


def _list_url(query: str) -> str:
    return f"{reverse('tasks:list')}?{query}" if query else reverse("tasks:list")


def _manage(request: HttpRequest, form: SavedFilterForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "filters": saved_filters.user_filters(request.user),
        "limit": saved_filters.SAVED_FILTERS_MAX,
    }
    return render(request, "tasks/saved_filters.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def saved_filter_list(request: HttpRequest) -> HttpResponse:
    """GET: the user's saved filters, to open, rename, pin or delete. POST: "Save this
    filter" from the list; back to the list on success, errors shown here (400)."""
    if request.method == "GET":
        return _manage(request, SavedFilterForm(initial={"query": request.GET.urlencode()}))
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = saved_filters.saved_filter_create(
                user=request.user, name=data["name"], query=data["query"], pinned=data["pinned"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Filter “{saved.name}” saved.")
            return redirect(_list_url(saved.query))
    return _manage(request, form, status=400)


@login_required
@require_POST
def saved_filter_edit(request: HttpRequest, filter_id: str) -> HttpResponse:
    saved = saved_filters.get_user_filter(request.user, filter_id)
    form = SavedFilterEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved_filters.saved_filter_update(
                user=request.user, saved=saved, name=data["name"] or None, pinned=data["pinned"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if data["pinned"] is None:
                messages.success(request, f"Filter renamed to “{saved.name}”.")
            else:
                done = "pinned to the menu bar" if saved.pinned else "unpinned"
                messages.success(request, f"Filter “{saved.name}” {done}.")
            return redirect("tasks:saved-filters")
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return _manage(request, SavedFilterForm(), status=400)


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, filter_id: str) -> HttpResponse:
    saved = saved_filters.get_user_filter(request.user, filter_id)
    saved_filters.saved_filter_delete(user=request.user, saved=saved)
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return redirect("tasks:saved-filters")
