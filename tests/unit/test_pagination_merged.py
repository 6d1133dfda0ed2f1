"""tasks.pagination over several projects read as one index range per project, merged
(``parts``): the same rows in the same order as the plain sorted query, for every
ordering, page size and cursor, forward and back (ties, missing due dates, a cursor on
either side of them); and the page query is the merged one where the database has it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import OuterRef, Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.inbox import inbox_id_of
from projects.models import Project
from projects.services import project_create
from taskflow.backends import checks_scope_after_ranges, reads_ranges_as_table
from taskflow.ids import new_id
from tasks import pagination, permissions
from tasks.filters import ORDERING_FIELDS
from tasks.models import Task
from tasks.pagination import paginate

pytestmark = pytest.mark.django_db

ORDERINGS = [*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)]
BASE = datetime(2030, 1, 1, tzinfo=UTC)
MERGES = connection.vendor in ("sqlite", "postgresql")


def rows(min_size: int) -> st.SearchStrategy:
    return st.lists(
        st.tuples(
            st.integers(0, 2),  # project: the Inbox or one of two shared projects
            st.sampled_from(["a", "b", "c"]),  # title
            st.integers(1, 3),  # priority
            st.one_of(st.none(), st.integers(0, 2)),  # due date offset, or none
            st.integers(0, 2),  # created/updated minute: many ties
        ),
        min_size=min_size,
        max_size=14,
    )


def _projects(user) -> list[str]:
    ids = permissions.member_project_id_list(user)
    while len(ids) < 3:
        project_create(actor=user, name=f"Shared {len(ids)}")
        ids = permissions.member_project_id_list(user)
    return [inbox_id_of(user), *(pid for pid in ids if pid != inbox_id_of(user))]


def _make(user, spec) -> None:
    projects = _projects(user)
    Task.objects.filter(owner=user).delete()
    Task.objects.bulk_create(
        Task(
            id=new_id(),
            owner=user,
            project_id=projects[project],
            title=title,
            priority=priority,
            due_date=None if due is None else date(2030, 1, 1) + timedelta(days=due),
            created_at=BASE + timedelta(minutes=minute),
            updated_at=BASE + timedelta(minutes=minute),
        )
        for project, title, priority, due, minute in spec
    )


def _listed(user):
    """As the list views read it (tasks.filters.TaskFilter.list_query)."""
    ids = permissions.member_project_id_list(user)
    queryset = permissions.in_member_projects(permissions.visible_tasks(user), ids)
    return queryset.select_related("project", "assignee"), permissions.member_project_parts(ids)


def _walk(queryset, parts, ordering: str, size: int, params: dict, key: str):
    pages = []
    for _ in range(50):
        page = paginate(queryset, {"page_size": str(size), **params}, ordering, parts=parts)
        pages.append(page)
        params = getattr(page, f"{key}_params")
        if params is None:
            return pages
    raise AssertionError("pagination did not end")


def _pks(pages) -> list[str]:
    return [t.pk for page in pages for t in page.items]


PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(spec=rows(0), ordering=st.sampled_from(ORDERINGS), size=st.integers(1, 5))
def test_merged_pages_are_the_plain_order_forward_and_back(user, spec, ordering, size):
    _make(user, spec)
    queryset, parts = _listed(user)
    assert len(parts) == 3
    plain = [t.pk for t in pagination.page_queryset(queryset, ordering)]
    forward = _walk(queryset, parts, ordering, size, {}, "next")
    assert _pks(forward) == plain
    assert all(len(page.items) == size for page in forward[:-1])
    if len(forward) > 1:
        backward = _walk(queryset, parts, ordering, size, forward[-1].previous_params, "previous")
        assert _pks(reversed(backward)) + _pks(forward[-1:]) == plain


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_deep_page_on_either_side_of_the_undated_is_the_plain_page(user, ordering):
    """Cursors at every row (dated, undated, ties): the next page read merged is the
    plain query's next rows."""
    _make(
        user,
        [(i % 3, "ab"[i % 2], 1 + i % 3, None if i % 4 == 0 else i % 3, i % 2) for i in range(16)],
    )
    queryset, parts = _listed(user)
    plain = list(pagination.page_queryset(queryset, ordering))
    for index, row in enumerate(plain):
        cursor = pagination.cursor_for(ordering, row)
        merged = pagination.page_queryset(queryset, ordering, cursor, parts=parts)[:4]
        assert [t.pk for t in merged] == [t.pk for t in plain[index + 1 : index + 5]]


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
@pytest.mark.parametrize("ordering", ["-created_at", "due_date", "priority"])
def test_the_page_query_is_merged_per_project(user, ordering, django_assert_num_queries):
    _make(user, [(i % 3, "a", 1, None, 0) for i in range(6)])
    queryset, parts = _listed(user)
    merged = pagination.page_queryset(queryset, ordering, parts=parts)
    assert str(merged.query).count("UNION ALL") == len(parts) - 1
    single = str(pagination.page_queryset(queryset, ordering, parts=parts[:1]).query)
    assert "UNION" not in single
    with django_assert_num_queries(1):  # the project comes in the same query
        assert {t.project.name for t in merged[:21]} == {"Inbox", "Shared 1", "Shared 2"}


