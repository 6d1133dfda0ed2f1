"""Querysets that depend on nothing but their key, built once per thread and handed out
as clones.

Building a queryset reads no data, but Django's ORM pays for each ``filter()`` and
``values()`` (resolving names to columns, building lookups, cloning): the permission
layer's ``visible_tasks(user)`` — the tasks of the projects where the user is a member,
a filter on the trash and a membership subquery — cost ~0.37 ms of CPU per call on our
machine, the same for every request of a user (docs/performance.md, "Round 8 (issue
15)"). So the layer asks ``reuse`` with a key naming everything the queryset depends on
(the user's id, the role), and gets ``.all()`` of the first one built: a clone, ~4 µs.

Why this is safe:

- A queryset is a description of a query, not its result: the membership subquery runs
  inside every statement, at the moment the statement runs, so a cached shape can never
  serve stale rows or stale access. The clone has its own result cache.
- Per thread: a clone shares the inner parts of its query (lookups, the subquery) with
  the cached one, as every clone does in Django, and compiling a query touches the
  reference counts of its aliases for a moment; one thread compiles one query at a
  time, so no two threads share those parts. (DRF's ``queryset = ...`` class attribute
  is the same pattern across threads, without a subquery.)
- Bounded: at most ``MAX_SHAPES`` per thread, the oldest dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import ROW_COUNT

# A shape holds ~6 KB (512 shapes of visible_task_rows: +3.0 MB of RSS), so a thread
# keeps at most ~0.8 MB, a worker of 4 threads ~3 MB: within the worker memory budget
# (docs/performance.md, "Worker memory and cold start"). A user's requests need ~3.
MAX_SHAPES = 128
# A compiled statement (``rows``) keeps its compiler too: ~10 KB for a user's
# memberships, ~23 KB for a create's placement (tracemalloc). 16 per thread is at most
# ~0.4 MB, ~1.5 MB for a worker of 4 threads; a thread serving many users in turn
# compiles again, as it did before.
MAX_COMPILED = 16


_KEY_ATTRIBUTE = "_taskflow_shape_key"


class _Shapes(threading.local):
    def __init__(self) -> None:
        self.built: OrderedDict[Hashable, QuerySet[Any]] = OrderedDict()
        # key -> (the queryset, its compiler with the SQL compiled once): ``rows``.
        self.compiled: OrderedDict[Hashable, tuple[QuerySet[Any], Any]] = OrderedDict()
        # key -> (the database alias, the UPDATE's compiler, its SQL compiled once): ``update``.
        self.updates: OrderedDict[Hashable, tuple[str, Any]] = OrderedDict()


_local = _Shapes()


def reuse(key: Hashable, build: Callable[[], QuerySet[Any]]) -> QuerySet[Any]:
    """A clone of the queryset ``build()`` returned for ``key`` on this thread (building
    it now the first time). ``key`` must name everything ``build`` reads, and ``build``
    must read no data (no query may run while it builds)."""
    built = _local.built
    shape = built.get(key)
    if shape is None:
        shape = build()
        built[key] = shape
        if len(built) > MAX_SHAPES:
            built.popitem(last=False)
    else:
        built.move_to_end(key)
    clone = shape.all()
    # Every QuerySet method returns a new object, without this: only the clone as
    # handed out carries the key (``key_of``).
    clone.__dict__[_KEY_ATTRIBUTE] = key
    return clone


def key_of(queryset: QuerySet[Any]) -> Hashable | None:
    """The key ``reuse`` handed ``queryset`` out under, while it is that clone,
    unchanged (a filter, ``values()`` or any other step returns a queryset without
    one): a key that names everything the queryset's statement depends on, for a
    caller that extends it with each step it takes (``rows``; ``tasks.pagination``)."""
    return queryset.__dict__.get(_KEY_ATTRIBUTE)


def derive(
    queryset: QuerySet[Any], step: Hashable, build: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> QuerySet[Any]:
    """``build(queryset)``: built once per thread when ``queryset`` is a shape that
    ``reuse`` handed out (under its key extended by ``step``, and handed out the same
    way), else built now. ``step`` must name everything ``build`` puts in the query
    besides ``queryset``, and ``build`` must read no data."""
    key = key_of(queryset)
    if key is None:
        return build(queryset)
    return reuse((key, step), lambda: build(queryset))


def _keep(
    kept: OrderedDict[Hashable, Any], key: Hashable, owner: Any, compiler: Any, statement: Any
) -> tuple[Any, Any]:
    """Keep ``compiler`` under ``key`` with ``owner`` (what the caller needs to run it),
    answering ``statement`` from now on (execute_sql calls as_sql); at most
    ``MAX_COMPILED`` kept, the oldest dropped first."""
    compiler.as_sql = lambda *args, **kwargs: statement
    compiler.kept_statement = statement
    kept[key] = (owner, compiler)
    if len(kept) > MAX_COMPILED:
        kept.popitem(last=False)
    return owner, compiler


def rows(
    key: Hashable,
    build: Callable[[], QuerySet[Any]],
    bind: Callable[[Sequence[Any]], Sequence[Any]] | None = None,
    prove: Callable[[tuple[str, Sequence[Any]]], None] | None = None,
) -> list[Any]:
    """The rows of the queryset ``build()`` returns for ``key``, its SQL compiled once
    per thread: ``list(build())`` without building or compiling it again.

    ``bind``: for a statement whose parameters are not all fixed by ``key`` (a page
    after a cursor: ``tasks.pagination``), this call's parameters from the kept ones;
    ``prove`` is then given the statement compiled the first time and raises if
    ``bind`` would not give the statement compiled for this call's values (nothing is
    kept, and the exception is the caller's).

    For a statement that ``key`` fixes entirely, parameters included (``build`` reads
    no data and puts nothing in the statement that ``key`` does not name): compiling
    the create's placement query (columns, their project, a subquery) cost ~0.35 ms of
    CPU, 15 times what SQLite takes to run it (docs/performance.md, "Round 15 (issue
    15)"). Each call runs the statement again and reads the rows as they are then,
    through Django's own iterable (converters, ``select_related``, annotations), the
    compiler answering the SQL it compiled the first time. On a backend that does not
    compile to SQL (MongoDB) it is ``list(build())``."""
    compiled = _local.compiled
    entry = compiled.get(key)
    if entry is None:
        queryset = build()
        if connections[queryset.db].vendor not in ("sqlite", "postgresql"):
            return list(queryset)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            statement = compiler.as_sql()
        except EmptyResultSet:  # a filter that can match nothing (pk__in=[])
            return []
        if prove is not None:
            prove(statement)
        entry = _keep(compiled, key, queryset, compiler, statement)
    else:
        compiled.move_to_end(key)
    queryset, compiler = entry
    if bind is not None:
        # This call's parameters in the kept SQL; the next call binds its own.
        sql, kept = compiler.kept_statement
        bound = (sql, tuple(bind(kept)))
        compiler.as_sql = lambda *args, **kwargs: bound
    # A clone, evaluated here and dropped: its query hands Django's iterable the
    # compiled compiler. Nothing else ever sees it, so no other query can inherit it.
    once = queryset._chain()
    once.query.get_compiler = lambda *args, **kwargs: compiler
    return list(once)


def update(key: Hashable, build: Callable[[], QuerySet[Any]], values: dict[str, Any]) -> int:
    """``build().update(**values)``, its SQL compiled once per thread: the number of
    rows it changed.

    For an UPDATE that ``key`` fixes entirely, ``values`` included (``build`` reads no
    data). A create adds 1 to the same stats counter rows as the user's last create
    (``tasks.counters``); compiling that UPDATE, an OR of a few rows' four columns, cost
    ~0.4 ms of a create's CPU (docs/performance.md, "Round 16 (issue 15)"). It runs as
    ``QuerySet.update`` runs it: Django's compiler, the connection's cursor, rolled back
    with the transaction on an error. Only an UPDATE of the model's own table filtered
    on its own columns is kept (for one that joins, Django reads the ids to change while
    it compiles, which must happen each time); anything else, and MongoDB, runs
    ``build().update(**values)``."""
    updates = _local.updates
    entry = updates.get(key)
    if entry is None:
        queryset = build()
        if connections[queryset.db].vendor not in ("sqlite", "postgresql"):
            return queryset.update(**values)
        # As QuerySet.update builds it.
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        query.clear_select_clause()
        query.get_initial_alias()
        if query.related_updates or query.order_by or query.count_active_tables() != 1:
            return queryset.update(**values)
        compiler = query.get_compiler(using=queryset.db)
        try:
            statement = compiler.as_sql()
        except EmptyResultSet:
            return 0
        if not statement[0]:
            return 0
        entry = _keep(updates, key, queryset.db, compiler, statement)
    else:
        updates.move_to_end(key)
    using, compiler = entry
    with transaction.mark_for_rollback_on_error(using=using):
        return compiler.execute_sql(ROW_COUNT) or 0


def forget_all() -> None:
    """Empty this thread's shapes (tests that count how often a shape is built)."""
    _local.built.clear()
    _local.compiled.clear()
    _local.updates.clear()
