"""PostgreSQL's timestamptz values read by psycopg's compiled loader, as Django's own
loader reads them (taskflow.backends.compiled_timestamptz_loader; docs/performance.md,
"Round 20 (issue 15)")."""

from __future__ import annotations

import os
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.db.utils import ConnectionHandler

from taskflow import backends

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a PostgreSQL server"
)

VALUES = [
    "2026-12-06 04:05:06.789+00",
    "2026-12-06 04:05:06+02:30",
    "2026-03-29 01:30:00.000001-07",
    "1999-12-31 23:59:59.999999+14",
    "0002-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "1900-06-15 12:00:00+00:09:21",
]


def _read(own, loader=None, zone_sql=None):
    with own.cursor() as cursor:
        if zone_sql:
            cursor.execute(zone_sql)
        if loader is not None:
            cursor.cursor.adapters.register_loader("timestamptz", loader)
        selects = ", ".join("%s::timestamptz" for _ in VALUES)
        cursor.execute(f"SELECT {selects}, NULL::timestamptz", VALUES)
        row = cursor.fetchone()
        used = cursor.cursor.adapters.get_loader(1184, 0)
    return row, used


def _own_connection():
    return ConnectionHandler({"default": backends.database_config(os.environ["DATABASE_URL"])})[
        "default"
    ]


@pytest.mark.parametrize("zone_sql", [None, "SET TIME ZONE 'America/New_York'"])
def test_values_are_read_as_djangos_loader_reads_them(zone_sql, django_db_blocker):
    """With the connection in Django's zone (as Django sets it), and in another (the
    loader then replaces the zone, as Django's does)."""
    own = _own_connection()
    with django_db_blocker.unblock():
        try:
            ours, used = _read(own, zone_sql=zone_sql)

            class DjangosLoader(BaseTzLoader):
                timezone = own.timezone

            djangos, _ = _read(own, DjangosLoader, zone_sql=zone_sql)
        finally:
            own.close()
    assert used is backends.compiled_timestamptz_loader(own.timezone)
    assert ours == djangos
    assert [v.tzinfo for v in ours[:-1]] == [v.tzinfo for v in djangos[:-1]]
    assert ours[-1] is None


def test_the_compiled_load_is_called_without_a_python_frame(django_db_blocker):
    with django_db_blocker.unblock():
        connection.ensure_connection()
        raw = connection.connection
        loader_class = raw.adapters.get_loader(1184, 0)
        with raw.cursor() as cursor:
            loader = loader_class(1184, cursor)
    assert loader_class is backends.compiled_timestamptz_loader(connection.timezone)
    # The method of the loader psycopg-binary compiled, not a Python function around it.
    compiled = psycopg.adapters.get_loader(1184, psycopg.pq.Format.TEXT)
    assert compiled.__module__ == "psycopg_binary._psycopg"
    assert type(loader.load.__self__) is compiled
    assert loader.timezone == connection.timezone


def test_other_backends_are_left_alone():
    backends.use_compiled_timestamp_loader(None, SimpleNamespace(vendor="sqlite"))
