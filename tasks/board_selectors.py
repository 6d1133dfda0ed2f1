"""Reads of the board (SPEC §8): the board with a page of cards per column, the next
page of one column (keyset on (position, id)), and the cards' comment counts and
assignees. The number of queries depends on the number of columns, never on the
number of tasks."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from projects.columns import project_columns
from projects.models import Column
from taskflow.ids import is_valid_id
from tasks.board import place_unplaced
from tasks.models import Comment, Task
from tasks.permissions import live_tasks

PER_COLUMN_DEFAULT = 20
PER_COLUMN_MAX = 100


class InvalidBoardCursor(ValueError):
    """A column cursor that this module did not write."""


def encode_cursor(task: Task) -> str:
    raw = json.dumps([task.position, task.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position, pk = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidBoardCursor() from None
    if not isinstance(position, str) or not is_valid_id(pk) or len(position) > 255:
        raise InvalidBoardCursor()
    return position, pk


@dataclass
class ColumnPage:
    column: Column
    cards: list[Task]
    next_cursor: str | None
    count: int = 0

    @property
    def over_limit(self) -> bool:
        return self.column.wip_limit is not None and self.count > self.column.wip_limit


def column_cards(
    tasks: QuerySet[Task], column: Column, *, limit: int, cursor: str | None = None
) -> ColumnPage:
    """One page of a column's cards in board order, from the (filtered, permission
    scoped) ``tasks``: a keyset read on (column, position, id)."""
    query = tasks.filter(column_id=column.pk)
    if cursor:
        position, pk = decode_cursor(cursor)
        query = query.filter(Q(position__gt=position) | Q(position=position, pk__gt=pk))
    rows = list(query.order_by("position", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ColumnPage(column, rows, encode_cursor(rows[-1]) if more and rows else None)


def annotate_cards(cards: list[Task]) -> None:
    """Set ``comment_count`` and ``assignee`` on cards: two queries for any number."""
    from accounts.models import User

    ids = [card.pk for card in cards]
    counts = dict(
        Comment.objects.filter(task_id__in=ids)
        .values("task_id")
        .annotate(n=Count("pk"))
        .values_list("task_id", "n")
    )
    assignee_ids = list({card.assignee_id for card in cards if card.assignee_id})
    users = {u.pk: u for u in User.objects.filter(pk__in=assignee_ids)} if assignee_ids else {}
    for card in cards:
        card.comment_count = counts.get(card.pk, 0)
        if card.assignee_id:
            card.assignee = users.get(card.assignee_id)


def column_task_counts(project_id: str) -> dict[str, int]:
    """{column id: number of the project's tasks in it}: one grouped query (a column
    without tasks is missing from the dict). It counts ``column_id`` (not the pk) so the
    (project, column) index alone answers it, without reading the task rows."""
    return dict(
        live_tasks()
        .filter(project_id=project_id)
        .values("column_id")
        .annotate(n=Count("column_id"))
        .values_list("column_id", "n")
    )


def board(project_id: str, tasks: QuerySet[Task], *, per_column: int) -> list[ColumnPage]:
    """Every column of the project with its first ``per_column`` cards (of ``tasks``,
    the filtered project tasks), its card count and WIP state. The number of queries
    depends on the number of columns, never on the number of tasks."""
    place_unplaced(project_id)
    columns = project_columns(project_id)
    totals = column_task_counts(project_id)
    pages = [column_cards(tasks, column, limit=per_column) for column in columns]
    for page in pages:
        page.count = totals.get(page.column.pk, 0)
    annotate_cards([card for page in pages for card in page.cards])
    return pages