def test_more_parts_than_the_bound_read_the_plain_query(user, monkeypatch):
    _make(user, [(i % 3, "a", 1, 0, 0) for i in range(6)])
    queryset, parts = _listed(user)
    merged = [t.pk for t in pagination.page_queryset(queryset, "title", parts=parts)]
    monkeypatch.setattr(pagination, "MAX_MERGED_PARTS", 2)
    sql = str(pagination.page_queryset(queryset, "title", parts=parts).query)
    assert "UNION" not in sql
    assert [t.pk for t in pagination.page_queryset(queryset, "title", parts=parts)] == merged


def _compiles(monkeypatch) -> list[int]:
    """Counts every statement Django compiles (subqueries and compound members too)."""
    calls: list[int] = []
    real = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return calls


def _part_values(parts) -> list[str]:
    return [part.children[0][1] for part in parts]


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
@pytest.mark.parametrize(("ordering", "deep"), [("-created_at", False), ("due_date", True)])
def test_the_merged_statement_compiles_one_range_whatever_the_number_of_projects(
    user, monkeypatch, ordering, deep
):
    """Each project's range is the same statement but for its project id: compiled
    once, not once per project (docs/performance.md, "Round 23 (issue 15)")."""
    _make(user, [(i % 3, "a", 1, None if i % 2 else 0, 0) for i in range(9)])
    queryset, parts = _listed(user)
    plain = list(pagination.page_queryset(queryset, ordering))
    cursor = pagination.cursor_for(ordering, plain[1]) if deep else None
    calls = _compiles(monkeypatch)
    counts = {}
    for some in (parts[:2], parts):
        calls.clear()
        merged = pagination.page_queryset(queryset, ordering, cursor, parts=some)
        sql, params = merged.query.sql_with_params()
        counts[len(some)] = len(calls)
        assert sql.count("UNION ALL") == len(some) * (2 if deep else 1) - 1
        assert all(project_id in params for project_id in _part_values(some))
    assert counts[2] == counts[3]
    found = [t.pk for t in pagination.page_queryset(queryset, ordering, cursor, parts=parts)[:20]]
    assert found == [t.pk for t in plain[2 if deep else 0 :]][:20]


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
def test_parts_that_are_not_one_column_each_are_merged_as_they_are(user):
    """Any other split (here a part naming two projects) is Django's union of the
    ranges: the same rows."""
    _make(user, [(i % 3, "ab"[i % 2], 1, None, i % 2) for i in range(9)])
    queryset, parts = _listed(user)
    assert pagination._one_column(parts) == "project_id"
    other = [parts[0], parts[1] | parts[2]]
    assert pagination._one_column(other) is None
    for ordering in ("title", "-due_date"):
        plain = [t.pk for t in pagination.page_queryset(queryset, ordering)]
        merged = pagination.page_queryset(queryset, ordering, parts=other)
        assert str(merged.query).count("UNION ALL") == 1
        assert [t.pk for t in merged] == plain


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
def test_the_reader_s_projects_are_checked_once_where_the_database_plans_each_range(user):
    """PostgreSQL planned each range's membership subquery as a semi-join of its own: it
    is checked once, on the picked rows. SQLite keeps it in the ranges (given it on the
    outer query, it walked the project index). Either way, the same rows."""
    _make(user, [(i % 3, "ab"[i % 2], 1, None if i % 2 else 0, i % 2) for i in range(9)])
    queryset, parts = _listed(user)
    once = checks_scope_after_ranges(connection)
    assert once == (connection.vendor == "postgresql")
    for ordering in ("-created_at", "due_date"):
        plain = list(pagination.page_queryset(queryset, ordering))
        for cursor in (None, pagination.cursor_for(ordering, plain[2])):
            merged = pagination.page_queryset(queryset, ordering, cursor, parts=parts)
            sql = str(merged.query)
            ranges = sql.count("UNION ALL") + 1
            assert sql.count("projects_membership") == (1 if once else ranges), sql
            # The list of the reader's project ids, implied by the ranges, is read
            # nowhere: each id is bound once per range of its project, no more.
            params = merged.query.sql_with_params()[1]
            assert all(params.count(pid) == ranges // len(parts) for pid in _part_values(parts))
            start = 3 if cursor else 0
            assert [t.pk for t in merged] == [t.pk for t in plain[start:]]


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
@pytest.mark.parametrize("ordering", ["-created_at", "due_date"])
def test_the_picked_rows_are_read_from_the_ranges_where_the_database_found_them_again(
    user, ordering, django_assert_num_queries
):
    """PostgreSQL reads the picked rows from the ranges, as the outer query's table
    (each range selects every column), where ``id IN (ranges)`` de-duplicated the ids
    and found each row again by primary key; SQLite keeps ``id IN``. Either way the
    page's columns, its related rows (one query) and its order are the plain page's."""
    _make(user, [(i % 3, "ab"[i % 2], 1, None if i % 2 else 0, i % 2) for i in range(9)])
    queryset, parts = _listed(user)
    table = reads_ranges_as_table(connection)
    assert table == (connection.vendor == "postgresql")
    plain = list(pagination.page_queryset(queryset, ordering))
    for cursor in (None, pagination.cursor_for(ordering, plain[2])):
        merged = pagination.page_queryset(queryset, ordering, cursor, parts=parts)
        sql = str(merged.query)
        assert ('"tasks_task"."id" IN (' not in sql) == table, sql
        assert (') "tasks_task"' in sql) == table, sql
        with django_assert_num_queries(1):
            found = [(t.pk, t.title, t.due_date, t.project.name) for t in merged[:21]]
        start = 3 if cursor else 0
        assert found == [(t.pk, t.title, t.due_date, t.project.name) for t in plain[start:]]
        only = queryset.select_related(None).only("id", "title")
        read = pagination.page_queryset(only, ordering, cursor, parts=parts)
        assert [(t.pk, t.title) for t in read] == [(t.pk, t.title) for t in plain[start:]]
        assert '"tasks_task"."id" IN (' in str(read.query)  # deferred columns: ids


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
def test_rows_read_as_dicts_are_read_from_the_ranges_when_they_hold_what_the_page_reads(user):
    """The API reads its page as dicts of TASK_OUTPUT_FIELDS (``paginate``'s ``fields``):
    each range then selects those columns and the outer query reads them again. A
    page that reads a column the ranges do not select reads ``id IN (ranges)``."""
    _make(user, [(i % 3, "ab"[i % 2], 1, None if i % 2 else 0, i % 2) for i in range(9)])
    queryset, parts = _listed(user)
    fields = ("id", "title", "due_date", "project_id", "created_at")
    rows = queryset.values(*fields)
    table = reads_ranges_as_table(connection)
    for ordering in ("-created_at", "due_date"):
        plain = [t.pk for t in pagination.page_queryset(queryset, ordering)]
        page = paginate(rows, {}, ordering, parts=parts, fields=fields)
        assert [row.pk for row in page.items] == plain[:20]
        assert {row.title for row in page.items} <= {"a", "b"}
        sql = _page_sql(rows, ordering, parts, fields)
        assert ('"tasks_task"."id" IN (' not in sql) == table, sql
        # A column the rows do not hold: the ranges select ids.
        wider = (*fields, "status")
        assert '"tasks_task"."id" IN (' in _page_sql(rows, ordering, parts, wider)
        page = paginate(queryset.values(*wider), {}, ordering, parts=parts, fields=wider)
        assert [row.pk for row in page.items] == plain[:20]


def _page_sql(rows, ordering: str, parts, fields) -> str:
    with CaptureQueriesContext(connection) as captured:
        paginate(rows, {}, ordering, parts=parts, fields=fields)
    (query,) = captured.captured_queries
    return query["sql"]


@pytest.mark.skipif(not MERGES, reason="MongoDB reads the plain query")
def test_a_project_named_in_the_parts_but_not_a_membership_is_not_read(user, other_user):
    """The parts come from the reader's project ids as read (perhaps a moment ago, from
    the cache); what grants access is the membership subquery, wherever it is checked:
    a project the reader is not (or no longer) a member of reads nothing."""
    _make(user, [(i % 3, "a", 1, 0, i % 3) for i in range(6)])
    theirs = project_create(actor=other_user, name="Not yours")
    Task.objects.bulk_create(
        Task(id=new_id(), owner=other_user, project_id=theirs.pk, title="a", created_at=BASE)
        for _ in range(4)
    )
    ids = [*permissions.member_project_id_list(user), theirs.pk]
    queryset = permissions.in_member_projects(permissions.visible_tasks(user), ids)
    parts = permissions.member_project_parts(ids)
    assert len(parts) == 4
    mine = sorted(Task.objects.filter(owner=user).values_list("pk", flat=True))
    for ordering in ("-created_at", "title", "due_date"):
        merged = [t.pk for t in pagination.page_queryset(queryset, ordering, parts=parts)]
        assert sorted(merged) == mine


def test_only_conditions_on_the_split_column_alone_leave_the_ranges(user):
    """A condition leaves the ranges only when it reads the split column of the listed
    table and nothing else: not a negation, an OR, another column, nor a subquery that
    refers to the row."""
    own = Project.objects.filter(created_by_id=OuterRef("owner_id")).values("pk")
    queryset = (
        Task.objects.filter(project_id__in=["a", "b"])
        .filter(project_id__in=Project.objects.filter(name="x").values("pk"))
        .exclude(project_id="c")
        .filter(Q(project_id="a") | Q(title="t"))
        .filter(project_id__in=own)
        .filter(title="t", project__name="n")
    )
    query = queryset.query.clone()
    moved = pagination._split_column_conditions(query, "project_id")
    assert len(moved) == 2
    assert sorted(moved[0].rhs) == ["a", "b"]
    assert "name" in str(moved[1].rhs)  # the subquery without an outer reference
    assert len(query.where.children) == len(queryset.query.where.children) - 2
    assert pagination._split_column_conditions(query, "project_id") == []


def test_a_list_that_holds_every_part_is_implied_by_the_ranges():
    query = Task.objects.filter(project_id__in=["a", "b", "c"]).query
    (listed,) = pagination._split_column_conditions(query.clone(), "project_id")
    assert pagination._implied(listed, ["a", "c"])
    assert not pagination._implied(listed, ["a", "d"])
    query = Task.objects.filter(project_id__in=Project.objects.values("pk")).query
    (subquery,) = pagination._split_column_conditions(query.clone(), "project_id")
    assert not pagination._implied(subquery, ["a"])
