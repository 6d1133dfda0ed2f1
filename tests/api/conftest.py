"""Helpers for the API suites: tasks made through the services (so tag rows exist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tasks import services
from tasks.models import Task
from tests.projects.conftest import world  # noqa: F401  (roles in test_trash_api.py)


@pytest.fixture
def make_task(user) -> Callable[..., Task]:
    def make(owner: Any = None, **fields: Any) -> Task:
        fields.setdefault("title", "A task")
        task, _ = services.task_create(actor=owner or user, **fields)
        return task

    return make
