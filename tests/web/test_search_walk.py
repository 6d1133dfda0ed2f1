"""A search listed in a column's order on SQLite may walk that order's index, testing
each row against the matches, instead of reading every match first
(``tasks.search_backends.walks_in_order``, ``tasks.filters.TaskFilter._walk``): every
page, followed through the next links of the API and of the task list page, is the
plain search's, for every ordering (ties, undated tasks, merged or not); the rule
chooses the walk for a dense word only; the walked page reads the order's index."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.db import OperationalError, connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.inbox import inbox_id_of
from projects.services import project_create
from tasks import counters, pagination, permissions, search_backends, services, trash
from tasks import filters as filters_module
from tasks.filters import ORDERING_FIELDS, TaskFilter
from tasks.models import Priority, Task

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the walk is SQLite's alone"),
]

ORDERINGS = [*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)]
TASKS = 60
SIZE = 7
WALKED = '+"tasks_task"."id" IN (SELECT i.task_id'
_ROW = re.compile(r'<tr id="task-([0-9A-Z]{26})"')
_NEXT = re.compile(r'<a class="button secondary" href="([^"]+)" rel="next">')


@pytest.fixture(autouse=True)
def _fresh_estimates():
    search_backends.forget_estimates()
    yield
    search_backends.forget_estimates()


@pytest.fixture
def spread(user, other_user) -> list[str]:
    """TASKS tasks of ``user`` over the Inbox and two projects, with ties on every key
    and undated tasks, two in three holding "harbour" (title or description); and
    tasks of another user holding it, which no page may show. The ids of the
    user's matches."""
    projects = [inbox_id_of(user), *(project_create(actor=user, name=f"P{i}").pk for i in (1, 2))]
    base = timezone.now() - timedelta(days=1)
    matching = []
    for i in range(TASKS):
        word = ("harbour", "lantern", "harbours")[i % 3]
        task, _ = services.task_create(
            actor=user,
            project_id=projects[i % 3],
            title=f"{('same', 'other', 'zeta')[(i // 3) % 3]} {word if i % 2 else ''}".strip(),
            description="" if i % 2 else f"by the {word}",
            priority=list(Priority)[i % 2],
            due_date=None if i % 4 == 0 else date(2030, 1, 1 + i % 2),
        )
        stamp = base + timedelta(minutes=i // 7)
        Task.objects.filter(pk=task.pk).update(created_at=stamp, updated_at=stamp)
        if word != "lantern":
            matching.append(task.pk)
    for i in range(5):
        services.task_create(actor=other_user, title=f"harbour of someone else {i}")
    return matching


def _costs(monkeypatch, *, listing: float, walking: float) -> None:
    """The rule's four costs set so that one way always wins (each call sets all four)."""
    for name in ("LIST_MATCH_US", "LIST_ROW_US"):
        monkeypatch.setattr(search_backends, name, listing)
    for name in ("WALK_BUILD_US", "WALK_ROW_US"):
        monkeypatch.setattr(search_backends, name, walking)


def _walk_always(monkeypatch) -> None:
    _costs(monkeypatch, listing=1e9, walking=0.0)


def _walk_never(monkeypatch) -> None:
    _costs(monkeypatch, listing=0.0, walking=1e9)


def _api_ids(client, ordering: str) -> tuple[list[str], bool]:
    url, ids, walked = f"/api/tasks/?search=harbour&ordering={ordering}&page_size={SIZE}", [], []
    for _ in range(30):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content
        walked += [WALKED in query["sql"] for query in captured.captured_queries]
        body = response.json()
        ids += [task["id"] for task in body["results"]]
        if body["next"] is None:
            return ids + _back(client, body["previous"]), any(walked)
        url = body["next"]
    raise AssertionError("pagination did not end")


def _back(client, url: str | None) -> list[str]:
    """From the last page, the previous links back to the first: its ids, last first."""
    ids: list[str] = []
    for _ in range(30):
        if url is None:
            return ids
        body = client.get(url).json()
        ids += [task["id"] for task in reversed(body["results"])]
        url = body["previous"]
    raise AssertionError("pagination did not end")


def _page_ids(client, ordering: str) -> tuple[list[str], bool]:
    url, ids, walked = f"/tasks/?search=harbour&ordering={ordering}&page_size=25", [], []
    for _ in range(30):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        walked += [WALKED in query["sql"] for query in captured.captured_queries]
        page = response.content.decode()
        ids += _ROW.findall(page)
        found = _NEXT.search(page)
        if found is None:
            return ids, any(walked)
        url = html.unescape(found.group(1))
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("merged", [False, True], ids=["sorted whole", "merged"])
@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("kind", ["api", "page"])
def test_a_walked_search_lists_what_the_plain_search_lists(
    kind, api_client, web, spread, ordering, merged, monkeypatch
):
    client, read = {"api": (api_client, _api_ids), "page": (web, _page_ids)}[kind]
    if merged:
        monkeypatch.setattr(filters_module, "MERGED_FROM_TASKS", 1)
    _walk_never(monkeypatch)
    plain, walked = read(client, ordering)
    assert not walked
    forward = plain[: len(spread)]
    assert sorted(forward) == sorted(spread)  # every match of the user's, no one else's
    if kind == "api":  # then back from the last page: all but the last page, reversed
        assert plain[len(spread) :] == forward[: len(spread) - len(spread) % SIZE][::-1]
    _walk_always(monkeypatch)
    search_backends.forget_estimates()
    again, walked = read(client, ordering)
    assert walked
    assert again == plain


def test_the_page_list_counts_a_walked_search_through_its_matches(web, spread, monkeypatch):
    _walk_always(monkeypatch)
    response = web.get("/tasks/?search=harbour&ordering=title&page_size=25")
    assert response.status_code == 200
    assert f"{len(spread)} tasks" in response.content.decode()


def test_numbered_pages_and_other_filters_read_the_matches_first(api_client, spread, monkeypatch):
    _walk_always(monkeypatch)
    for query in ("page=2&page_size=5", "status=todo", "project=" + "0" * 26):
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(f"/api/tasks/?search=harbour&ordering=title&{query}")
        assert response.status_code == 200, response.content
        assert not any(WALKED in q["sql"] for q in captured.captured_queries), query


def test_assigned_to_me_reads_the_matches_first(web, user, spread, monkeypatch):
    """The walk's estimate counts all of the user's tasks; "Assigned to me" holds a few
    of them, so a walk could read every task for a page."""
    _walk_always(monkeypatch)
    Task.objects.filter(pk__in=spread[:3]).update(assignee=user)
    with CaptureQueriesContext(connection) as captured:
        response = web.get("/tasks/mine/?search=harbour&ordering=title")
    assert response.status_code == 200
    assert len(_ROW.findall(response.content.decode())) == 3
    assert not any(WALKED in q["sql"] for q in captured.captured_queries)


def test_a_relevance_order_never_walks(api_client, spread, monkeypatch):
    _walk_always(monkeypatch)
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get("/api/tasks/?search=harbour").status_code == 200
    assert not any(WALKED in q["sql"] for q in captured.captured_queries)


def _walks(query: str, sizes: list[int], total: int, *, in_order: bool = True) -> bool:
    search_backends.forget_estimates()  # the total is kept 5 minutes: each case names its own
    return search_backends.walks_in_order(
        query, sizes=sizes, in_order=in_order, page=21, database_total=lambda: total
    )


def test_the_rule_walks_for_a_dense_word_only(user):
    for i in range(40):
        title = f"harbour {i}" if i % 2 else ("zeppelin" if i == 0 else f"quay {i}")
        services.task_create(actor=user, title=title)
    # 20 matches among 40 tasks: a page is found within ~42 rows of the order (all 40).
    assert _walks("harbour", [40], total=40)
    # Two ranges (merged), each reading its own page: still cheaper here; an empty one
    # (a project without tasks) costs nothing.
    assert _walks("harbour", [20, 20], total=40)
    assert _walks("harbour", [40, 0, 0, 0, 0, 0], total=40)
    # One match among 40: reading it costs less than walking the 40 rows.
    assert not _walks("zeppelin", [40], total=40)
    # 20 matches among 100,000 (the counters' figures): ~105,000 rows for 21 matches.
    assert not _walks("harbour", [100_000], total=100_000)
    # The user holds 1,000 of the database's 1,000,000 tasks: a page of theirs may need
    # every row they have; the database's 20 matches cost less.
    assert not _walks("harbour", [1_000], total=1_000_000)
    # Read unmerged over several projects, a walk reads every visible row.
    assert not _walks("harbour", [10_000], total=10_000, in_order=False)
    # No match, no words, no tasks: nothing to walk.
    assert not _walks("nowhere", [40], total=40)
    assert not _walks("!!", [40], total=40)
    assert not _walks("harbour", [], total=40)


def test_the_match_count_is_kept_for_a_minute(user, django_assert_num_queries, monkeypatch):
    services.task_create(actor=user, title="harbour")
    with django_assert_num_queries(1):
        assert search_backends._sqlite_match_count(["harbour"], "default") == 1
    with django_assert_num_queries(0):
        assert search_backends._sqlite_match_count(["harbour"], "default") == 1
    services.task_create(actor=user, title="harbour again")
    now = search_backends.time.monotonic()
    monkeypatch.setattr(
        search_backends.time, "monotonic", lambda: now + search_backends._MATCHES_TTL + 1
    )
    with django_assert_num_queries(1):
        assert search_backends._sqlite_match_count(["harbour"], "default") == 2


def test_the_database_total_counts_every_live_task(user, other_user):
    for actor in (user, user, other_user):
        services.task_create(actor=actor, title="x")
    doomed, _ = services.task_create(actor=user, title="to the trash")
    trash.task_trash(actor=user, task=doomed)
    assert counters.database_total() == 3


def test_a_walked_page_reads_the_order_index_of_each_project(user, spread, monkeypatch):
    _walk_always(monkeypatch)
    monkeypatch.setattr(filters_module, "MERGED_FROM_TASKS", 1)
    filters = TaskFilter(
        QueryDict("search=harbour&ordering=-due_date"), queryset=permissions.visible_tasks(user)
    )
    assert filters.is_valid()
    queryset, ordering = filters.list_query(reader=user)
    assert filters.walked
    assert len(filters.page_parts) == 3
    merged = pagination.page_queryset(queryset, ordering, parts=filters.page_parts)
    plan = merged[:21].explain()
    lines = plan.splitlines()
    assert sum("USING INDEX tf_task_proj_due" in line for line in lines) >= 3, plan
    # The matches are a list each range tests its rows against, not what drives it.
    assert "LIST SUBQUERY" in plan, plan
    assert "(project_id=? AND deleted_at=? AND id=?)" not in plan, plan
    assert all("TEMP B-TREE" not in line for line in lines[:-1]), plan


# --- The walk's budget (search_backends.walk_budget, TaskFilter.read_page) -------------


def _no_budget_left(monkeypatch) -> None:
    """Every walk runs past its budget: SQLite's second check (its second step) stops
    it, the first having started the clock."""
    monkeypatch.setattr(search_backends, "WALK_BUDGET_SHARE", 0.0)
    monkeypatch.setattr(search_backends, "WALK_MIN_US", -1.0)
    monkeypatch.setattr(search_backends, "WALK_CHECK_EVERY", 1)


def _page_statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"tasks_task"."title"' in q["sql"]]


@pytest.mark.parametrize("ordering", ["-created_at", "title", "due_date"])
@pytest.mark.parametrize("kind", ["api", "page"])
def test_a_walk_past_its_budget_is_read_through_its_matches(
    kind, api_client, web, spread, ordering, monkeypatch
):
    """The same pages as the plain search, every page; the first request tried the walk
    and read its page again through the matches, the later ones never walk (the walk is
    abandoned for the search over these projects)."""
    client, read = {"api": (api_client, _api_ids), "page": (web, _page_ids)}[kind]
    _walk_never(monkeypatch)
    plain, _ = read(client, ordering)
    search_backends.forget_estimates()
    _walk_always(monkeypatch)
    _no_budget_left(monkeypatch)
    first = {"api": "/api/tasks/", "page": "/tasks/"}[kind]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{first}?search=harbour&ordering={ordering}&page_size=7")
    assert response.status_code == 200
    tried = _page_statements(captured)
    assert WALKED in tried[0], tried
    assert not any(WALKED in sql for sql in tried[1:]), tried
    again, walked = read(client, ordering)
    assert not walked
    assert again == plain
    if kind == "page":
        assert f"{len(spread)} tasks" in response.content.decode()


def test_a_walk_within_its_budget_is_kept(api_client, spread, monkeypatch):
    """The app's own budget: a walk of these few rows stays well within it."""
    _walk_always(monkeypatch)
    monkeypatch.setattr(search_backends, "LIST_MATCH_US", 0.01)
    monkeypatch.setattr(search_backends, "LIST_ROW_US", 0.01)
    monkeypatch.setattr(search_backends, "WALK_BUILD_US", 0.0)
    monkeypatch.setattr(search_backends, "WALK_ROW_US", 0.0)
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get("/api/tasks/?search=harbour&ordering=title&page_size=7")
        assert response.status_code == 200
        statements = _page_statements(captured)
        assert len(statements) == 1, statements
        assert WALKED in statements[0], statements


def test_an_abandoned_walk_is_one_order_of_one_readers_projects(api_client, spread, monkeypatch):
    _walk_always(monkeypatch)
    defaults = {
        name: getattr(search_backends, name)
        for name in ("WALK_BUDGET_SHARE", "WALK_MIN_US", "WALK_CHECK_EVERY")
    }
    _no_budget_left(monkeypatch)

    def statements(ordering: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(f"/api/tasks/?search=harbour&ordering={ordering}")
        assert response.status_code == 200
        return _page_statements(captured)

    tried = statements("title")
    assert len(tried) == 2, tried  # walked, stopped, read through the matches
    assert WALKED in tried[0]
    for name, value in defaults.items():
        monkeypatch.setattr(search_backends, name, value)
    walked = statements("-created_at")  # another order still walks
    assert len(walked) == 1, walked
    assert WALKED in walked[0]
    again = statements("title")
    assert len(again) == 1, again
    assert WALKED not in again[0]


def test_an_abandoned_walk_is_tried_again_after_a_minute_and_per_scope(user, monkeypatch):
    services.task_create(actor=user, title="harbour")

    def plan(scope: tuple[str, ...]) -> float | None:
        return search_backends.walk_plan(
            "harbour", sizes=[1], page=21, database_total=lambda: 1, scope=scope
        )

    _walk_always(monkeypatch)
    listed = plan(("a",))
    assert listed is not None
    assert listed >= 1e9  # the estimate of reading the matches
    search_backends.walk_abandoned("HARBOUR", scope=("a",))  # the same words
    assert plan(("a",)) is None
    assert plan(("b",)) is not None  # another reader's projects
    now = search_backends.time.monotonic()
    monkeypatch.setattr(
        search_backends.time, "monotonic", lambda: now + search_backends._MATCHES_TTL + 1
    )
    assert plan(("a",)) is not None


def _count_within(budget: float, sql: str) -> int:
    with search_backends.walk_budget(budget), connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_the_budget_stops_a_statement_and_leaves_the_connection_as_it_was(user, monkeypatch):
    for i in range(30):
        services.task_create(actor=user, title=f"task {i}")
    count = "SELECT count(*) FROM tasks_task a, tasks_task b"  # 900 rows, many steps
    assert _count_within(0.0, count) == 900  # a millisecond of CPU at least: enough
    _no_budget_left(monkeypatch)
    with pytest.raises(search_backends.WalkTooLong):
        _count_within(0.0, count)
    with connection.cursor() as cursor:  # no budget outside the block
        cursor.execute(count)
        assert cursor.fetchone()[0] == 900
    # Any other database error inside the block is the caller's, as it was.
    with pytest.raises(OperationalError):
        _count_within(0.0, "SELECT count(*) FROM no_such_table")
