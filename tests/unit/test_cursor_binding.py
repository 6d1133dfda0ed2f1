"""tasks.pagination._CursorBinding: a page after a cursor kept for every cursor of its
form, its values bound per call, only where the statement compiled with the marks is,
once bound, the one compiled for the cursor itself."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tasks import pagination
from tasks.models import Task
from tests.factories import TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor == "mongodb", reason="MongoDB keeps no statements"),
]


@pytest.fixture(autouse=True)
def unproven(monkeypatch):
    monkeypatch.setattr(pagination, "_PROVEN", {})


def _build(queryset, field: str):
    def build(at):
        return pagination._page_rows(queryset, field, at, desc=False, forward=True)[:21]

    return build


def _statement(queryset) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "b"), ("due_date", date(2030, 1, 2)), ("priority", 2), ("due_date", None)],
)
def test_the_marks_bound_to_a_cursor_give_the_cursor_s_own_statement(user, field, value):
    tasks = [
        TaskFactory(owner=user, title=t, due_date=date(2030, 1, 1 + i)) for i, t in enumerate("abc")
    ]
    queryset = Task.objects.filter(owner=user)
    build = _build(queryset, field)
    binding = pagination._CursorBinding.of(queryset, field, (value, tasks[1].pk))
    sql, kept = _statement(build(binding.marked))
    binding.prove((sql, kept), build)
    assert len(pagination._PROVEN) == 1
    assert (sql, binding(kept)) == _statement(build((value, tasks[1].pk)))
    # Another cursor of the same form, bound to the statement kept for the first.
    other = pagination._CursorBinding.of(queryset, field, (value, tasks[0].pk))
    assert other.form == binding.form
    other.prove((sql, kept), build)  # known: its marks where they were
    assert (sql, other(kept)) == _statement(build((value, tasks[0].pk)))


def test_a_mark_among_the_statement_s_other_values_is_refused(user, monkeypatch):
    """A filter's value equal to the mark would be bound to every cursor's value."""
    task = TaskFactory(owner=user, title="zeta")
    monkeypatch.setitem(pagination._MARKS, str, "zeta")

    def attempt(queryset, cursor=("eta", task.pk)):
        binding = pagination._CursorBinding.of(queryset, "title", cursor)
        build = _build(queryset, "title")
        binding.prove(_statement(build(binding.marked)), build)

    # Met the first time: the page compiled for the cursor differs once bound.
    with pytest.raises(pagination._Unbound):
        attempt(Task.objects.filter(owner=user, title__in=["zeta", "eta"]))
    # Met in a statement proven before for another value: its marks are not where they were.
    attempt(Task.objects.filter(owner=user, title__gte="alpha"))
    with pytest.raises(pagination._Unbound):
        attempt(Task.objects.filter(owner=user, title__gte="zeta"))
    # A cursor at the mark itself: its value and the mark could not be told apart.
    with pytest.raises(pagination._Unbound):
        attempt(Task.objects.filter(owner=user), ("zeta", task.pk))
