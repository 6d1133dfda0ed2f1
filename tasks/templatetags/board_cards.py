"""A board column's cards (templates/tasks/board.html, ``{% board_cards %}``), rendered
in Python: as a template loop each card was ~40 nodes, a ``{% spaceless %}`` pass and
a loop over every column for its "move to" select. The markup is the loop's, byte for
byte (tests/web/test_board_cards.py renders both): change one, change the other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import SafeString

from taskflow.templatetags.routes import fill_id, id_shape
from tasks.models import Status, Task
from tasks.templatetags import task_ui
from tasks.templatetags.task_rows import autoescape as _esc

register = template.Library()
_DETAIL = "tasks:detail"
_OVERDUE = '<span class="visually-hidden"> (overdue)</span>'
_REOPEN, _DONE = 'value="reopen" aria-pressed="true"', 'value="done" aria-pressed="false"'
_EMPTY = '\n      <li class="empty muted">No cards</li>\n    '
_NOT_PROVIDED = "NOTPROVIDED"  # django.template.context_processors.csrf's sentinel
_STEPS = (
    '<button name="step" value="left" aria-label="Previous column">←</button>'
    '<button name="step" value="up" aria-label="Up">↑</button>'
    '<button name="step" value="down" aria-label="Down">↓</button>'
    '<button name="step" value="right" aria-label="Next column">→</button>'
)


@register.simple_tag(takes_context=True)
def board_cards(context: template.Context, cards: Sequence[Task], pages: Sequence[Any]) -> str:
    """The ``<li>`` of each card, each followed by the loop's line break and indent
    ("No cards" for none). Reads ``can_move``, ``csrf_token`` and ``user``."""
    if not cards:
        return SafeString(_EMPTY)  # nosec B703
    can_move = bool(context.get("can_move"))
    token = context.get("csrf_token")
    form_token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_esc(token)}">'
        if token and token != _NOT_PROVIDED
        else ""
    )
    user = context.get("user")
    shape = id_shape(_DETAIL)
    columns = [(page.column.pk, _esc(page.column.pk), _esc(page.column.name)) for page in pages]
    out = []
    for task in cards:
        pk, title, version = _esc(task.pk), _esc(task.title), _esc(task.version)
        card = [f'<li class="board-card" id="card-{pk}" data-version="{version}">']
        if can_move:
            done = task.status == Status.DONE
            card.append(
                f'<button form="mv-{pk}" name="step" {_REOPEN if done else _DONE}'
                f' class="check" aria-label="Done: “{title}”"></button>'
            )
        card.append(
            f'<a class="title" href="{_esc(fill_id(shape, _DETAIL, task.pk))}">{title}</a>'
            f'<p class="meta"><span class="prio prio-{_esc(task_ui.priority_name(task.priority))}">'
            f"{_esc(task_ui.priority_label(task.priority))}</span>"
        )
        if task.due_date:
            overdue = task.is_overdue
            card.append(
                f'<span class="due{" overdue" if overdue else ""}">'
                f"{_esc(task_ui.due_text(task, user))}{_OVERDUE if overdue else ''}</span>"
            )
        if task.assignee:
            name = task.assignee.name or task.assignee.email
            card.append(f'<span class="assignee">{_esc(name)}</span>')
        card.append(_esc(task_ui.checklist_badge(task)))
        comments = getattr(task, "comment_count", None)
        if comments:
            plural = "" if comments == 1 else "s"
            card.append(
                f'<span class="comments">{_esc(comments)}<span class="visually-hidden">'
                f' comment{plural}</span><span aria-hidden="true"> 💬</span></span>'
            )
        card.append("</p>")
        if task.tags:
            tags = "".join(f'<span class="tag">{_esc(tag)}</span>' for tag in task.tags)
            card.append(f'<p class="tags">{tags}</p>')
        if can_move:
            options = "".join(
                f'<option value="{value}"{" selected" if raw == task.column_id else ""}>'
                f"{name}</option>"
                for raw, value, name in columns
            )
            card.append(
                f'<form id="mv-{pk}" method="post" action="move/{pk}/" class="move-form">'
                f'{form_token}<input type="hidden" name="version" value="{version}">'
                f'<div role="group" aria-label="Move “{title}”">{_STEPS}'
                '<label><span class="visually-hidden">Column</span><select name="column">'
                f"{options}</select></label><button>Move</button></div></form>"
            )
        card.append("</li>")
        # What {% spaceless %} would still take out: whitespace-only text between tags.
        out.append(strip_spaces_between_tags("".join(card)) + "\n    ")
    # Every value above went through autoescape() or is a safe string already.
    return SafeString("".join(out))  # nosec B703
