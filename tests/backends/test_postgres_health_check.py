"""A kept PostgreSQL connection in steady use is checked without a round trip, and one
the server ended is still replaced before a request uses it (taskflow/postgresql/base.py;
docs/performance.md, "Round 22 (issue 15)")."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from taskflow import backends
from taskflow.postgresql import base as engine

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a PostgreSQL server"
)


@pytest.fixture
def own(django_db_blocker: Any) -> Iterator[Any]:
    """A connection of its own to the server the suite runs on, configured as the app's."""
    wrapper = ConnectionHandler({"default": backends.database_config(os.environ["DATABASE_URL"])})[
        "default"
    ]
    with django_db_blocker.unblock():
        try:
            yield wrapper
        finally:
            wrapper.close()


def serve(wrapper: Any) -> tuple[int, int]:
    """One request as Django runs one (close_old_connections when it starts and ends):
    the round-trip checks made before its query, and the server process that answered."""
    checks: list[int] = []
    django_check = wrapper.is_usable

    def counted() -> bool:
        checks.append(1)
        return django_check()

    wrapper.is_usable = counted
    try:
        wrapper.close_if_unusable_or_obsolete()  # request_started
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1 + 1, pg_backend_pid()")
            answer, pid = cursor.fetchone()
        wrapper.close_if_unusable_or_obsolete()  # request_finished
    finally:
        del wrapper.is_usable
    assert answer == 2
    return len(checks), pid


def test_postgresql_urls_get_this_engine(own: Any):
    assert backends.database_config("postgres://u:p@db:5432/tf")["ENGINE"] == (
        "taskflow.postgresql"
    )
    assert isinstance(own, engine.DatabaseWrapper)
    assert own.vendor == "postgresql"
    assert own.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_in_steady_use_is_not_asked_again(own: Any):
    first = serve(own)  # connects: nothing to check
    assert [serve(own) for _ in range(5)] == [(0, first[1])] * 5


def test_without_the_idle_limit_every_request_pays_djangos_round_trip(
    own: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(engine, "HEALTH_CHECK_IDLE_SECONDS", 0.0)
    first = serve(own)
    assert [serve(own) for _ in range(3)] == [(1, first[1])] * 3


def test_after_a_pause_the_connection_is_checked(own: Any, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engine, "HEALTH_CHECK_IDLE_SECONDS", 0.2)
    first = serve(own)
    assert serve(own) == (0, first[1])
    time.sleep(0.3)
    assert serve(own) == (1, first[1])


def test_a_session_the_server_ended_is_replaced_before_the_request_uses_it(own: Any):
    """The server ends the session right after a request (as a restart or a pooler's
    timeout would): the next request, moments later, gets a new connection, not an
    error."""
    _, pid = serve(own)
    params = own.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's notice reaches the socket.
    poller = select.poll()
    poller.register(own.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(5000)
    checks, new_pid = serve(own)
    assert checks == 1
    assert new_pid != pid


def test_with_health_checks_off_nothing_is_checked(own: Any):
    own.health_check_enabled = False
    own.settings_dict["CONN_HEALTH_CHECKS"] = False
    serve(own)
    own.health_check_enabled = False  # connect() reads the setting again
    assert serve(own)[0] == 0
