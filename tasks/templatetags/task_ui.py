"""Template helpers for task pages: the completions chart and small labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.preferences import format_user_date
from taskflow.templatetags.routes import id_url
from tasks import recurrence
from tasks.models import Priority, Status

register = template.Library()

CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_TOP = 14  # room for the peak label above the tallest bar
CHART_BOTTOM = 20  # room for the date labels
BAR_GAP = 2

_STATUSES = Status.choices
# Per-row filters and tags: their answers for the known values, worked out once.
_PRIORITY_LABELS = {p.value: p.api_name.capitalize() for p in Priority}
_PRIORITY_NAMES = {p.value: p.api_name for p in Priority}
_STATUS_OPTIONS: dict[str, SafeString] = {}


@register.inclusion_tag("tasks/partials/completion_chart.html")
def completion_chart(days: list[tuple[date, int]]) -> dict[str, Any]:
    """An inline SVG bar chart (no library, no script) plus the same data as a table
    for screen readers and text browsers."""
    peak = max((count for _, count in days), default=0)
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / max(len(days), 1)
    bars = []
    for index, (day, count) in enumerate(days):
        height = round(plot_height * count / peak, 1) if peak else 0
        bars.append(
            {
                "x": round(index * slot + BAR_GAP / 2, 1),
                "y": round(CHART_TOP + plot_height - height, 1),
                "width": round(slot - BAR_GAP, 1),
                "height": height,
                "day": day,
                "count": count,
            }
        )
    total = sum(count for _, count in days)
    return {
        "bars": bars,
        "peak": peak,
        "total": total,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 5,
        "first": days[0][0] if days else None,
        "last": days[-1][0] if days else None,
        "days": len(days),
    }


@register.filter
def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


@register.filter
def priority_label(value: int) -> str:
    label = _PRIORITY_LABELS.get(value)
    return str(value) if label is None else label


@register.filter
def priority_name(value: int) -> str:
    return _PRIORITY_NAMES.get(value, "")


@register.simple_tag
def query_without(params: QueryDict, *keys: str) -> str:
    """The current query string without ``keys`` (e.g. to clear one filter)."""
    query = params.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


# A header's first click: the order people expect of that column.
_FIRST_ORDER = {"title": "title", "priority": "-priority", "due_date": "due_date"}


@register.simple_tag
def sort_header(params: QueryDict, ordering: str, field: str, label: str) -> SafeString:
    """A sortable column header: a link that sorts by ``field`` (a whitelisted key of
    tasks.filters) and, on the sorted column, flips the direction; ``aria-sort`` and
    an arrow say how the list is sorted now. The other filters and the page size stay;
    the cursor or page number does not (it belongs to the old order)."""
    query = params.copy()
    for key in ("ordering", "cursor", "page"):
        query.pop(key, None)
    if ordering == field:
        state, arrow, target = "ascending", "▲", f"-{field}"
    elif ordering == f"-{field}":
        state, arrow, target = "descending", "▼", field
    else:
        state, arrow, target = "", "", _FIRST_ORDER.get(field, field)
    query["ordering"] = target
    return format_html(
        '<th scope="col"{}><a class="sort" href="?{}">{}{}</a></th>',
        format_html(' aria-sort="{}"', state) if state else "",
        query.urlencode(),
        label,
        format_html(' <span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )


@register.simple_tag
def task_url(name: str, task_id: Any) -> str:
    """``{% url "tasks:<name>" task_id %}`` for per-row links, without a reverse() per row
    (reverse() walks the resolver: ~20% of a 20-row task list with two links a row)."""
    return id_url(f"tasks:{name}", task_id)


@register.simple_tag
def status_options(selected: str) -> SafeString:
    """The <option>s of a status <select>, ``selected`` marked: one tag per row instead
    of a template loop of three options (a third of a task list's template nodes)."""
    options = _STATUS_OPTIONS.get(selected)
    if options is None:
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, " selected" if value == selected else "", text) for value, text in _STATUSES),
        )
        if selected in Status.values:  # only known values: the dict stays three entries
            _STATUS_OPTIONS[selected] = options
    return options


