"""The whole suite runs against MongoDB when TEST_MONGO_URL is set (`make test` maps
it to DATABASE_URL before Django starts). No MongoDB server exists on the development
machines, so here this module only says why it skipped; CI's mongodb job runs it."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tasks.models import Task
from tasks.services import task_create, task_update

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_MONGO_URL"),
        reason="TEST_MONGO_URL is not set: no MongoDB server on this machine",
    ),
    pytest.mark.django_db,
]


def test_suite_runs_on_the_mongodb_backend():
    assert settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend"


def test_conditional_update_is_atomic_without_transactions(user):
    task, _ = task_create(actor=user, title="On Mongo")
    task_update(actor=user, task=task, changes={"status": "done"}, expected_version=task.version)
    stored = Task.objects.get(pk=task.pk)
    assert (stored.status, stored.version, stored.completed_at is not None) == ("done", 2, True)
