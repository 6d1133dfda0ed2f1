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
