"""The task list's rows (templates/tasks/list.html, ``{% task_rows %}``), rendered in
Python: as a template loop they were ~25 nodes per row and about half of the page's
CPU (each title escaped five times, the overdue test twice, a variable lookup per
attribute). The markup is the loop's, byte for byte (tests/web/test_task_rows.py
renders both): change one, change the other."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString

from taskflow.templatetags.routes import fill_id, id_shape
from tasks.models import Status, Task
from tasks.templatetags import task_ui

register = template.Library()
_DETAIL, _STATUS, _PROJECT = "tasks:detail", "tasks:set-status", "projects:detail"
_ROUTES = (_DETAIL, _STATUS, _PROJECT)
_NOT_PROVIDED = "NOTPROVIDED"  # django.template.context_processors.csrf's sentinel


def autoescape(value: Any) -> str:
    """``{{ value }}`` with autoescaping: safe strings as they are, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_esc = autoescape  # short, for the f-strings below


@register.simple_tag(takes_context=True)
def task_rows(context: template.Context, tasks: Iterable[Task], tag_query: str) -> SafeString:
    """Every ``<tr>`` of the list, each preceded by the loop's line break and indent.
    Reads ``csrf_token``, ``current_url``, ``user`` and ``scope`` from the page."""
    return render_rows(
        tasks,
        csrf_token=context.get("csrf_token", ""),
        current_url=context.get("current_url", ""),
        tag_query=tag_query,
        user=context.get("user"),
        show_project=context.get("scope") != "project",
    )


def render_rows(
    tasks: Iterable[Task],
    *,
    csrf_token: Any,
    current_url: str,
    tag_query: str,
    user: Any,
    show_project: bool,
) -> SafeString:
    """The rows' markup, each value escaped once (``autoescape``)."""
    back = _esc(current_url)
    # complete_button's hidden input always has a value; {% csrf_token %} (the status
    # form's) renders nothing without a token, as Django's tag does.
    done_token = _esc(csrf_token)
    form_token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{done_token}">'
        if csrf_token and csrf_token != _NOT_PROVIDED
        else ""
    )
    tag_prefix = f"?{_esc(tag_query)}&amp;tag="
    # Each link's route reversed once for all the rows (as task_url and {% url %} would).
    shapes = {name: id_shape(name) for name in _ROUTES}
    rows = []
    for task in tasks:
        pk = _esc(task.pk)
        title = _esc(task.title)
        status_url = _esc(fill_id(shapes[_STATUS], _STATUS, task.pk))
        detail_url = _esc(fill_id(shapes[_DETAIL], _DETAIL, task.pk))
        done = task.status == Status.DONE
        rows.append(
            f'\n  <tr id="task-{pk}" class="status-{_esc(task.status)}" tabindex="-1">\n'
            f'    <td class="select"><input type="checkbox" name="ids" value="{pk}" form="bulk"'
            f' aria-label="Select “{title}”"></td>\n'
            f'    <td class="done"><form method="post" action="{status_url}" class="complete">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{done_token}">'
            f'<input type="hidden" name="next" value="{back}#task-{pk}">'
            f'<button type="submit" name="status" value="{Status.TODO if done else Status.DONE}"'
            f' class="check" aria-pressed="{"true" if done else "false"}"'
            f' aria-label="Done: “{title}”"></button></form></td>\n'
            f'    <td class="title"><a class="title" href="{detail_url}">'
            f"{title}</a> {_esc(task_ui.checklist_badge(task))}</td>\n"
            f'    <td><form method="post" action="{status_url}" class="inline quick-status">'
            f'{form_token}<input type="hidden" name="next" value="{back}#task-{pk}">\n'
            f'      <select name="status" aria-label="Status of “{title}”">'
            f"{task_ui.status_options(task.status)}</select>\n"
            f'      <button type="submit" class="button small secondary">Set<span'
            f' class="visually-hidden"> status of “{title}”</span></button></form></td>\n'
            f'    <td><span class="prio prio-{_esc(task_ui.priority_name(task.priority))}">'
            f"{_esc(task_ui.priority_label(task.priority))}</span></td>\n"
            f"    <td>{_due_cell(task, user)}</td>\n"
            f"    {_project_cell(task, shapes[_PROJECT]) if show_project else ''}\n"
            f"    <td>{_esc(task.assignee.get_short_name()) if task.assignee else _NONE}</td>\n"
            f"    <td>{''.join(_tag_link(tag_prefix, tag) for tag in task.tags or ())}</td>\n"
            "  </tr>\n  "
        )
    # Every value above went through autoescape() or is a safe string already.
    return SafeString("".join(rows))  # nosec B703


_NONE = '<span class="muted">—</span>'
_OVERDUE = '<span class="visually-hidden"> (overdue)</span>'


def _due_cell(task: Task, user: Any) -> str:
    if not task.due_date:
        return _NONE
    overdue = task.is_overdue
    repeat = ""
    if task.repeat:
        rule = _esc(task_ui.repeat_text(task.repeat))
        repeat = f' <span title="{rule}">↻<span class="visually-hidden"> {rule}</span></span>'
    return (
        f'<span class="due{" overdue" if overdue else ""}">{_esc(task_ui.due_text(task, user))}'
        f"{repeat}{_OVERDUE if overdue else ''}</span>"
    )


def _project_cell(task: Task, shape: str) -> str:
    url = _esc(fill_id(shape, _PROJECT, task.project_id))
    return f'<td><a href="{url}">{_esc(task.project.name)}</a></td>'


def _tag_link(prefix: str, tag: Any) -> str:
    # {{ tag|urlencode }}: quote()'s default safe "/" (Django's urlencode filter).
    return f'<a class="tag" href="{prefix}{_esc(quote(str(tag)))}">{_esc(tag)}</a> '
