"""PostgreSQL's prepared statements, switched on by DB_PREPARED_STATEMENTS (opt-in)
(taskflow.backends.database_config; docs/performance.md, "Round 13 (issue 15)")."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from taskflow import backends
from tests.backends.test_migrations_per_backend import manage

PG_URL = "postgres://u:p@db:5432/tf"


def _options(**env: str) -> dict:
    script = (
        "from django.conf import settings as s; import json;"
        "o = s.DATABASES['default'].get('OPTIONS', {});"
        "print(json.dumps({k: getattr(v, '__name__', v) for k, v in o.items()}))"
    )
    result = manage("shell", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_setting_binds_on_the_server_and_prepares_on_postgres_only():
    prepared = {
        "server_side_binding": True,
        "prepare_threshold": backends.PREPARE_THRESHOLD,
        "cursor_factory": "PreparedStatementsCursor",
    }
    # Off by default: Django's own client-side binding, nothing prepared.
    assert _options(DATABASE_URL=PG_URL) == {}
    assert _options(DATABASE_URL=PG_URL, DB_PREPARED_STATEMENTS="false") == {}
    assert _options(DATABASE_URL=PG_URL, DB_PREPARED_STATEMENTS="true") == prepared
    sqlite = backends.database_config("sqlite:///x.db", prepared_statements=True)
    assert "server_side_binding" not in sqlite["OPTIONS"]
    mongo = backends.database_config("mongodb://db:27017/tf", prepared_statements=True)
    assert "OPTIONS" not in mongo


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server")
@pytest.mark.parametrize("prepared", [False, True])
def test_a_statement_run_again_is_prepared_only_when_switched_on(prepared, django_db_blocker):
    # A connection of its own to the server the suite runs on (its main database: the
    # statement reads no table).
    config = backends.database_config(os.environ["DATABASE_URL"], prepared_statements=prepared)
    own = ConnectionHandler({"default": config})["default"]
    with django_db_blocker.unblock():
        try:
            with own.cursor() as cursor:
                answers = []
                for number in range(backends.PREPARE_THRESHOLD + 2):
                    cursor.execute("SELECT %s::int + 1", [number])
                    answers.append(cursor.fetchone()[0])
                cursor.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    ["SELECT $1::int + 1%"],
                )
                kept = cursor.fetchone()[0]
        finally:
            own.close()
    assert answers == list(range(1, backends.PREPARE_THRESHOLD + 3))
    assert kept == (1 if prepared else 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server")
def test_a_full_text_match_is_planned_for_its_words_every_time(django_db_blocker):
    """A generic plan cannot see the words (PLANNED_PER_EXECUTION): such a statement is
    never prepared, however often it runs."""
    config = backends.database_config(os.environ["DATABASE_URL"], prepared_statements=True)
    own = ConnectionHandler({"default": config})["default"]
    match = "SELECT to_tsvector('simple', %s) @@ to_tsquery('simple', %s)"
    with django_db_blocker.unblock():
        try:
            with own.cursor() as cursor:
                answers = []
                for _ in range(backends.PREPARE_THRESHOLD + 2):
                    cursor.execute(match, ["an invoice", "invoice:*"])
                    answers.append(cursor.fetchone()[0])
                cursor.execute("SELECT count(*) FROM pg_prepared_statements")
                kept = cursor.fetchone()[0]
        finally:
            own.close()
    assert answers == [True] * (backends.PREPARE_THRESHOLD + 2)
    assert kept == 0
