"""Fixtures for the time tests: a frozen clock (no timing in assertions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone


@pytest.fixture
def clock(monkeypatch):
    """Set the instant every ``timezone.now()`` (and so ``localdate()``) returns."""

    def set_to(moment: datetime) -> datetime:
        aware = moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: aware)
        return aware

    return set_to


@pytest.fixture
def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
