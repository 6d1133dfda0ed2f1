"""Fixtures for the page tests: Django test clients signed in through the session."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_web(other_user) -> Client:
    client = Client()
    client.force_login(other_user)
    return client


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def csrf_web(user) -> Client:
    """A signed-in client that, like a browser, must send the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client
