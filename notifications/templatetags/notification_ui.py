"""The bell (base.html) and the task page's reminders panel: template tags, so that
neither base.html's views nor the task page's view need to know about reminders."""

from __future__ import annotations

from typing import Any

from django import template

from notifications import reminders, services
from notifications.views import BEFORE_DUE_CHOICES

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    # One cached number per page (notifications.services.unread_count).
    return {"unread": services.unread_count(request.user), "request": request}


@register.inclusion_tag("notifications/partials/task_reminders.html", takes_context=True)
def task_reminders(context: template.Context, task: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        "task": task,
        "reminders": list(reminders.task_reminders(user=request.user, task=task)),
        "before_choices": BEFORE_DUE_CHOICES,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.filter
def before_due_text(minutes: int) -> str:
    """ "1 hour before due", "At the due time", "90 minutes before due"."""
    labels = dict(BEFORE_DUE_CHOICES)
    if minutes in labels:
        return labels[minutes] if minutes == 0 else f"{labels[minutes]} due"
    return f"{minutes} minutes before due"
