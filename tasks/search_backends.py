"""Full-text search of tasks on each backend's own index: the one module where the
backends differ for search (docs/architecture.md, "Search").

One interface for the rest of the app:

- ``words(query)``: the query as words (letters and digits only); each is searched as
  a prefix, case- and accent-insensitively, in the title and the description; a task
  matches when it has every word.
- ``narrow(queryset, query)``: ``queryset`` (already scoped by the permission layer)
  cut to the matching tasks, in SQL (one query with the page, no id list in Python on
  SQLite and PostgreSQL).
- ``with_rank(queryset, query)`` / ``ranked``: the same, annotated with ``search_rank``
  (higher is more relevant; a title hit weighs more than a description hit) when
  ``ranks_available()``.
- ``matching_ids(queryset, query)``: the ids in relevance order (id breaks ties).
- ``walks_in_order(query, ...)`` / ``walk_plan``: whether a search listed in a column's
  order should walk that order's index, testing each row against the matches (SQLite,
  where the user's projects hold the matches densely enough: ``narrow(..., walk=True)``);
  ``walk_budget`` stops a walk that runs past what reading the matches would have cost
  (``WalkTooLong``), and ``walk_abandoned`` keeps the next one from trying again.
- ``reads_matches_first(query, visible_total)``: whether a search over a user's
  projects should let the index find the matches first and check the scope on each
  (PostgreSQL, a user with many tasks and a word rare enough:
  ``permissions.visible_tasks(user, scope_indexed=False)``).
- ``install`` / ``uninstall`` (the migration), ``repair`` (after every migrate),
  ``rebuild`` and ``verify`` (``manage.py searchindex``).

Each backend's database keeps its index in step with every write by itself, so no
write can miss it: the services' writes (create, update, delete, bulk, import), and
also the ones that never reach the write path (a project or account deleted with its
tasks by cascade, the admin, data migrations, test factories).

- SQLite: an FTS5 table (``unicode61 remove_diacritics 2``, prefix indexes of 2 and 3
  characters) keyed by its own integer rowid, a map from task id to that rowid (a task's
  own rowid is not stable: VACUUM may renumber a table without an INTEGER PRIMARY KEY),
  and triggers on the task table. Ranked by ``bm25`` with the title weighing 10.
- PostgreSQL: a stored ``tsvector`` column ``tf_search_vector`` on the task table (not a
  model field: the ORM never reads or writes it), filled by a BEFORE INSERT OR UPDATE
  trigger with ``tf_task_search_vector(title, description)``, an IMMUTABLE SQL function
  (title weight A, description B, the ``simple`` configuration: no stemming, no stop
  words; accents folded by ``translate`` with the table below, so no extension is
  needed), and a GIN index on that column. Prefix queries ``'word':*``; ranked by
  ``ts_rank`` of the stored vector (computing it again for each match cost 265 ms for
  399 matches at 20,000 tasks). A trigger rather than a GENERATED column: PostgreSQL
  refuses to change the type of a column a generated column reads, so a later
  migration changing the title's length would fail.
- MongoDB: a text index on title (weight 10) and description (``default_language:
  none``; version 3 is case- and diacritic-insensitive), queried with ``$text``. A text
  index has no prefix search: on MongoDB a word matches whole words only, and the list
  keeps its requested order (no relevance order). Not run on our machines (no server):
  the GitHub Actions job with ``TEST_MONGO_URL`` runs it.
- Any other backend: the former ``icontains`` scan of title and description.

User input never reaches SQL text: the words go in as one bound parameter.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value

from tasks.models import Task

# The ordering key of a ranked list (tasks.pagination pages on (search_rank, id)).
RANK = "search_rank"
RELEVANCE = f"-{RANK}"
# MongoDB's $text answers ids, not a SQL subquery: at most this many, best first.
MONGO_MATCH_LIMIT = 5_000

_TABLE = Task._meta.db_table
_FTS = "tf_task_search"
_FTS_IDS = "tf_task_search_ids"
_PG_VECTOR = "tf_task_search_vector"
_PG_COLUMN = "tf_search_vector"
_PG_FILL = "tf_task_search_fill"
_PG_TRIGGER = "tf_task_search_bi"
_PG_INDEX = "tf_task_search_stored"
# 0009's GIN index on the expression tf_task_search_vector(title, description).
_PG_OLD_INDEX = "tf_task_search"
_MONGO_INDEX = "tf_task_search"
_TRIGGERS = ("tf_task_search_ai", "tf_task_search_au", "tf_task_search_ad")

_WORD = re.compile(r"[^\W_]+")

# PostgreSQL: when a search over a user's projects finds its matches first. Behind the
# membership subquery the planner cannot know how many tasks the user's projects hold:
# it assumes an average project (35 rows in the data benchmark's database) and reads
# the projects' tasks through their index, testing each vector, ~0.5 us a task (53 ms
# for a project of 100,000). Through the GIN index it reads every match in the
# database, the user's or not, ~1.5 us a match (11 ms for 6,000). So: matches first
# when the user's projects hold at least MATCHES_FIRST_FROM tasks (below, reading them
# costs little: 6 ms at 10,000) and the database's matches, estimated from the column's
# statistics, are at most 1/MATCH_COST of them (docs/performance.md, "Round 12 (issue
# 15)"). The planner's own estimate cannot choose: it gives every prefix query the same
# selectivity, whether the word is in 2% of the tasks or in half of them.
MATCHES_FIRST_FROM = 20_000
MATCH_COST = 3
# A word shorter than this is a prefix of many words the statistics do not list.
_ESTIMATED_FROM_LENGTH = 3
# How long a process trusts the statistics it read (they change when the table is
# analysed, after a share of it changed).
_STATS_TTL = 300.0


@dataclass(frozen=True)
class _WordStats:
    tasks: float  # rows in the task table, as the planner counts them (reltuples)
    shares: dict[str, float]  # the most common words -> share of the tasks holding them
    floor: float  # the least share a listed word has: an unlisted word has less


_word_stats: dict[str, tuple[float, _WordStats | None]] = {}


def _fold_table() -> tuple[str, str]:
    """Latin letters with diacritics and their bare letter ("é" → "e"), from Unicode's
    canonical decompositions (which never change, so the index and the queries agree
    across Python versions). Letters without a decomposition (ø, ł, ß) stay as they are."""
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)
        bare = len(base) > 1 and base[0].isascii() and base[0].isalpha()
        if bare and all(unicodedata.combining(mark) for mark in base[1:]):
            source.append(char)
            target.append(base[0])
    return "".join(source), "".join(target)


_FOLD_FROM, _FOLD_TO = _fold_table()
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)


def words(query: str) -> list[str]:
    """The words of ``query``: runs of letters and digits, lower-cased, accents folded,
    without repeats, in their order. Everything else (quotes, operators, ``*``) only
    separates words."""
    text = unicodedata.normalize("NFKC", query).lower().translate(_FOLD)
    return list(dict.fromkeys(_WORD.findall(text)))


def _vendor(queryset: QuerySet) -> str:
    return connections[queryset.db].vendor


def narrows_in_the_statement(queryset: QuerySet) -> bool:
    """Whether ``narrow`` only adds to the statement, reading nothing while it builds
    (everywhere but MongoDB, where it reads the matching ids first): a narrowed shape
    can then be kept (``taskflow.query_shapes.derive``)."""
    return _vendor(queryset) != "mongodb"


def walks_possible(queryset: QuerySet) -> bool:
    """Whether ``narrow(..., walk=True)`` differs from ``narrow`` on this queryset's
    database (SQLite): only there does ``walks_in_order`` ever choose it."""
    return _vendor(queryset) == "sqlite"


def ranks_available(queryset: QuerySet) -> bool:
    """Whether ``ranked`` can order this queryset's database by relevance."""
    return _vendor(queryset) in ("sqlite", "postgresql")


