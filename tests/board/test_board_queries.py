"""The board costs the same number of queries at 2,000 tasks as at 100 (issue 12): one
query per column for its first cards, a fixed number for everything else."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import columns as column_services
from tasks.models import Comment, Status, Task
from tasks.positions import spread_keys


def _grow(world, size: int) -> None:
    by_status = {c.category: c for c in column_services.project_columns(world.project.pk)}
    statuses = [Status.TODO, Status.IN_PROGRESS, Status.DONE]
    keys = spread_keys(size)
    tasks = [
        Task(
            owner=world.users["editor"],
            project=world.project,
            assignee=world.users["editor"] if i % 2 else world.users["admin"],
            title=f"Card {i}",  # a whole word to search: MongoDB's $text has no prefixes
            status=statuses[i % 3],
            column=by_status[statuses[i % 3]],
            position=keys[i],
            tags=["x"],
        )
        for i in range(size)
    ]
    Task.objects.bulk_create(tasks, batch_size=500)
    Comment.objects.bulk_create(
        [Comment(task=task, author=world.users["editor"], body="b") for task in tasks[::7]],
        batch_size=500,
    )


def _board_queries(world, filters: str) -> int:
    client = world.client("viewer")
    url = f"/api/projects/{world.project.pk}/board/?per_column=20{filters}"
    client.get(url)  # warm: anything done once (column defaults) is not counted
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert all(len(c["cards"]) == 20 for c in response.data["columns"])
    return len(queries)


@pytest.mark.parametrize("filters", ["", "&priority=medium&overdue=false&search=card"])
def test_board_query_count_is_fixed_as_tasks_grow(world, filters):
    _grow(world, 100)
    small = _board_queries(world, filters)
    _grow(world, 1_900)
    assert _board_queries(world, filters) == small
    # auth (2; 1 when the shared Redis cache answers the token check) + membership +
    # unplaced check + columns + WIP counts + 3 columns + comment counts + assignees
    assert small <= 11


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans (bench: PostgreSQL)")
def test_a_column_page_reads_the_project_column_index_in_card_order(world):
    """Each column's page, first and after a cursor, is one range of (project, column,
    position, id), read in card order. Without that index PostgreSQL read the column on
    (project, column) and sorted all its cards, which cost a 20,000-task board 1.6x a
    1,000-task one (docs/performance.md "A project's pages"); SQLite's plan shows the
    index is there and that the query's shape lets it serve the page."""
    from tasks import board_selectors, permissions

    _grow(world, 60)
    tasks = permissions.visible_tasks(world.users["viewer"]).filter(project_id=world.project.pk)
    column = column_services.project_columns(world.project.pk)[0]
    first = board_selectors.column_cards(tasks, column, limit=5)
    assert first.next_cursor
    for cursor in (None, first.next_cursor):
        with CaptureQueriesContext(connection) as queries:
            board_selectors.column_cards(tasks, column, limit=5, cursor=cursor)
        (read,) = queries.captured_queries
        with connection.cursor() as sql:
            sql.execute("EXPLAIN QUERY PLAN " + read["sql"])
            plan = "\n".join(row[-1] for row in sql.fetchall())
        assert "tf_task_proj_column_pos" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
