"""Pages: the notifications list, and the reminder form posts of the task page. Thin:
the same services as the API; no JavaScript needed."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from notifications import reminders, services
from taskflow.ids import is_valid_id
from tasks import selectors as task_selectors
from tasks.pagination import page_url, paginate

# What the task page's "remind me" select offers (minutes before due).
BEFORE_DUE_CHOICES = [
    (0, "At the due time"),
    (15, "15 minutes before"),
    (60, "1 hour before"),
    (24 * 60, "1 day before"),
    (7 * 24 * 60, "1 week before"),
]


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    queryset = services.user_notifications(request.user)
    params = request.GET
    try:
        page = paginate(queryset, params, "-rank")
    except APIException:
        messages.warning(request, "That page link is no longer valid; showing the first page.")
        params = params.copy()
        for key in ("cursor", "page", "page_size"):
            params.pop(key, None)
        page = paginate(queryset, params, "-rank")
    context = {
        "notifications": page.items,
        "unread": services.unread_count(request.user),
        "next_url": page_url(request.path, params, page.next_params),
        "previous_url": page_url(request.path, params, page.previous_params),
        "current_url": request.get_full_path(),
    }
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all (``all``) read."""
    if request.POST.get("all"):
        services.mark_read(user=request.user, everything=True)
        messages.success(request, "All notifications marked read.")
    elif is_valid_id(request.POST.get("id")):
        services.mark_read(user=request.user, ids=[request.POST["id"]])
    return redirect(reverse("notifications:index"))


def _parse_local(value: str) -> datetime | None:
    """A datetime-local value ("2026-12-24T18:30") in the user's zone (active here)."""
    moment = parse_datetime(value.strip()) if value.strip() else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


@login_required
@require_POST
def reminder_add(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_selectors.get_visible_task(request.user, task_id)
    back = reverse("tasks:detail", args=[task.pk]) + "#reminders"
    raw_at = request.POST.get("at", "")
    raw_before = request.POST.get("before_due_minutes", "")
    try:
        at = _parse_local(raw_at)
    except ValueError:
        at = None
    if raw_at.strip() and at is None:
        messages.error(request, "Enter a date and time for the reminder.")
        return redirect(back)
    before = None
    if not at and raw_before.strip():
        if raw_before.strip() not in {str(minutes) for minutes, _ in BEFORE_DUE_CHOICES}:
            messages.error(request, "Choose when to be reminded.")
            return redirect(back)
        before = int(raw_before)
    try:
        reminders.reminder_create(actor=request.user, task=task, at=at, before_due_minutes=before)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        return redirect(back)
    messages.success(request, "Reminder set.")
    return redirect(back)


@login_required
@require_POST
def reminder_delete(request: HttpRequest, reminder_id: str) -> HttpResponse:
    reminder = reminders.get_own_reminder(request.user, reminder_id)
    reminders.reminder_delete(actor=request.user, reminder=reminder)
    messages.success(request, "Reminder deleted.")
    return redirect(reverse("tasks:detail", args=[reminder.task_id]) + "#reminders")
