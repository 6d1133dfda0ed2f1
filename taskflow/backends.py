"""Everything that differs between database backends lives here.

TaskFlow runs the same models and queries on SQLite, PostgreSQL and MongoDB
(django-mongodb-backend). Our own models use string primary keys generated in
Python (see ``taskflow.ids``), so their migrations are identical on every backend.
What cannot be shared is Django's contrib apps: on MongoDB they need AppConfigs with
``ObjectIdAutoField`` and migrations generated for it (``taskflow/mongo_migrations``).
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import environ

MONGO_SCHEMES = ("mongodb", "mongodb+srv")
MONGO_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
SQL_AUTO_FIELD = "django.db.models.BigAutoField"
# How much of an SQLite file each connection may map (Rails' default too): the OS shares
# the mapped pages between connections and processes, as it shares its file cache.
SQLITE_MMAP_BYTES = 128 * 1024 * 1024
# PostgreSQL with prepared statements (DB_PREPARED_STATEMENTS, opt-in): psycopg
# prepares a statement the fifth time a connection runs it (its own default), then
# PostgreSQL plans it once per connection instead of on every request
# (docs/performance.md, "Round 13 (issue 15)").
PREPARE_THRESHOLD = 5
# Statements never prepared: those whose best plan depends on a parameter's value that
# a generic plan cannot see. A full-text match (``vector @@ to_tsquery(%s)``): planned
# for an unknown query, PostgreSQL estimates 0.5% of the rows and reads the word's
# whole GIN posting list for every search (3.6 ms against 0.8 ms for a 1,000-task
# user's `invoice` among 300,000 tasks, and it grows with the word's matches in the
# whole database).
PLANNED_PER_EXECUTION = ("@@",)
# Django's PostgreSQL backend with a cheaper check of a kept connection.
POSTGRESQL_ENGINE = "taskflow.postgresql"

# Contrib apps whose models carry an AutoField and so need a Mongo AppConfig.
_CONTRIB_APPS = {
    "django.contrib.admin": "taskflow.mongo_apps.MongoAdminConfig",
    "django.contrib.auth": "taskflow.mongo_apps.MongoAuthConfig",
    "django.contrib.contenttypes": "taskflow.mongo_apps.MongoContentTypesConfig",
}


def is_mongo_url(url: str) -> bool:
    return urlsplit(url).scheme in MONGO_SCHEMES


def database_config(
    url: str, *, conn_max_age: int = 60, prepared_statements: bool = False
) -> dict[str, Any]:
    """Turn DATABASE_URL into a DATABASES["default"] entry for any supported backend.

    ``prepared_statements`` (DB_PREPARED_STATEMENTS, off by default): on PostgreSQL,
    bind parameters on the server and let psycopg prepare the statements a connection
    runs again and again, so PostgreSQL plans them once per connection, not once per
    request (no effect on the other backends). Less database CPU per list page, but a
    generic plan is sized for an average project: the counters of a project of 100,000
    tasks were read through 17,400 rows instead of 7 (docs/performance.md, "Round 13
    (issue 15)"). Never behind a pooler in transaction mode that cannot keep prepared
    statements: one lives in one server session."""
    if is_mongo_url(url):
        # django-environ knows no mongodb scheme; the backend takes the whole URI as HOST.
        name = urlsplit(url).path.lstrip("/").split("?")[0] or "taskflow"
        return {"ENGINE": "django_mongodb_backend", "HOST": url, "NAME": name}
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers proceed while one writer commits; busy timeout rides out
            # short write bursts instead of failing with "database is locked".
            # mmap_size: pages are read from a memory map of the file, not copied by a
            # read() each into the connection's 2 MB page cache; a search through a
            # large database visits a page per match (docs/performance.md, "Round 9").
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                f" PRAGMA mmap_size={SQLITE_MMAP_BYTES};"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    if prepared_statements and config["ENGINE"] == "django.db.backends.postgresql":
        # Both, or neither: with parameters bound on the client every statement's text
        # differs by its values, and psycopg would prepare each one anew.
        config.setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=PREPARE_THRESHOLD,
            cursor_factory=prepared_statements_cursor(),
        )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's, except that a connection in steady use is checked without a round
        # trip (taskflow/postgresql/base.py).
        config["ENGINE"] = POSTGRESQL_ENGINE
    # Kept across requests: opening one costs more than most queries (PostgreSQL's
    # handshake; SQLite's file open, WAL pragma and Django's ~30 SQL functions, ~1 ms
    # a request). Health checks drop a broken one before a request uses it.
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    return config


@functools.cache
def prepared_statements_cursor() -> type:
    """Django's server-binding cursor for psycopg 3, except that a statement holding
    one of ``PLANNED_PER_EXECUTION`` is never prepared (psycopg's ``prepare=False``):
    PostgreSQL plans it for its parameters every time, as without prepared statements.
    Imported here, on first use: the embedded mode never loads psycopg."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedStatementsCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            per_execution = isinstance(query, str) and any(
                marker in query for marker in PLANNED_PER_EXECUTION
            )
            if per_execution and kwargs.get("prepare") is None:
                kwargs["prepare"] = False
            return super().execute(query, params, **kwargs)

    return PreparedStatementsCursor


def use_compiled_timestamp_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: a new PostgreSQL connection reads its
    ``timestamptz`` values with psycopg's compiled loader (``compiled_timestamptz_loader``).
    The other backends are left alone."""
    if connection.vendor != "postgresql":
        return
    loader = compiled_timestamptz_loader(connection.timezone)
    connection.connection.adapters.register_loader("timestamptz", loader)


@functools.cache
def compiled_timestamptz_loader(zone: Any) -> type:
    """A ``timestamptz`` loader that returns what Django's returns, parsed by psycopg's
    compiled loader.

    Django's loader (``BaseTzLoader``) subclasses psycopg's pure-Python one, since the
    compiled one cannot be subclassed (Django ticket #36960, psycopg issue #1273): each
    date of a row was parsed by a regular expression in Python, a tenth of an API list
    page's CPU (docs/performance.md, "Round 20 (issue 15)"). This class wraps the compiled
    loader that psycopg-binary registers as the default (``psycopg.adapters``), and keeps
    Django's two promises:

    - the value is in ``zone``, Django's time zone for the connection: as Django's does
      with ``replace(tzinfo=zone)``, except where the connection's own time zone is
      ``zone`` already (Django sets it so on connect), the value then being the same
      without that step;
    - ``timezone``, which Django's ``create_cursor`` compares with its own to decide
      whether a cursor needs a loader of its own."""
    from psycopg import adapters, pq
    from psycopg.adapt import Loader
    from psycopg.postgres import types

    compiled = adapters.get_loader(types["timestamptz"].oid, pq.Format.TEXT)

    class CompiledTimestamptzLoader(Loader):
        timezone = zone

        def __init__(self, oid: int, context: Any = None):
            super().__init__(oid, context)
            load = compiled(oid, context).load
            if self.connection is not None and self.connection.info.timezone == zone:
                # psycopg's transformer calls the compiled method itself: no Python frame.
                self.load = load  # type: ignore[method-assign]
            else:
                self.load = lambda data: load(data).replace(tzinfo=zone)  # type: ignore[method-assign]

        def load(self, data: Any) -> Any:  # replaced per instance in __init__
            raise NotImplementedError

    return CompiledTimestamptzLoader


def builds_nulls_last_indexes(connection: Any) -> bool:
    """Whether the database builds (and reads in order) an index on "x DESC NULLS
    LAST": PostgreSQL. SQLite rejects NULLS in CREATE INDEX (its planner reads an
    ascending index either way round with empty values last); MongoDB skips indexes
    on expressions."""
    return connection.vendor == "postgresql"


def compares_row_values(connection: Any) -> bool:
    """Whether a keyset page may seek with a row value, ``(key, id) > (v, pk)``:
    SQLite (3.15 and later) and PostgreSQL take it as one range of a (key, id) index.
    Spelt out as ``key > v OR (key = v AND id > pk)`` with an inclusive bound on the
    key, the seek starts at the first row of ``key = v`` and reads every one of them:
    for a key with few values (priority) a deep page read a quarter of the list. MongoDB
    keeps that spelling."""
    return connection.vendor in ("sqlite", "postgresql")


def unions_sorted_ranges(connection: Any) -> bool:
    """Whether a page over several projects may be read as a UNION ALL of one sliced,
    ordered index range per project (``tasks.pagination._page_rows``): SQLite and
    PostgreSQL. MongoDB sorts the rows of all of them, as before."""
    return connection.vendor in ("sqlite", "postgresql")


def checks_scope_after_ranges(connection: Any) -> bool:
    """Whether a merged page checks the conditions on its split column (the reader's
    projects) once, on the rows its ranges picked, rather than in every range
    (``tasks.pagination._split_column_conditions``): PostgreSQL, which planned the
    membership subquery of each range as a semi-join of its own. SQLite's planner,
    given those conditions on the outer query, walks the project index for the picked
    rows instead of finding them by primary key (reading every row of the projects),
    and compiles the ranges' checks cheaply: they stay there."""
    return connection.vendor == "postgresql"


def reads_ranges_as_table(connection: Any) -> bool:
    """Whether a merged page reads its picked rows straight from its ranges, the
    compound as the outer query's table (``tasks.pagination._RangesTable``), each range
    selecting the columns the page reads: PostgreSQL. Read as ``id IN (ranges)``, it
    de-duplicated the picked ids in a hash and found each row again by primary key:
    ~0.25 ms more per statement for six ranges, a fifth of its time (docs/performance.md,
    "Round 25 (issue 15)"). SQLite keeps ``id IN``: its plans are pinned by the plan
    test (``tests/perf/test_order_plans.py``) and its merged pages meet the target."""
    return connection.vendor == "postgresql"


def writes_one_at_a_time(connection: Any) -> bool:
    """Whether a write transaction holds the whole database (SQLite; with
    ``transaction_mode`` IMMEDIATE from its BEGIN), so several rows may be updated in one
    statement. PostgreSQL locks rows in the order a statement reaches them, not in key
    order: two such statements of concurrent writers could deadlock, so they update one
    row at a time in key order (``tasks.counters.apply``); MongoDB keeps that too."""
    return connection.vendor == "sqlite"


def change_stamp(connection: Any) -> tuple[Any, int, int] | None:
    """A value that stays the same only while nothing in the database can have changed,
    as this connection sees it (``taskflow.request_memo``); None where it cannot tell.

    SQLite only: ``PRAGMA data_version`` changes when any other connection (of this
    process or another) has committed, and the connection's ``total_changes`` when it
    wrote itself (a write later rolled back counts too). The connection object is part
    of the stamp: a new connection starts a new count. This pragma reads no table, and it
    goes to the driver directly so that it is not counted as one of the request's
    queries. None on any driver error (a broken connection: Django's health check
    replaces it at the next query), and on PostgreSQL and MongoDB."""
    if connection.vendor != "sqlite":
        return None
    from django.db import DatabaseError  # not at import: settings import this module

    try:
        # Opened here if this request has not yet: the read that follows would.
        connection.ensure_connection()
        raw = connection.connection
        (version,) = raw.execute("PRAGMA data_version").fetchone()
        return (raw, version, raw.total_changes)
    except (sqlite3.Error, DatabaseError):
        return None


def installed_apps(apps: list[str], *, mongo: bool) -> list[str]:
    if not mongo:
        return apps
    return [_CONTRIB_APPS.get(app, app) for app in apps]


def default_auto_field(*, mongo: bool) -> str:
    return MONGO_AUTO_FIELD if mongo else SQL_AUTO_FIELD


def migration_modules(*, mongo: bool) -> dict[str, str]:
    if not mongo:
        return {}
    return {
        "admin": "taskflow.mongo_migrations.admin",
        "auth": "taskflow.mongo_migrations.auth",
        "contenttypes": "taskflow.mongo_migrations.contenttypes",
        # django-allauth's models have AutoField ids too (ALLAUTH_DEFAULT_AUTO_FIELD).
        "account": "taskflow.mongo_migrations.account",
        "mfa": "taskflow.mongo_migrations.mfa",
    }
