"""TaskSerializer builds its output directly (a fast path); it must stay byte-identical
to DRF's generic per-field output."""

from __future__ import annotations

import json
import zoneinfo
from datetime import UTC, date, datetime, time

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tasks.models import Priority, Status, Task
from tasks.serializers import TaskSerializer
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _generic(task) -> bytes:
    # DRF's own Serializer.to_representation: the reference the fast path must match.
    return JSONRenderer().render(serializers.Serializer.to_representation(TaskSerializer(), task))


def _fast(task) -> bytes:
    return JSONRenderer().render(TaskSerializer(task).data)


VARIANTS = [
    {},
    {"status": Status.DONE, "completed_at": datetime(2026, 3, 1, 9, 30, 5, 123456, UTC)},
    {"status": Status.IN_PROGRESS, "priority": Priority.HIGH, "due_date": date(2026, 12, 31)},
    {"priority": Priority.LOW, "tags": ["home", "ünïcode"], "description": ""},
    {"title": 'Quotes " and \\ and </script>', "description": "line\nbreak\ttab"},
    {"checklist_total": 5, "checklist_done": 3},
]


@pytest.mark.parametrize("fields", VARIANTS)
def test_fast_output_is_byte_identical_to_drf(user, fields):
    task = TaskFactory(owner=user, **fields)
    task.refresh_from_db()
    assert _fast(task) == _generic(task)


@pytest.mark.parametrize("fields", VARIANTS[:3])
def test_fast_output_matches_for_unsaved_enum_values(user, fields):
    # Straight from create(): enum members, not the plain values read back from the DB.
    task = TaskFactory(owner=user, **fields)
    assert _fast(task) == _generic(task)


def test_fast_output_matches_in_a_non_utc_time_zone(user):
    task = TaskFactory(owner=user, completed_at=datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        fast, generic = _fast(task), _generic(task)
    assert fast == generic
    assert b'"completed_at":"2026-06-02T01:00:00+02:00"' in fast


def test_list_and_detail_responses_use_the_same_document(api_client, user):
    task = TaskFactory(owner=user, tags=["a"], due_date=date(2026, 1, 2))
    task.refresh_from_db()
    listed = api_client.get("/api/tasks/").json()["results"][0]
    detail = api_client.get(f"/api/tasks/{task.pk}/").json()
    expected = serializers.Serializer.to_representation(TaskSerializer(), task)
    assert listed == detail == dict(expected)
    assert list(listed) == list(expected)  # key order too


@pytest.mark.parametrize("query", ["", "?page=1", "?search=task", "?ordering=due_date"])
def test_list_rows_read_as_values_are_byte_identical_to_drf(api_client, user, query):
    # The list reads rows with .values() (pagination.ValuesRow), not Task instances.
    user.timezone = "America/New_York"
    user.save(update_fields=["timezone"])
    extra = [{"due_date": date(2026, 5, 4), "due_time": time(9, 30)}, {"assignee": user}]
    for fields in VARIANTS + extra:
        TaskFactory(owner=user, **{"title": "a task", **fields})
    body = api_client.get(f"/api/tasks/{query}").content
    listed = {row["id"]: JSONRenderer().render(row) for row in json.loads(body)["results"]}
    assert len(listed) >= len(VARIANTS) + len(extra) - 1  # a search misses the quotes
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        for task in Task.objects.filter(pk__in=listed):
            assert listed[task.pk] == _generic(task)