class _TaskSql(Func):
    """A fragment of this module's SQL around the task's own columns: ``template`` has
    ``{0}``, ``{1}``… for ``columns`` (compiled by Django, so table aliases follow the
    query), ``{vector}`` for PostgreSQL's stored vector column of the same table alias
    (no model field to compile) and ``%s`` for ``params``, which are bound, never
    formatted in."""

    def __init__(
        self, template: str, *columns: str, params: tuple[Any, ...], output_field: Any
    ) -> None:
        super().__init__(*(F(column) for column in columns), output_field=output_field)
        self.sql_template = template
        self.bound = tuple(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple]:
        parts = []
        for expression in self.get_source_expressions():
            sql, column_params = compiler.compile(expression)
            # Columns bind nothing, so ``params`` line up with the template's %s.
            assert not column_params
            parts.append(sql)
        # A compiled column reads "alias"."column" (or "column" without an alias): the
        # vector sits beside the first.
        table, dot, _ = parts[0].rpartition(".")
        vector = f"{table}{dot}{connection.ops.quote_name(_PG_COLUMN)}"
        return self.sql_template.format(*parts, vector=vector), self.bound


def _fts_match(found: list[str]) -> str:
    # FTS5 query: every word as a quoted prefix term, ANDed (words hold no quotes).
    return " ".join(f'"{word}"*' for word in found)


def _tsquery(found: list[str]) -> str:
    return " & ".join(f"'{word}':*" for word in found)


