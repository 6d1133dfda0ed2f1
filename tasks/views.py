"""Task pages. Thin: reads through tasks.selectors (visible_tasks is the access rule),
writes through tasks.services, the same functions the JSON API calls."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage
from rest_framework.exceptions import APIException

from projects import roles
from projects import selectors as project_selectors
from taskflow import query_shapes
from taskflow.forms import add_service_errors
from taskflow.markdown import render_markdown
from tasks import exchange, permissions, saved_filters, selectors, services
from tasks.filters import TaskFilter
from tasks.forms import (
    PRIORITY_CHOICES,
    SORT_CHOICES,
    BulkForm,
    ImportForm,
    QuickStatusForm,
    TaskForm,
)
from tasks.models import DESCRIPTION_MAX, Priority, Status, Task
from tasks.pagination import Page, page_url, paginate
from tasks.trash_views import undo_tag


def _tasks(count: int) -> str:
    return f"{count} task{pluralize(count)}"


# The list's page sizes (the first is the default); the API keeps its own 1..100.
PAGE_SIZES = (25, 50, 100)
FILTER_KEYS = ("status", "priority", "tag", "search", "due_after", "due_before", "overdue")


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    stats = selectors.task_stats(user)
    context = {
        "stats": stats,
        "status_counts": [(s.label, stats["by_status"][s.value], s.value) for s in Status],
        "priority_counts": [
            (p.api_name.capitalize(), stats["by_priority"][p.api_name], p.api_name)
            for p in reversed(Priority)
        ],
        "overdue": list(selectors.overdue_tasks(user)),
        "due_soon": list(selectors.due_soon_tasks(user)),
        "completions": selectors.completions_per_day(user, days=30),
    }
    return render(request, "tasks/dashboard.html", context)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    return render_task_list(
        request, selectors.searched_tasks(request.user, request.GET.get("search"))
    )


@login_required
def assigned_to_me(request: HttpRequest) -> HttpResponse:
    """ "Assigned to me": the visible tasks assigned to the user, in every project."""
    return render_task_list(
        request,
        selectors.assigned_tasks(request.user),
        extra={"heading": "Assigned to me", "scope": "mine"},
    )


def _attach_projects(user: Any, tasks: list[Task], project: Any) -> None:
    """Each row's project, for the name the list shows: the page's own project, or the
    user's memberships (``projects.selectors.member_projects``, no query while they are
    cached or memoised). A ``select_related("project")`` cost more in Django (the
    project's columns compiled into the page query, a ``Project`` built per row) than
    the database saved (docs/performance.md, "Round 8 (issue 15)")."""
    wanted = {task.project_id for task in tasks}
    if project is not None and wanted <= {project.pk}:
        known = {project.pk: project}
    else:
        known = project_selectors.member_projects(user, wanted)
    for task in tasks:
        if task.project_id in known:
            task.project = known[task.project_id]


def _with_assignee(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("assignee")


def render_task_list(
    request: HttpRequest,
    base: QuerySet[Task],
    *,
    template: str = "tasks/list.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The task list page over ``base`` (a queryset the permission layer scoped: all
    visible tasks, one project's, mine), with filters, sort and pages. The project
    pages reuse it with their scope."""
    params = _with_page_size(request.GET)
    filters = TaskFilter(params, queryset=base, request=request)
    # A list over all of the user's projects names them in the page query (index order)
    # and in the key of its cached total: one read for both.
    one_project = (extra or {}).get("project") is not None
    project_ids = None if one_project else permissions.member_project_id_list(request.user)
    status = 200
    valid = filters.is_valid()
    if valid:
        queryset, ordering = filters.list_query(
            reader=None if one_project else request.user,
            project_ids=project_ids,
            # A search may walk an order's index only over all of the reader's tasks:
            # "Assigned to me" holds a few of them (filters.TaskFilter._walk).
            walk=(extra or {}).get("scope", "all") == "all",
        )
        best_match = filters.can_rank()
    else:
        queryset, ordering, status = base.none(), "-created_at", 400
        best_match = False

    def read(rows: QuerySet) -> Page:
        nonlocal params
        # Assignee names in the same query (a join, no query per row); project names
        # from the user's memberships after the page is read (_attach_projects).
        rows = query_shapes.derive(rows, "assignee", _with_assignee)
        parts = filters.page_parts if valid else ()
        # A shape of the permission layer and of these steps alone (no other filter):
        # the page's statement is compiled once per thread (pagination.paginate).
        shape = query_shapes.key_of(rows)
        try:
            return paginate(rows, params, ordering, parts=parts, shape=shape)
        except APIException:
            # A stale or hand-edited cursor/page: start again from the first page.
            messages.warning(request, "That page link is no longer valid; showing the first page.")
            params = params.copy()
            for key in ("cursor", "page"):
                params.pop(key, None)
            return paginate(rows, params, ordering, parts=parts, shape=shape)

    page = filters.read_page(queryset, read)
    queryset = query_shapes.derive(queryset, "assignee", _with_assignee)
    _attach_projects(request.user, page.items, (extra or {}).get("project"))
    filtering = any(params.get(key) for key in FILTER_KEYS)
    scope = (extra or {}).get("scope", "all")
    total = page.count
    if total is None and page.next_params is None and page.previous_params is None:
        total = len(page.items)  # the whole list is on this page: nothing to count
    if total is None:
        # A walked search's rows are found through its order's index; counted through
        # its matches (filters.walked).
        counted = filters.qs if filters.walked else queryset
        total = _list_total(
            request, counted, params, scope, (extra or {}).get("project"), valid, project_ids
        )
    # The folded "Filters (n)" toggle counts what is hidden behind it (search stays out).
    active_filters = sum(1 for key in FILTER_KEYS if key != "search" and params.get(key))
    context = {
        "heading": "Tasks",
        "scope": "all",
        "list_url": request.path,
        "page": page,
        "tasks": page.items,
        "filter_form": filters.form,
        "values": {key: params.get(key, "") for key in FILTER_KEYS},
        "filtering": filtering,
        "active_filters": active_filters,
        "has_any_task": bool(page.items) or base.exists(),
        "status_choices": Status.choices,
        "priority_choices": PRIORITY_CHOICES,
        "sort_choices": SORT_CHOICES,
        "ordering": ordering,
        # "Best match" (relevance, the default of a search) is offered with a search.
        "best_match": best_match,
        "total": total,
        "page_size": int(params["page_size"]),
        "page_sizes": PAGE_SIZES,
        "export_query": _scoped_query(
            params, scope, (extra or {}).get("project"), drop=("ordering", "page_size")
        ),
        "save_query": _scoped_query(request.GET, scope, (extra or {}).get("project")),
        # Lazy: only the list's own head shows the menu (the project pages replace it).
        "saved_filters": SimpleLazyObject(lambda: saved_filters.request_filters(request)),
        "next_url": page_url(request.path, params, page.next_params),
        "previous_url": page_url(request.path, params, page.previous_params),
        "current_url": request.get_full_path(),
        "quick_text": params.get("quick", "")[:500],
        **(extra or {}),
    }
    return render(request, template, context, status=status)


def _with_page_size(params: QueryDict) -> QueryDict:
    """The query with a page size of the list's choices (25/50/100): a missing or
    unknown one (a hand-edited link, an old ?page_size=20) becomes the default rather
    than an error page."""
    if params.get("page_size") in {str(size) for size in PAGE_SIZES}:
        return params
    params = params.copy()
    params["page_size"] = str(PAGE_SIZES[0])
    return params


def _list_total(
    request: HttpRequest,
    queryset: QuerySet[Task],
    params: QueryDict,
    scope: str,
    project: Any,
    valid: bool,
    project_ids: list[str] | None,
) -> int:
    """The list's total ("124 tasks"), cached per list and filter (selectors.list_count)."""
    if not valid:
        return 0
    # Only the filters change the total: not the order, the page or the page size.
    names = sorted(name for name in TaskFilter.base_filters if name != "ordering")
    key = urlencode([(name, params.getlist(name)) for name in names], doseq=True)
    reader = f"{scope}:{getattr(project, 'pk', '')}:{key}"
    return selectors.list_count(
        request.user, queryset, reader=reader, project=project, project_ids=project_ids
    )


@login_required
@require_POST
def task_quick_add(request: HttpRequest) -> HttpResponse:
    """Quick add without JavaScript: a post shows "We understood: ..." with Save and
    Edit; Save (save=1) creates the task. The same service as POST /api/tasks/quick/.

    The list of all tasks files into the Inbox; a project's list and board send
    ``project`` (editor or above: a non-member gets a 404, a viewer a 403, as on the
    project's other pages) and ``next``, the page to come back to (same host only)."""
    text = request.POST.get("text", "").strip()[:500]
    save = request.POST.get("save") == "1"
    project = None
    if request.POST.get("project"):
        project = roles.get_project_for(request.user, request.POST["project"], roles.EDIT)
    default = reverse("projects:detail", args=[project.pk]) if project else reverse("tasks:list")
    # Without the text an Edit link put there, so the field comes back empty.
    back = _with_query(_back(request, default), quick=None)
    context: dict[str, Any] = {
        "text": text,
        "understood": None,
        "error": "",
        "project": project,
        "next": back,
        "edit_url": _with_query(back, quick=text) + "#quick-add",
    }
    try:
        if not text:
            raise ValidationError("Type what the task is, e.g. “Pay rent fri 9am”.")
        understood, task = services.task_quick_add(
            actor=request.user, text=text, preview=not save, project=project
        )
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "tasks/quick_add.html", context, status=400)
    if task is not None:
        messages.success(request, f"Task “{task.title}” created.")
        if understood["assignee_note"]:
            messages.info(request, understood["assignee_note"])
        return redirect(back)
    context["understood"] = understood
    return render(request, "tasks/quick_add.html", context)


