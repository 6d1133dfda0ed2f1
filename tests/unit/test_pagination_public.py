"""The public pagination helpers bench/ uses read exactly what ``paginate`` reads."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tasks import pagination
from tasks.selectors import visible_tasks
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ordering", ["-created_at", "title", "-due_date"])
def test_page_queryset_after_a_cursor_is_the_next_page(user, ordering):
    for index in range(7):
        TaskFactory(owner=user, title=f"t{index % 3}", due_date=None)
    first = pagination.paginate(visible_tasks(user), QueryDict("page_size=3"), ordering)
    cursor = pagination.cursor_for(ordering, first.items[-1])
    assert first.next_params == {"cursor": cursor}
    second = pagination.paginate(
        visible_tasks(user), QueryDict(f"page_size=3&cursor={cursor}"), ordering
    )
    assert list(pagination.page_queryset(visible_tasks(user), ordering, cursor)[:3]) == (
        second.items
    )
    _, pk, forward = pagination.decode_cursor(cursor, ordering)
    assert (pk, forward) == (first.items[-1].pk, True)