_SQLITE_MATCHES = (
    "{0} IN (SELECT i.task_id FROM tf_task_search"
    " JOIN tf_task_search_ids i ON i.doc = tf_task_search.rowid"
    " WHERE tf_task_search MATCH %s)"
)
_SQLITE_WALKED_MATCHES = f"+{_SQLITE_MATCHES}"


def _sqlite_matches(found: list[str], *, walk: bool = False) -> _TaskSql:
    # walk: the unary + keeps SQLite from reading the rows through the matches (the id
    # index); it walks the order's index instead and tests each row (walks_in_order).
    return _TaskSql(
        _SQLITE_WALKED_MATCHES if walk else _SQLITE_MATCHES,
        "pk",
        params=(_fts_match(found),),
        output_field=BooleanField(),
    )


def _sqlite_rank(found: list[str]) -> _TaskSql:
    # bm25() scans the whole match list for its word statistics each time its FTS5
    # query runs: run once per statement (a materialised CTE, looked up per row), not
    # once per row (20,000 rows took 15 s that way, 0.07 s this way).
    return _TaskSql(
        "(WITH ranks AS MATERIALIZED (SELECT i.task_id AS task_id,"
        " -bm25(tf_task_search, 10.0, 1.0) AS score FROM tf_task_search"
        " JOIN tf_task_search_ids i ON i.doc = tf_task_search.rowid"
        " WHERE tf_task_search MATCH %s) SELECT score FROM ranks WHERE ranks.task_id = {0})",
        "pk",
        params=(_fts_match(found),),
        output_field=FloatField(),
    )


def _pg_matches(found: list[str]) -> _TaskSql:
    return _TaskSql(
        "{vector} @@ to_tsquery('simple'::regconfig, %s)",
        "pk",
        params=(_tsquery(found),),
        output_field=BooleanField(),
    )


def _pg_rank(found: list[str]) -> _TaskSql:
    return _TaskSql(
        # As float8: a float4 sent as text would not come back exactly from a cursor.
        "ts_rank({vector}, to_tsquery('simple'::regconfig, %s))::float8",
        "pk",
        params=(_tsquery(found),),
        output_field=FloatField(),
    )


def _mongo_ids(queryset: QuerySet, found: list[str]) -> list[str]:
    # Each word quoted: $text ANDs quoted terms (unquoted ones would be ORed). Our ids
    # are a string field of their own (documents keep MongoDB's ObjectId in _id).
    collection = connections[queryset.db].get_collection(_TABLE)
    column = Task._meta.pk.column
    text = " ".join(f'"{word}"' for word in found)
    rows = (
        collection.find({"$text": {"$search": text}}, {column: 1, "score": {"$meta": "textScore"}})
        .sort([("score", {"$meta": "textScore"}), (column, 1)])
        .limit(MONGO_MATCH_LIMIT)
    )
    return [row[column] for row in rows]


def narrow(queryset: QuerySet, query: str, *, walk: bool = False) -> QuerySet:
    """``queryset`` cut to the tasks matching every word of ``query``; no words (only
    punctuation) match nothing. The caller passes a queryset scoped by the permission
    layer, so the index never widens what a user sees. ``walk`` (SQLite, where
    ``walks_in_order`` says so): the same rows, read in the list's order through its
    index, each tested against the matches, instead of read through the matches."""
    found = words(query)
    if not found:
        return queryset.none()
    vendor = _vendor(queryset)
    if vendor == "sqlite":
        return queryset.filter(_sqlite_matches(found, walk=walk))
    if vendor == "postgresql":
        return queryset.filter(_pg_matches(found))
    if vendor == "mongodb":
        return queryset.filter(pk__in=_mongo_ids(queryset, found))
    term = query.strip()
    return queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))


def with_rank(queryset: QuerySet, query: str) -> QuerySet:
    """``queryset`` (already ``narrow``ed by ``query``) annotated with ``search_rank``:
    higher is more relevant. Only where ``ranks_available``."""
    found = words(query)
    if not found:  # nothing matches; the rank is there for the caller's order_by
        return queryset.none().annotate(**{RANK: Value(0.0, output_field=FloatField())})
    vendor = _vendor(queryset)
    if vendor == "sqlite":
        rank = _sqlite_rank(found)
    elif vendor == "postgresql":
        rank = _pg_rank(found)
    else:
        raise NotImplementedError(f"No relevance rank on {vendor}.")
    return queryset.annotate(**{RANK: rank})


def ranked(queryset: QuerySet, query: str) -> QuerySet:
    """``narrow`` and ``with_rank`` in one."""
    return with_rank(narrow(queryset, query), query)