def _with_query(url: str, **params: str | None) -> str:
    """``url`` (a path validated by _back) with ``params`` set in its query (None:
    removed) and no fragment: where quick add comes back to, and its Edit link."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    if "preview" in request.POST:
        return _form_preview(request, task=None)
    initial = {"project": request.GET.get("project", "")}
    form = TaskForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task, _ = services.task_create(actor=request.user, **form.changes())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Task “{task.title}” created.")
            # The list's quick-add field comes back to the list; the full form to the task.
            return redirect(_back(request, reverse("tasks:detail", args=[task.pk])))
    if not form.is_bound:
        # `q` (static/js/app.js) lands here: the title is where typing goes.
        form.fields["title"].widget.attrs["autofocus"] = True
    status = 400 if form.is_bound else 200
    return render(request, "tasks/form.html", {"form": form, "task": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, task_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    if request.method == "GET":
        form = TaskForm.for_task(task, user=request.user)
        return render(request, "tasks/form.html", {"form": form, "task": task})
    if "preview" in request.POST:
        return _form_preview(request, task=task)
    form = TaskForm(request.POST, user=request.user, task=task)
    if form.is_valid():
        try:
            task = services.task_update(
                actor=request.user,
                task=task,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"] or task.version,
            )
        except services.PreconditionFailed:
            form.add_error(
                None,
                "This task was changed since you opened it (in another tab or by another "
                "device). Your changes are still below and were not saved; open the task "
                "in a new tab to compare, then save again to overwrite.",
            )
            # A second, deliberate save now applies on top of the version seen here.
            data = form.data.copy()
            data["version"] = str(task.version)
            form.data = data
        except (ValidationError, services.WriteConflict) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else _busy())
        else:
            messages.success(request, f"Task “{task.title}” saved.")
            return redirect("tasks:detail", task_id=task.pk)
    return render(request, "tasks/form.html", {"form": form, "task": task}, status=400)


def _form_preview(request: HttpRequest, *, task: Any) -> HttpResponse:
    """The form's "Preview" button without JavaScript: the same form, what was typed kept
    (unbound, so no errors yet), and the description rendered below it. Nothing is saved."""
    form = TaskForm(initial=request.POST.dict(), user=request.user, task=task)
    preview = render_markdown(request.POST.get("description", "")[:DESCRIPTION_MAX])
    context = {"form": form, "task": task, "preview": preview, "previewing": True}
    return render(request, "tasks/form.html", context)


@login_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Markdown → sanitised HTML for the preview of a description or a comment (fetch
    from static/js/app.js). Renders only; nothing is stored."""
    text = request.POST.get("text", "")
    if len(text) > DESCRIPTION_MAX:
        return JsonResponse(
            {"detail": f"At most {DESCRIPTION_MAX} characters.", "code": "too_long"}, status=400
        )
    return JsonResponse({"html": str(render_markdown(text))})


