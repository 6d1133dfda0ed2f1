"""Calendar pages and the iCal feed. Thin: reads through calendars.selectors (which
reads tasks through visible_tasks), writes through calendars.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.preferences import activate_for
from calendars import feed, selectors, services


def feed_url(request: HttpRequest, feed_row: object) -> str:
    """The absolute, secret URL of a feed (shown to its owner only)."""
    secret = services.secret_of(feed_row)  # type: ignore[arg-type]
    return request.build_absolute_uri(reverse("calendars:feed", args=[secret]))


@login_required
@require_GET
def month(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    error = ""
    first = timezone.localdate().replace(day=1)
    if "month" in request.GET:
        parsed = selectors.parse_month(request.GET["month"])
        if parsed is None:
            status, error = 400, "Choose a month as YYYY-MM, e.g. 2026-12."
        else:
            first = parsed
    project = None
    project_id = request.GET.get("project", "")
    if project_id:
        project = selectors.visible_project(user, project_id)
    context = {
        "view": selectors.month_view(user, first=first, project=project),
        "project": project,
        "projects": selectors.calendar_projects(user),
        "error": error,
        "feed_url": feed_url(request, services.feed_for(user=user)),
    }
    return render(request, "calendars/month.html", context, status=status)


@login_required
@require_POST
def rotate(request: HttpRequest) -> HttpResponse:
    services.feed_rotate(user=request.user)
    messages.success(request, "New calendar link made. The old link no longer works.")
    return redirect(f"{reverse('calendars:month')}#subscribe")


@require_GET
def feed_ics(request: HttpRequest, secret: str) -> HttpResponse:
    """The iCal feed. The secret in the URL is the only credential (calendar apps send
    no cookies or tokens); a wrong or rotated secret is the same 404 as a missing one."""
    feed_row = selectors.feed_by_secret(secret)
    if feed_row is None:
        raise Http404("No such calendar.")
    user = feed_row.user
    activate_for(user)
    project = None
    project_id = request.GET.get("project", "")
    if project_id:
        project = selectors.visible_project(user, project_id)
    name = f"TaskFlow · {project.name}" if project else "TaskFlow"
    body = feed.build_feed(
        user=user,
        tasks=selectors.feed_tasks(user, project).iterator(chunk_size=500),
        name=name,
        task_url=lambda task: request.build_absolute_uri(reverse("tasks:detail", args=[task.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="taskflow.ics"'
    # A secret URL: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
