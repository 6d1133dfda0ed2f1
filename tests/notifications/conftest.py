"""A task with a due date, its owner (Alice), and the reminders' clock."""

from __future__ import annotations

from datetime import date, time

import pytest

from tasks import services as task_services
from tests.conftest import client_for


@pytest.fixture
def due_task(user):
    task, _ = task_services.task_create(
        actor=user, title="Pay rent", due_date=date(2030, 1, 15), due_time=time(18, 0)
    )
    return task


@pytest.fixture
def alice_client(user):
    return client_for(user)