def _busy() -> ValidationError:
    return ValidationError("The task is being changed by others right now; try again.")


@login_required
@require_http_methods(["GET", "POST"])
def task_delete(request: HttpRequest, task_id: str) -> HttpResponse:
    task = permissions.get_task_for_update(request.user, task_id)
    if request.method == "POST":
        services.task_trash(actor=request.user, task=task)
        messages.success(
            request, f"Task “{task.title}” moved to trash.", extra_tags=undo_tag([task.pk])
        )
        return redirect("tasks:list")
    return render(request, "tasks/confirm_delete.html", {"task": task})


@login_required
@require_POST
def task_set_status(request: HttpRequest, task_id: str) -> HttpResponse:
    """Quick status change: a plain form post, or fetch() from static/js/app.js."""
    task = permissions.get_task_for_update(request.user, task_id)
    form = QuickStatusForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"detail": "Choose a valid status."}, status=400)
        messages.error(request, "Choose a valid status.")
        return redirect(_back(request, reverse("tasks:detail", args=[task.pk])))
    try:
        task = services.task_update(
            actor=request.user, task=task, changes={"status": form.cleaned_data["status"]}
        )
    except services.WriteConflict:
        if _wants_json(request):
            return JsonResponse({"detail": str(_busy().messages[0])}, status=409)
        messages.error(request, _busy().messages[0])
        return redirect(_back(request, reverse("tasks:detail", args=[task.pk])))
    label = Status(task.status).label
    if _wants_json(request):
        return JsonResponse(
            {"id": task.pk, "status": task.status, "label": label, "version": task.version}
        )
    messages.success(request, f"“{task.title}” is now {label.lower()}.")
    return redirect(_back(request, reverse("tasks:detail", args=[task.pk])))