def matching_ids(queryset: QuerySet, query: str, limit: int | None = None) -> list[str]:
    """The ids of ``queryset``'s tasks matching ``query``, most relevant first (id
    breaks ties); on backends without ranks, in ``queryset``'s order."""
    if ranks_available(queryset):
        rows = ranked(queryset, query).order_by(RELEVANCE, "-pk")
    else:
        rows = narrow(queryset, query)
    ids = rows.values_list("pk", flat=True)
    return list(ids[:limit] if limit is not None else ids)


def _read_word_stats(connection: Any) -> _WordStats | None:
    # pg_stats keeps the vector column's most common elements (words) with the share
    # of rows holding each, as the planner's ANALYZE sampled them.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname"
            " AND s.attname = %s WHERE c.relname = %s AND n.nspname = current_schema()",
            [_PG_COLUMN, _TABLE],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] <= 0:
        return None  # never analysed: no estimate
    tasks, elems, freqs = row
    if not elems or not freqs:
        return _WordStats(tasks=tasks, shares={}, floor=0.0)
    # The shares come first; after them, the least and the greatest (zip drops them).
    shares = dict(zip(elems, freqs, strict=False))
    return _WordStats(tasks=tasks, shares=shares, floor=min(shares.values()))


def _stats(using: str) -> _WordStats | None:
    now = time.monotonic()
    cached = _word_stats.get(using)
    if cached is None or now - cached[0] > _STATS_TTL:
        cached = (now, _read_word_stats(connections[using]))
        _word_stats[using] = cached
    return cached[1]


def _estimated_matches(found: list[str], stats: _WordStats) -> float:
    """Tasks holding every word of ``found`` (each a prefix), estimated: the fewest any
    one word is in. A word's share is that of the listed words it starts; an unlisted
    word is rarer than every listed one (``floor``); a short word is assumed in all."""
    share = 1.0
    for word in found:
        if len(word) < _ESTIMATED_FROM_LENGTH:
            continue
        listed = sum(v for k, v in stats.shares.items() if k.startswith(word))
        share = min(share, min(listed, 1.0) or stats.floor)
    return share * stats.tasks


def reads_matches_first(
    query: str, visible_total: Callable[[], int], using: str = DEFAULT_DB_ALIAS
) -> bool:
    """Whether a search for ``query`` over a user's projects should find the matches
    through the index first and check the scope on each
    (``permissions.visible_tasks(user, scope_indexed=False)``). On PostgreSQL only, for
    a user whose projects hold at least ``MATCHES_FIRST_FROM`` live tasks
    (``visible_total()``, called there only: the stats counters, one indexed read) when
    the database's matches are estimated at most 1/``MATCH_COST`` of them."""
    found = words(query)
    if not found or connections[using].vendor != "postgresql":
        return False
    visible = visible_total()
    if visible < MATCHES_FIRST_FROM:
        return False
    stats = _stats(using)
    return stats is not None and _estimated_matches(found, stats) * MATCH_COST <= visible


# SQLite: when a search in a column's order walks that order's index (``walks_in_order``).
# Through the matches (the default) a page costs SQLite ~0.95 us for each match in the
# database (found in the FTS5 index, its task looked up in the user's projects) and
# ~2.4 us more for each of the user's (read and sorted), whatever the page needs.
# Walking a project's (project, key, id) index in order tests each row against the
# matches (listed once a range, ~0.5 us a match) at ~0.4 us a row, and stops after a
# page of them. Measured by ``python -m bench.search_early_stop`` and
# ``bench.search_walk_ab`` (docs/performance.md, "Round 27 (issue 15)").
LIST_MATCH_US = 0.95
LIST_ROW_US = 2.4
WALK_BUILD_US = 0.5
WALK_ROW_US = 0.4
# How long a process trusts its count of a query's matches, and of the tasks in the
# database: only the choice of plan reads them, never the rows of a page.
_MATCHES_TTL = 60.0
_MATCHES_KEPT = 256
_SQLITE_COUNT = "SELECT count(*) FROM tf_task_search WHERE tf_task_search MATCH %s"
_match_counts: dict[tuple[str, str], tuple[float, int]] = {}
_task_totals: dict[str, tuple[float, int]] = {}
# A walk's budget (walk_budget): the estimated cost of reading through the matches, in
# the costs' microseconds above (WALK_BUDGET_SHARE of it), at least WALK_MIN_US; of CPU
# time, counted from SQLite's
# first check of it. Not SQLite's steps: a step costs from ~0.015 to ~0.05 us as the
# statement tests rows or lists matches, so a budget in steps either stopped walks that
# were cheaper than the matches or let run ones that were not ("Round 28 (issue 15)").
# SQLite calls the check every WALK_CHECK_EVERY steps (~30-100 us of a walk; ~1% of its
# CPU). 0: no budget (benchmarks).
WALK_BUDGET_SHARE = 1.0
WALK_MIN_US = 1_000.0
WALK_CHECK_EVERY = 2_000
# A walk stopped by its budget (walk_abandoned): the same search by the same reader is
# read through its matches for as long as its count of matches is trusted.
_walks_abandoned: dict[tuple[str, str, Hashable], float] = {}


