"""Every list order of a one-project list is read in index order, first page and after
a cursor: SQLite's plan of the page query names an index and no temp b-tree, where it
sorted every visible row before the list named the user's projects (docs/performance.md
"Every ordering at 100,000 tasks"). SQLite only: PostgreSQL's planner rightly prefers
a sequential scan and a sort for a test-sized table, so its plans are in the bench."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import QueryDict

from projects.services import project_create
from tasks import filters as filters_module
from tasks import pagination, permissions
from tasks.filters import ORDERING_CHOICES, TaskFilter
from tasks.models import Priority
from tests.factories import TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans (bench: both)"),
]


def _list_query(user, ordering: str):
    filters = TaskFilter(
        QueryDict(f"ordering={ordering}"), queryset=permissions.visible_tasks(user)
    )
    assert filters.is_valid()
    return filters.list_query(reader=user)[0]


@pytest.mark.parametrize("ordering", [key for key, _ in ORDERING_CHOICES])
def test_one_project_list_reads_an_index_in_order(user, ordering):
    for i in range(8):
        due = None if i % 3 == 0 else date(2030, 1, 1) + timedelta(days=i)
        TaskFactory(owner=user, title=f"t{i % 4}", due_date=due, priority=list(Priority)[i % 3])
    queryset = _list_query(user, ordering)
    listed = list(pagination.page_queryset(queryset, ordering))
    # One cursor among dated rows, one among undated (due dates) or ties.
    for row in (None, listed[2], listed[-2]):
        cursor = pagination.cursor_for(ordering, row) if row else None
        plan = pagination.page_queryset(queryset, ordering, cursor)[:21].explain()
        assert "USING INDEX" in plan, plan
        assert not _scans_a_table(plan), plan
        if "COMPOUND QUERY" in plan:
            _assert_merged(plan)
        else:
            assert "TEMP B-TREE" not in plan, plan


def _scans_a_table(plan: str) -> bool:
    """Whether the plan reads a whole table. A merged page's ranges are derived tables
    (``SCAN (subquery-N)``: the page's worth of rows a range read from its index)."""
    return any(" SCAN " in line and " SCAN (subquery-" not in line for line in plan.splitlines())


def _assert_merged(plan: str) -> None:
    """A page read as index ranges merged (pagination._page_rows): each range reads an
    index in order, the page's rows are found by primary key, and only those (a page's
    worth per range) are sorted."""
    lines = plan.splitlines()
    searches = [line for line in lines if re.search(r" SEARCH (tasks_task|V0) ", line)]
    ranges = [line for line in searches if "USING INDEX tf_task_proj_" in line]
    assert len(ranges) >= 2, plan
    outer = [line for line in searches if line not in ranges]
    assert outer, plan
    assert all("(id=?)" in line for line in outer), plan
    # One sort, the outer query's, last: of the picked rows only.
    assert all("TEMP B-TREE" not in line for line in lines[:-1]), plan


@pytest.mark.parametrize(
    "ordering", [key for key, _ in ORDERING_CHOICES if not key.lstrip("-").startswith("due")]
)
def test_a_cursor_seeks_the_index_at_its_own_row(user, ordering):
    """The page after a cursor starts at the cursor's (key, id), not at the first row of
    its key: with an inclusive bound on the key alone, a deep page by priority (three
    values) read every row of the cursor's priority before it."""
    for i in range(8):
        TaskFactory(owner=user, title=f"t{i % 2}", due_date=date(2030, 1, 1 + i % 2))
    queryset = _list_query(user, ordering)
    row = list(pagination.page_queryset(queryset, ordering))[4]
    cursor = pagination.cursor_for(ordering, row)
    plan = pagination.page_queryset(queryset, ordering, cursor)[:21].explain()
    field = ordering.lstrip("-")
    assert f"({field},id){'<' if ordering.startswith('-') else '>'}(?,?)" in plan, plan


@pytest.mark.parametrize("ordering", [key for key, _ in ORDERING_CHOICES])
def test_a_list_over_several_projects_reads_a_range_per_project(user, ordering, monkeypatch):
    """Across projects no index holds the order: each project's page is read from its
    own index and only those rows are sorted, where the plain query sorted them all."""
    monkeypatch.setattr(filters_module, "MERGED_FROM_TASKS", 1)
    for i in range(2):
        project = project_create(actor=user, name=f"P{i}")
        for j in range(4):
            due = None if j == 0 else date(2030, 1, 1 + j)
            TaskFactory(owner=user, project_id=project.pk, title=f"t{j}", due_date=due)
    TaskFactory.create_batch(3, owner=user)
    filters = TaskFilter(
        QueryDict(f"ordering={ordering}"), queryset=permissions.visible_tasks(user)
    )
    assert filters.is_valid()
    queryset = filters.list_query(reader=user)[0]
    assert len(filters.page_parts) == 3
    listed = list(pagination.page_queryset(queryset, ordering))
    for row in (None, listed[4], listed[-3]):
        cursor = pagination.cursor_for(ordering, row) if row else None
        merged = pagination.page_queryset(queryset, ordering, cursor, parts=filters.page_parts)
        plan = merged[:21].explain()
        assert not _scans_a_table(plan), plan
        _assert_merged(plan)


def test_a_small_list_over_several_projects_is_sorted_whole(user):
    """Below MERGED_FROM_TASKS tasks (the stats counters say) the plain query: sorting
    a few rows costs less than building the merged statement."""
    project_create(actor=user, name="P")
    TaskFactory.create_batch(3, owner=user)
    filters = TaskFilter(QueryDict("ordering=title"), queryset=permissions.visible_tasks(user))
    assert filters.is_valid()
    filters.list_query(reader=user)
    assert filters.page_parts == ()


def test_without_naming_the_projects_the_list_is_sorted(user):
    """What the test above guards against: the membership subquery alone."""
    TaskFactory(owner=user)
    plan = pagination.page_queryset(permissions.visible_tasks(user), "-created_at")[:21].explain()
    assert "TEMP B-TREE FOR ORDER BY" in plan


def test_more_projects_than_the_limit_keep_the_subquery_and_the_rows(user, monkeypatch):
    TaskFactory.create_batch(3, owner=user)
    named = list(_list_query(user, "title"))
    monkeypatch.setattr(permissions, "LISTED_PROJECTS_MAX", 0)
    assert list(_list_query(user, "title")) == named
    assert len(named) == 3