_NOTHING = object()
# choice_options' answers for the known (choices, selected) pairs: each filter <select>
# of the list pages: ~0.23 ms a page for the four, ~15 us memoised (docs/performance.md,
# "Round 14 (issue 15)").
_CHOICE_OPTIONS: dict[tuple[Any, ...], SafeString] = {}
_CHOICE_OPTIONS_MAX = 256


def _marked(selected: Any, value: Any) -> bool:
    return selected is not _NOTHING and selected == value


@register.simple_tag
def choice_options(choices: Any, selected: Any = _NOTHING) -> SafeString:
    """The <option>s of a filter <select>: ``{% for value, label in choices %}<option
    value="{{ value }}"{% if selected == value %} selected{% endif %}>{{ label }}</option>
    {% endfor %}`` as one tag (the list page's four option loops were ~90 template nodes).
    Without ``selected`` none is marked. Same markup, byte for byte
    (tests/web/test_task_list_template_tags.py renders both). Worked out once per list
    of choices and choice marked: a ``selected`` that is none of the choices (empty, or
    from a hand-edited query string) marks none, as no ``selected`` does."""
    pairs = tuple(choices)
    chosen = next((value for value, _ in pairs if _marked(selected, value)), _NOTHING)
    key = _options_key(pairs, chosen)
    options = _CHOICE_OPTIONS.get(key) if key is not None else None
    if options is None:
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, " selected" if _marked(chosen, value) else "", text) for value, text in pairs),
        )
        if key is not None and len(_CHOICE_OPTIONS) < _CHOICE_OPTIONS_MAX:
            _CHOICE_OPTIONS[key] = options
    return options


def _options_key(pairs: tuple[Any, ...], chosen: Any) -> tuple[Any, ...] | None:
    # Plain-string labels only (a lazily translated one renders per language), and
    # hashable choices only.
    if not all(type(label) is str for _, label in pairs):
        return None
    key = (pairs, chosen)
    try:
        hash(key)
    except TypeError:
        return None
    return key


@register.simple_tag(takes_context=True)
def complete_button(context: template.Context, task: Any, back: str) -> SafeString:
    """One-click complete: a small form whose one button completes the task (or reopens
    a done one). Without JavaScript it posts and the page comes back at ``#task-<id>``;
    static/js/app.js sends the same POST with fetch and flips the button in place.
    A tag, not an include: it renders once per row."""
    done = task.status == Status.DONE
    return format_html(
        '<form method="post" action="{}" class="complete">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}#task-{}">'
        '<button type="submit" name="status" value="{}" class="check" aria-pressed="{}"'
        ' aria-label="Done: “{}”"></button></form>',
        task_url("set-status", task.pk),
        context.get("csrf_token", ""),
        back,
        task.pk,
        Status.TODO if done else Status.DONE,
        "true" if done else "false",
        task.title,
    )


@register.simple_tag
def checklist_badge(task: Any) -> str:
    """A task's checklist as "3/5" (nothing without one): the counters the write path
    keeps on the task, so a list of any length costs no query for it."""
    total = task.checklist_total
    if not total:
        return ""
    done = task.checklist_done
    return format_html(
        '<span class="checklist-badge{}" title="Checklist: {} of {} done">{}/{}'
        '<span class="visually-hidden"> checklist items done</span></span>',
        " complete" if done == total else "",
        done,
        total,
        done,
        total,
    )


@register.filter
def due_text(task: Any, user: Any) -> str:
    """The due date in the user's date format, with the due time if there is one.
    ``task`` is a Task or quick add's dict of what it understood."""
    values = task if isinstance(task, dict) else vars(task)
    due_date, due_time = values.get("due_date"), values.get("due_time")
    if due_date is None:
        return ""
    text = format_user_date(due_date, user)
    return f"{text} {due_time.strftime('%H:%M')}" if due_time else text


@register.filter
def repeat_text(rule: str) -> str:
    return recurrence.describe(rule)