class WalkTooLong(Exception):
    """A walked search ran past its budget (``walk_budget``); nothing was read."""


def forget_estimates() -> None:
    """Drop this process's counts of matches and of the database's tasks, and its
    abandoned walks (tests, and benchmarks that measure a first search)."""
    _match_counts.clear()
    _task_totals.clear()
    _walks_abandoned.clear()


def _sqlite_match_count(found: list[str], using: str) -> int:
    key = (using, _fts_match(found))
    now = time.monotonic()
    cached = _match_counts.get(key)
    if cached is None or now - cached[0] > _MATCHES_TTL:
        with connections[using].cursor() as cursor:
            cursor.execute(_SQLITE_COUNT, [key[1]])
            cached = (now, cursor.fetchone()[0])
        if len(_match_counts) >= _MATCHES_KEPT:
            _match_counts.clear()
        _match_counts[key] = cached
    return cached[1]


def _tasks_in_database(database_total: Callable[[], int], using: str) -> int:
    now = time.monotonic()
    cached = _task_totals.get(using)
    if cached is None or now - cached[0] > _STATS_TTL:
        cached = (now, database_total())
        _task_totals[using] = cached
    return cached[1]


def walks_in_order(query: str, **options: Any) -> bool:
    """Whether a search for ``query`` listed in a column's order should walk the order's
    index (``narrow(..., walk=True)``) rather than read its matches first: whether
    ``walk_plan`` with the same arguments gives it a budget. SQLite only."""
    return walk_plan(query, **options) is not None


def walk_plan(
    query: str,
    *,
    sizes: Sequence[int],
    in_order: bool = True,
    page: int,
    database_total: Callable[[], int],
    using: str = DEFAULT_DB_ALIAS,
    scope: Hashable = None,
) -> float | None:
    """Where a search for ``query`` listed in a column's order should walk the order's
    index (``narrow(..., walk=True)``) rather than read its matches first: the estimated
    microseconds of reading the matches, which the walk is given as its budget
    (``walk_budget``); else None. SQLite only.

    ``sizes``: the live tasks of each range the page reads (each of the user's projects
    where the page is merged, else one: all of them; the stats counters); ``in_order``:
    whether those ranges hold the order (not so for several projects read unmerged:
    every row is then read and the matches sorted); ``page``: the rows it needs;
    ``database_total()``: the live tasks in the database, called at most once every few
    minutes; ``scope``: names the reader's ranges (their projects), for
    ``walk_abandoned``. The matches are counted in the FTS5 index (kept a minute: ~0.4
    us a match). Assuming the user holds the database's matches in the share they hold
    its tasks, a walk reads ``page`` rows of each range out of every ``total / matches``
    rows, at most all of the range; it is chosen where that costs less than reading
    every match. A word the user's projects hold far less often than the rest of the
    database's could make a walk read all of their tasks: the budget stops it.
    """
    found = words(query)
    visible = sum(sizes)
    if not found or connections[using].vendor != "sqlite" or visible <= 0:
        return None
    abandoned = _walks_abandoned.get((using, _fts_match(found), scope))
    if abandoned is not None and time.monotonic() - abandoned <= _MATCHES_TTL:
        return None
    matches = _sqlite_match_count(found, using)
    if matches == 0:
        return None
    total = max(_tasks_in_database(database_total, using), visible)
    listed = matches * LIST_MATCH_US + matches * visible / total * LIST_ROW_US
    ranges = [size for size in sizes if size > 0]
    # Unmerged over several projects (not in order) every row is read and sorted.
    walked = sum(min(size, page * total / matches) for size in ranges) if in_order else visible
    walk = len(ranges) * matches * WALK_BUILD_US + walked * WALK_ROW_US
    return listed if walk < listed else None


