"""A list request without filter parameters skips django-filter's form; the result
must be what the full FilterSet gives."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tasks import selectors
from tasks.filters import DEFAULT_ORDERING, TaskFilter
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_no_filter_parameters_give_the_same_rows_and_ordering(user, other_user):
    TaskFactory.create_batch(3, owner=user)
    TaskFactory(owner=other_user)
    visible = selectors.visible_tasks(user)
    fast = TaskFilter(QueryDict("page_size=2&cursor=x"), queryset=visible)
    full = TaskFilter(QueryDict("search="), queryset=visible)  # a named filter: full path
    assert fast.is_valid()
    assert full.is_valid()
    assert not fast.errors
    assert fast.ordering_key() == full.ordering_key() == DEFAULT_ORDERING
    assert sorted(fast.qs.values_list("pk", flat=True)) == sorted(
        full.qs.values_list("pk", flat=True)
    )
    assert fast.qs.count() == 3


def test_filters_are_still_available_after_the_fast_path(user):
    fast = TaskFilter(QueryDict(""), queryset=selectors.visible_tasks(user))
    assert "filters" not in vars(fast)  # not deep-copied up front
    assert set(fast.filters) == set(TaskFilter.base_filters)
    assert all(f.parent is fast for f in fast.filters.values())


@pytest.mark.parametrize("query", ["status=bogus", "overdue=maybe", "ordering=-owner"])
def test_invalid_filters_still_answer_400(api_client, query):
    assert api_client.get(f"/api/tasks/?{query}").status_code == 400


# Each query once alone (the fast path) and once with an empty status (the full form).
LONE_SEARCHES = [
    "search=invoice",
    "search=invoice%20paid&ordering=title",
    "search=%20%20",
    "search=",
    "ordering=-due_date",
    "search=draft&search=invoice",  # the last value, as the form's widget reads it
    "search=invoice&page_size=2&cursor=x",
]


@pytest.mark.parametrize("query", LONE_SEARCHES)
def test_a_lone_search_gives_what_the_full_form_gives(user, make_task, query):
    for title in ("Invoice paid", "Pay the invoice", "Draft notes", "Other"):
        make_task(title=title)
    visible = selectors.visible_tasks(user)
    fast = TaskFilter(QueryDict(query), queryset=visible)
    full = TaskFilter(QueryDict(f"{query}&status="), queryset=visible)
    assert "filters" not in vars(fast)  # the fast path was taken
    assert fast.is_valid()
    assert full.is_valid()
    for name in ("search", "ordering"):
        assert fast.form.cleaned_data[name] == full.form.cleaned_data[name]
    assert fast.ordering_key() == full.ordering_key()
    fast_rows, _ = fast.list_query()
    full_rows, _ = full.list_query()
    assert list(fast_rows.values_list("pk", flat=True)) == list(
        full_rows.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "query", ["search=" + "a" * 201, "search=a%00b", "ordering=owner&search=x", "ordering=%20title"]
)
def test_an_invalid_lone_search_gets_the_full_forms_errors(user, query):
    visible = selectors.visible_tasks(user)
    lone = TaskFilter(QueryDict(query), queryset=visible)
    full = TaskFilter(QueryDict(f"{query}&status="), queryset=visible)
    assert not lone.is_valid()
    assert lone.errors == full.errors


@pytest.mark.parametrize(
    "query", ["search=" + "a" * 201, "search=a%00b", "ordering=owner&search=x"]
)
def test_an_invalid_lone_search_is_a_400_on_both_lists(api_client, client, user, query):
    client.force_login(user)
    assert api_client.get(f"/api/tasks/?{query}").status_code == 400
    assert client.get(f"/tasks/?{query}").status_code == 400
