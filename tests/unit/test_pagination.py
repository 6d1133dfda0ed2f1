"""tasks.pagination: keyset cursors over (field, id). A hypothesis property: for any
set of tasks (ties, missing due dates) and any ordering and page size, next links
visit every task exactly once in order, and previous links walk back the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import NotFound, ValidationError

from projects.inbox import inbox_id_of
from taskflow.ids import new_id
from tasks.filters import ORDERING_FIELDS
from tasks.models import Task
from tasks.pagination import MAX_PAGE_SIZE, InvalidCursor, _encode, page_url, paginate

pytestmark = pytest.mark.django_db

ORDERINGS = [*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)]
BASE = datetime(2030, 1, 1, tzinfo=UTC)


def rows(min_size: int) -> st.SearchStrategy:
    return st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),  # title
            st.integers(1, 3),  # priority
            st.one_of(st.none(), st.integers(0, 2)),  # due date offset, or none
            st.integers(0, 2),  # created/updated minute: many ties
        ),
        min_size=min_size,
        max_size=12,
    )


def _make(owner, spec) -> list[Task]:
    Task.objects.filter(owner=owner).delete()
    project_id = inbox_id_of(owner)
    tasks = [
        Task(
            id=new_id(),
            owner=owner,
            project_id=project_id,
            title=title,
            priority=priority,
            due_date=None if due is None else date(2030, 1, 1) + timedelta(days=due),
            created_at=BASE + timedelta(minutes=minute),
            updated_at=BASE + timedelta(minutes=minute),
        )
        for title, priority, due, minute in spec
    ]
    Task.objects.bulk_create(tasks)
    return tasks


def _expected(tasks: list[Task], ordering: str) -> list[str]:
    field, desc = ordering.lstrip("-"), ordering.startswith("-")
    present = sorted(
        (t for t in tasks if getattr(t, field) is not None),
        key=lambda t: (getattr(t, field), t.pk),
        reverse=desc,
    )
    missing = sorted((t for t in tasks if getattr(t, field) is None), key=lambda t: t.pk)
    return [t.pk for t in present] + [t.pk for t in (reversed(missing) if desc else missing)]


def _walk(queryset, ordering: str, size: int, params: dict, key: str) -> list[list[str]]:
    pages = []
    for _ in range(50):
        page = paginate(queryset, {"page_size": str(size), **params}, ordering)
        pages.append([t.pk for t in page.items])
        params = getattr(page, f"{key}_params")
        if params is None:
            return pages
    raise AssertionError("pagination did not end")


def _last_page(queryset, ordering: str, size: int):
    page = paginate(queryset, {"page_size": str(size)}, ordering)
    for _ in range(50):
        if page.next_params is None:
            return page
        page = paginate(queryset, {"page_size": str(size), **page.next_params}, ordering)
    raise AssertionError("pagination did not end")


PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(spec=rows(0), ordering=st.sampled_from(ORDERINGS), size=st.integers(1, 5))
def test_next_links_visit_every_task_once_in_order(user, spec, ordering, size):
    tasks = _make(user, spec)
    forward = _walk(Task.objects.filter(owner=user), ordering, size, {}, "next")
    assert [pk for page in forward for pk in page] == _expected(tasks, ordering)
    assert all(len(page) == size for page in forward[:-1])


@PROPERTY
@given(spec=rows(6), ordering=st.sampled_from(ORDERINGS), size=st.integers(1, 5))
def test_previous_links_walk_back_from_the_last_page(user, spec, ordering, size):
    tasks = _make(user, spec)  # six tasks or more, pages of five at most: 2+ pages
    queryset = Task.objects.filter(owner=user)
    last = _last_page(queryset, ordering, size)
    backward = _walk(queryset, ordering, size, last.previous_params, "previous")
    walked = [pk for page in reversed(backward) for pk in page] + [t.pk for t in last.items]
    assert walked == _expected(tasks, ordering)


@pytest.mark.parametrize("raw", ["0", "-3", str(MAX_PAGE_SIZE + 1), "x", "1.5", " "])
def test_bad_page_size_is_a_validation_error(user, raw):
    with pytest.raises(ValidationError):
        paginate(Task.objects.filter(owner=user), {"page_size": raw}, "-created_at")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "e30",  # {}
        _encode("title", "a", "id", True),  # another ordering's cursor
        _encode("-created_at", "not a date", "id", True),
        _encode("-created_at", None, "id", True),  # created_at is never empty
        _encode("-created_at", "2030-01-01T00:00:00", 5, True),  # pk must be text
    ],
)
def test_forged_cursors_are_invalid_cursor_errors(user, cursor):
    with pytest.raises(InvalidCursor):
        paginate(Task.objects.filter(owner=user), {"cursor": cursor}, "-created_at")


def test_empty_due_date_cursor_is_valid(user):
    page = paginate(
        Task.objects.filter(owner=user),
        {"cursor": _encode("due_date", None, "x", True)},
        "due_date",
    )
    assert page.items == []


def test_page_number_past_the_end_is_not_found(user):
    with pytest.raises(NotFound):
        paginate(Task.objects.filter(owner=user), {"page": "2"}, "-created_at")


def test_page_url_replaces_cursor_and_page():
    url = page_url("http://x/api/tasks/", {"cursor": "old", "page": "3", "tag": "a"}, {"page": "4"})
    assert url == "http://x/api/tasks/?tag=a&page=4"
    assert page_url("http://x/", {}, None) is None