@contextmanager
def walk_budget(listed_us: float, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the statements of a walked page (``walk_plan``) within a budget: once they
    have taken ``listed_us`` microseconds of this thread's CPU (at least
    ``WALK_MIN_US``), SQLite stops the statement running and the block raises
    ``WalkTooLong``: read the page through the matches instead (the same rows). So a
    walk costs at most about what the other plan was estimated to cost, however the
    user's projects hold the matches. A read has nothing to undo; the connection stays
    usable."""
    connection = connections[using]
    if connection.vendor != "sqlite" or WALK_CHECK_EVERY <= 0:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    budget = max(WALK_MIN_US, listed_us * WALK_BUDGET_SHARE) / 1e6
    deadline: float | None = None
    stopped = False

    def check() -> bool:
        nonlocal deadline, stopped
        now = time.thread_time()
        if deadline is None:
            deadline = now + budget
            return False
        if now <= deadline or stopped:
            return False
        # True once: SQLite interrupts this statement. Any that follows in the block
        # runs (Django's debug cursor reads the failed one's parameters back).
        stopped = True
        return True

    raw.set_progress_handler(check, WALK_CHECK_EVERY)
    try:
        yield
    except (OperationalError, sqlite3.OperationalError):
        if stopped:
            raise WalkTooLong from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


def walk_abandoned(query: str, *, scope: Hashable = None, using: str = DEFAULT_DB_ALIAS) -> None:
    """A walk of ``query`` over ``scope`` ran past its budget: ``walk_plan`` reads its
    matches first for as long as it trusts its count of them."""
    if len(_walks_abandoned) >= _MATCHES_KEPT:
        _walks_abandoned.clear()
    _walks_abandoned[(using, _fts_match(words(query)), scope)] = time.monotonic()


# --- Index management (the migration, post_migrate, manage.py searchindex) -------------


def _sqlite_schema() -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS tf_task_search_ids "
        "(doc INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS tf_task_search USING fts5(title, description,"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    ]


# Trigger bodies: forget the entry of the old (or new) row; index the new row.
_FORGET_OLD = (
    "DELETE FROM tf_task_search WHERE rowid ="
    " (SELECT doc FROM tf_task_search_ids WHERE task_id = old.id);"
    " DELETE FROM tf_task_search_ids WHERE task_id = old.id;"
)
_FORGET_NEW = _FORGET_OLD.replace("old.id", "new.id")
_INDEX_NEW = (
    " INSERT INTO tf_task_search_ids(task_id) VALUES (new.id);"
    " INSERT INTO tf_task_search(rowid, title, description) VALUES"
    " ((SELECT doc FROM tf_task_search_ids WHERE task_id = new.id),"
    " new.title, new.description);"
)


def _sqlite_triggers() -> list[str]:
    # An insert first forgets any entry under the same id (one left by a delete made
    # while the triggers were missing), so it can never fail on the unique task_id.
    add, drop = _FORGET_NEW + _INDEX_NEW, _FORGET_OLD
    insert, update, delete = _TRIGGERS
    return [
        f"CREATE TRIGGER IF NOT EXISTS {insert} AFTER INSERT ON tasks_task BEGIN {add} END",
        # Only when the text changed: every task update writes the title column.
        f"CREATE TRIGGER IF NOT EXISTS {update} AFTER UPDATE OF id, title, description"
        " ON tasks_task WHEN old.id IS NOT new.id OR old.title IS NOT new.title"
        f" OR old.description IS NOT new.description BEGIN {drop} {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {delete} AFTER DELETE ON tasks_task BEGIN {drop} END",
    ]


def _sqlite_fill() -> list[str]:
    return [
        "DELETE FROM tf_task_search",
        "DELETE FROM tf_task_search_ids",
        "INSERT INTO tf_task_search_ids(task_id) SELECT id FROM tasks_task ORDER BY id",
        "INSERT INTO tf_task_search(rowid, title, description) SELECT i.doc, t.title, t.description"
        " FROM tasks_task t JOIN tf_task_search_ids i ON i.task_id = t.id",
        "INSERT INTO tf_task_search(tf_task_search) VALUES ('optimize')",
    ]


def _pg_function() -> str:
    # IMMUTABLE (the index needs it): only built-ins with constant arguments. Each
    # column is folded by translate(), and every ASCII character that is not a letter
    # or digit becomes a space, as ``words()`` splits a query, before the simple
    # configuration's parser reads it. Without that the parser kept "example.com",
    # "v1.2" or "pg-1e52abcd-17" as tokens of their own, and the query's words (parsed
    # alone: "1e52abcd" reads as "1e52" then "abcd") never matched them: a cluster test
    # searching a random hex prefix failed.
    fold_from, fold_to = _FOLD_FROM.replace("'", "''"), _FOLD_TO.replace("'", "''")

    def cleaned(arg: str) -> str:
        folded = f"translate(coalesce({arg}, ''), '{fold_from}', '{fold_to}')"
        return rf"regexp_replace({folded}, '[^[:alnum:]\u0080-\U0010FFFF]+', ' ', 'g')"

    return (
        "CREATE OR REPLACE FUNCTION tf_task_search_vector(title text, description text)"
        " RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT"
        f" setweight(to_tsvector('simple'::regconfig, {cleaned('$1')}), 'A') ||"
        f" setweight(to_tsvector('simple'::regconfig, {cleaned('$2')}), 'B') $$"
    )


def _pg_schema() -> list[str]:
    # The column is filled before the trigger exists and before its index (one pass
    # over the table, each row written once); the migration holds the table's lock, so
    # no write comes in between. The trigger recomputes the vector on every write of a
    # row, not only when the text changed: nothing written behind its back can survive
    # (an UPDATE setting the column itself), and an unchanged vector is the same bytes
    # (a HOT update stays possible). No column list on the trigger: PostgreSQL then
    # refuses to change the type of a listed column.
    return [
        "SET CONSTRAINTS ALL IMMEDIATE",
        _pg_function(),
        f"ALTER TABLE {_TABLE} ADD COLUMN IF NOT EXISTS {_PG_COLUMN} tsvector",
        "UPDATE tasks_task SET tf_search_vector = tf_task_search_vector(title, description)"
        " WHERE tf_search_vector IS DISTINCT FROM tf_task_search_vector(title, description)",
        f"CREATE OR REPLACE FUNCTION {_PG_FILL}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN NEW.{_PG_COLUMN} := {_PG_VECTOR}(NEW.title, NEW.description);"
        " RETURN NEW; END $$",
        f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON {_TABLE}",
        f"CREATE TRIGGER {_PG_TRIGGER} BEFORE INSERT OR UPDATE ON {_TABLE}"
        f" FOR EACH ROW EXECUTE FUNCTION {_PG_FILL}()",
        f"CREATE INDEX IF NOT EXISTS {_PG_INDEX} ON {_TABLE} USING gin ({_PG_COLUMN})",
        # The expression index of 0009 is replaced by the stored column's.
        f"DROP INDEX IF EXISTS {_PG_OLD_INDEX}",
    ]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _sqlite_installed(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [_FTS])
        return cursor.fetchone() is not None


def install(connection: Any) -> None:
    """Create this backend's index and fill it from the existing tasks (the migration;
    safe to repeat)."""
    if connection.vendor == "sqlite":
        _run(connection, [*_sqlite_schema(), *_sqlite_triggers(), *_sqlite_fill()])
    elif connection.vendor == "postgresql":
        # Deferred foreign key checks of rows written earlier in the same transaction
        # (a test, a data migration) would block the DDL: check them now.
        _run(connection, _pg_schema())
    elif connection.vendor == "mongodb":
        connection.get_collection(_TABLE).create_index(
            [("title", "text"), ("description", "text")],
            name=_MONGO_INDEX,
            weights={"title": 10, "description": 1},
            default_language="none",
        )


def upgrade(connection: Any) -> None:
    """Bring an index built by an earlier version up to this one (the migration
    0013_search_stored_vector): on PostgreSQL the stored vector column and its GIN
    index replace 0009's expression index; the other backends' index is unchanged."""
    if connection.vendor == "postgresql":
        install(connection)


def uninstall(connection: Any) -> None:
    """Remove what ``install`` created (the migration's reverse)."""
    if connection.vendor == "sqlite":
        drops = [f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS]
        _run(
            connection,
            [
                *drops,
                "DROP TABLE IF EXISTS tf_task_search",
                "DROP TABLE IF EXISTS tf_task_search_ids",
            ],
        )
    elif connection.vendor == "postgresql":
        _run(
            connection,
            [
                "SET CONSTRAINTS ALL IMMEDIATE",
                f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON {_TABLE}",
                f"DROP FUNCTION IF EXISTS {_PG_FILL}()",
                f"DROP INDEX IF EXISTS {_PG_INDEX}",
                f"DROP INDEX IF EXISTS {_PG_OLD_INDEX}",
                f"ALTER TABLE {_TABLE} DROP COLUMN IF EXISTS {_PG_COLUMN}",
                f"DROP FUNCTION IF EXISTS {_PG_VECTOR}(text, text)",
            ],
        )
    elif connection.vendor == "mongodb":
        collection = connection.get_collection(_TABLE)
        if _MONGO_INDEX in collection.index_information():
            collection.drop_index(_MONGO_INDEX)


def repair(connection: Any) -> None:
    """Put back SQLite's triggers where a migration dropped them, and rebuild the index
    then (whatever was written without them is unknown). SQLite's schema editor rebuilds
    a table for most column changes (new table, copy, drop, rename) and the triggers go
    with the old table. Runs after every migrate; nothing to do on other backends."""
    if connection.vendor != "sqlite" or not _sqlite_installed(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
            " AND name IN (%s, %s, %s)",
            [_TABLE, *_TRIGGERS],
        )
        complete = cursor.fetchone()[0] == len(_TRIGGERS)
    if not complete:
        rebuild(connection)


def rebuild(connection: Any) -> None:
    """Build the index again from the tasks (``manage.py searchindex --rebuild``)."""
    if connection.vendor == "sqlite":
        # One transaction: a search meanwhile sees the old index or the new one.
        with transaction.atomic(using=connection.alias):
            _run(connection, [*_sqlite_schema(), *_sqlite_triggers(), *_sqlite_fill()])
    elif connection.vendor == "postgresql":
        # DDL is transactional here: a search meanwhile waits, then sees the new index.
        with transaction.atomic(using=connection.alias):
            uninstall(connection)
            install(connection)
    elif connection.vendor == "mongodb":
        uninstall(connection)
        install(connection)


def _count(connection: Any, sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def verify(connection: Any) -> list[str]:
    """What is wrong with the index (empty: it is in step with the tasks)."""
    if connection.vendor == "sqlite":
        return _verify_sqlite(connection)
    if connection.vendor == "postgresql":
        return _verify_pg(connection)
    if connection.vendor == "mongodb":
        indexes = connection.get_collection(_TABLE).index_information()
        return [] if _MONGO_INDEX in indexes else [f"The text index {_MONGO_INDEX} is missing."]
    return []


def _verify_sqlite(connection: Any) -> list[str]:
    if not _sqlite_installed(connection):
        return ["The FTS5 table tf_task_search is missing (run migrate)."]
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [_TABLE]
        )
        present = {row[0] for row in cursor.fetchall()}
    problems += [f"Trigger {name} is missing." for name in _TRIGGERS if name not in present]
    checks = {
        "tasks missing from the index": "SELECT count(*) FROM tasks_task t WHERE NOT EXISTS"
        " (SELECT 1 FROM tf_task_search_ids i JOIN tf_task_search f ON f.rowid = i.doc"
        " WHERE i.task_id = t.id)",
        "index entries of deleted tasks": "SELECT count(*) FROM tf_task_search_ids i"
        " WHERE NOT EXISTS"
        " (SELECT 1 FROM tasks_task t WHERE t.id = i.task_id)",
        "index rows without a task id": "SELECT count(*) FROM tf_task_search f WHERE NOT EXISTS"
        " (SELECT 1 FROM tf_task_search_ids i WHERE i.doc = f.rowid)",
        "tasks whose indexed text differs": "SELECT count(*) FROM tasks_task t"
        " JOIN tf_task_search_ids i ON i.task_id = t.id JOIN tf_task_search f ON f.rowid = i.doc"
        " WHERE f.title IS NOT t.title OR f.description IS NOT t.description",
    }
    for label, sql in checks.items():
        count = _count(connection, sql)
        if count:
            problems.append(f"{count} {label}.")
    try:
        _run(connection, ["INSERT INTO tf_task_search(tf_task_search) VALUES ('integrity-check')"])
    except Exception as exc:  # FTS5 reports a corrupt index as an error
        problems.append(f"FTS5 integrity check failed: {exc}")
    return problems


def _verify_pg(connection: Any) -> list[str]:
    # The trigger fills the column on every row write, so it can only be missing or
    # disabled (ALTER TABLE … DISABLE TRIGGER, a restore with triggers off); the index
    # can be missing or invalid (a failed CREATE INDEX CONCURRENTLY).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped",
            [_TABLE, _PG_COLUMN],
        )
        column = cursor.fetchone()
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [f"{_PG_VECTOR}(text, text)"])
        function = cursor.fetchone()[0]
        cursor.execute(
            "SELECT t.tgenabled FROM pg_trigger t WHERE t.tgrelid = %s::regclass AND t.tgname = %s",
            [_TABLE, _PG_TRIGGER],
        )
        trigger = cursor.fetchone()
        cursor.execute(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
            [_PG_INDEX],
        )
        index = cursor.fetchone()
    if column is None or column[0] != "tsvector":
        return [f"The column {_TABLE}.{_PG_COLUMN} (tsvector) is missing (run --rebuild)."]
    if not function:
        return [f"The function {_PG_VECTOR} is missing (run --rebuild)."]
    problems = []
    if trigger is None:
        problems.append(f"Trigger {_PG_TRIGGER} is missing.")
    elif trigger[0] == "D":
        problems.append(f"Trigger {_PG_TRIGGER} is disabled.")
    if index is None:
        problems.append(f"The GIN index {_PG_INDEX} is missing (run --rebuild).")
    elif not index[0]:
        problems.append(f"The GIN index {_PG_INDEX} is invalid (run --rebuild).")
    elif f"USING gin ({_PG_COLUMN})" not in index[1]:
        problems.append(f"The index {_PG_INDEX} is not a GIN index of {_PG_COLUMN}.")
    stale = _count(
        connection,
        "SELECT count(*) FROM tasks_task"
        " WHERE tf_search_vector IS DISTINCT FROM tf_task_search_vector(title, description)",
    )
    if stale:
        problems.append(f"{stale} tasks whose stored vector differs from their text.")
    return problems