@login_required
@require_POST
def task_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = _back(request, reverse("tasks:list"))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    user, data = request.user, form.cleaned_data
    if data["action"] == "set_status":
        count = services.tasks_bulk_set_status(actor=user, ids=data["ids"], status=data["status"])
        label = Status(data["status"]).label.lower()
        messages.success(request, f"{_tasks(count)} set to {label}.")
        return redirect(back)
    if not data["confirmed"]:
        chosen = list(permissions.editable_tasks(user).filter(pk__in=data["ids"]).order_by("title"))
        context: dict[str, Any] = {"tasks": chosen, "next": back}
        return render(request, "tasks/confirm_bulk_delete.html", context)
    count = services.tasks_bulk_delete(actor=user, ids=data["ids"])
    if count:
        # Undo names the posted ids: only those now in the user's trash come back.
        messages.success(
            request, f"{_tasks(count)} moved to trash.", extra_tags=undo_tag(data["ids"])
        )
    else:
        messages.info(request, "No task was moved to trash.")
    return redirect(back)


# Not part of a list's filter: where it is (cursor, page) and what the page does.
_NOT_FILTERS = ("cursor", "page", "quick", "format")


def _scoped_query(params: QueryDict, scope: str, project: Any, *, drop: tuple = ()) -> str:
    """The filters of the list on show, for its "Export these tasks" links and "Save
    this filter": the same filters, and the list's own scope (a project, "assigned to
    me") as a filter, so the export or the saved filter means the same tasks."""
    query = params.copy()
    for key in (*_NOT_FILTERS, *drop):
        query.pop(key, None)
    if project is not None:
        query["project"] = str(project.pk)
    elif scope == "mine":
        query["assignee"] = "me"
    return query.urlencode()


@login_required
@require_http_methods(["GET", "HEAD"])
def task_export(request: HttpRequest) -> HttpResponse:
    """ "Export these tasks": the visible tasks that match the list's filters, as CSV or
    JSON (tasks.exchange, the same rows as the API's export), named with today's date
    in the user's zone. A bad filter or format is a 400 that says which, never a 500."""
    fmt = request.GET.get("format", "csv")
    filters = TaskFilter(
        request.GET, queryset=selectors.visible_tasks(request.user), request=request
    )
    errors = [] if fmt in exchange.FORMATS else ["Format: choose csv or json."]
    if not filters.is_valid():
        errors += [f"{name.capitalize()}: {' '.join(e)}" for name, e in filters.errors.items()]
    if errors:
        return HttpResponse(
            "\n".join(errors) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = StreamingHttpResponse(
        exchange.stream(filters.qs, fmt, user=request.user), content_type=content_type
    )
    name = f"taskflow-tasks-{timezone.localdate().isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _import_limited(request: HttpRequest) -> int | None:
    """Count one upload for the user; the seconds to wait when over ImportForm.RATE."""
    usage = get_usage(
        request,
        group="tasks.import",
        key=lambda group, req: str(req.user.pk),
        rate=ImportForm.RATE,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


@login_required
@require_http_methods(["GET", "POST"])
def task_import(request: HttpRequest) -> HttpResponse:
    """Export links and an upload form; the same all-or-nothing importer as the
    import_tasks command (every row through the API's serializer and the services)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    wait = _import_limited(request) if request.method == "POST" else None
    if wait is not None:
        form.is_valid()  # bind, so the error below shows on the form
        form.add_error(None, f"Too many imports; try again in {-(-wait // 60)} minute(s).")
        status = 429
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = list(
                exchange.read_rows(upload.read(), upload.format, max_rows=ImportForm.MAX_ROWS)
            )
            report = exchange.import_tasks(request.user, rows)
        except exchange.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if not report.errors:
                skipped = f"; {report.skipped} already present, skipped" if report.skipped else ""
                messages.success(request, f"{_tasks(report.created)} imported{skipped}.")
                return redirect("tasks:list")
    if form.errors or (report and report.errors):
        status = max(status, 400)
    context = {
        "form": form,
        "report": report,
        "errors_shown": (report.errors[:50] if report else []),
    }
    response = render(request, "tasks/import.html", context, status=status)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response
