"""Keyset (cursor) pagination over (sort field, id), plus optional page numbers.

DRF's CursorPagination pages on the first ordering field alone and falls back to
offsets for ties, which is unstable for title/priority/due_date. Here the cursor holds
the full key (value, id) of the row it points at, so every page is one indexed range
read whatever its depth, with a stable order (id breaks ties; due dates without a
value come last in either direction).

``?page=N`` switches to page numbers with a total ``count`` (one extra COUNT query);
its cost grows with the page number, so cursors are the default.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
import secrets
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, F, FloatField, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.lookups import GreaterThan, In, LessThan, Lookup
from django.db.models.sql.datastructures import BaseTable
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from taskflow import query_shapes
from taskflow.backends import (
    checks_scope_after_ranges,
    compares_row_values,
    reads_ranges_as_table,
    unions_sorted_ranges,
)
from tasks.models import Priority

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 10_000
# Our own cursors are under 400 characters (an ordering name, a 200-character title at
# most, a 26-character id); anything much longer was not written by _encode.
MAX_CURSOR_LENGTH = 1_024

_NULLABLE = {"due_date"}
# A page over more parts (projects) than this is the plain sorted query: each part is
# a subquery or more of the statement, whose planning then costs more than the sort saves.
MAX_MERGED_PARTS = 20


def _parse_moment(value: str) -> datetime | None:
    moment = parse_datetime(value)
    # Converted here so that a year-1 moment east of UTC fails as a bad cursor
    # (OverflowError) and not later in the database adapter.
    return moment.astimezone(UTC) if moment and moment.tzinfo else moment


def _parse_rank(value: str) -> float:
    """A search rank, written as text (a cursor holds no JSON numbers but integers)."""
    if not isinstance(value, str):
        raise ValueError
    rank = float(value)
    if not math.isfinite(rank):
        raise ValueError
    return rank


def _parse_priority(value: str | int) -> int:
    if int(value) not in Priority.values:  # an out-of-range integer overflows SQLite
        raise ValueError
    return int(value)


_PARSERS = {
    "created_at": _parse_moment,
    "updated_at": _parse_moment,
    "deleted_at": _parse_moment,  # the trash (tasks.trash_api), newest first
    "due_date": parse_date,
    "priority": _parse_priority,
    "title": str,
    "rank": str,  # notifications: "unread first, newest first" (notifications/models.py)
    # A search's relevance (tasks.search_backends): pages on (rank, id) like any key.
    "search_rank": _parse_rank,
}


class InvalidCursor(APIException):
    """400 {"detail", "code": "invalid_cursor"}: a cursor this list did not write."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid cursor (it must come from this list's next/previous link)."
    default_code = "invalid_cursor"


class ValuesRow:
    """A page row read with ``.values()``: its columns as attributes, as on a model
    instance (``row.title``, ``row.pk``), without building the instance. The dict
    ``.values()`` made becomes the instance's ``__dict__``, so reading a column is a
    plain attribute read (a ``dict`` subclass with ``__getattr__`` paid a failed
    lookup and a Python call for each: ~40% of serializing a row)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.__dict__ = columns

    @property
    def pk(self) -> Any:
        return self.__dict__["id"]

    def __repr__(self) -> str:
        return f"ValuesRow({self.__dict__!r})"


def _readable(queryset: QuerySet, fields: Sequence[str] | None, sort_field: str) -> QuerySet:
    """``queryset`` as the page reads it: model instances, or dicts of ``fields`` (with
    the id and the sort key) that ``_rows`` wraps as ``ValuesRow``s."""
    if fields is None:
        return queryset
    names = dict.fromkeys([*fields, "id", sort_field])
    # A queryset already read as dicts of these columns (and its annotations, such as
    # a search rank) is read as it is: ``.values()`` again would cost what it saved
    # (``tasks.selectors.visible_task_rows``).
    read = queryset._fields  # None unless .values() named the columns
    if read is None or not names.keys() <= {*read, *queryset.query.annotation_select}:
        queryset = queryset.values(*names)
    return queryset


def _rows(found: Any, fields: Sequence[str] | None) -> list[Any]:
    return list(found) if fields is None else [ValuesRow(row) for row in found]


@dataclass
class Page:
    items: list[Any]
    next_params: dict[str, str] | None
    previous_params: dict[str, str] | None
    count: int | None = None
    number: int | None = None
    num_pages: int | None = None


def _page_size(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"page_size": "Enter a whole number."}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": f"Must be between 1 and {MAX_PAGE_SIZE}."})
    return size


def _encode(ordering: str, value: Any, pk: str, forward: bool) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, float):
        value = repr(value)  # exact: the next page compares the same double
    raw = json.dumps([ordering, value, pk, 1 if forward else 0], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, ordering: str, field: str) -> tuple[Any, str, bool]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        # A cursor is a flat [ordering, value, pk, direction]: nothing nested is parsed
        # further, and json.loads' own RecursionError on deep nesting is caught below.
        if not isinstance(decoded, list) or len(decoded) != 4:
            raise ValueError
        if not all(isinstance(part, str | int | None) for part in decoded):
            raise ValueError
        key, value, pk, forward = decoded
        if key != ordering or not isinstance(pk, str) or forward not in (0, 1):
            raise ValueError
        if value is not None:
            value = _PARSERS[field](value)
            if value is None:
                raise ValueError
        elif field not in _NULLABLE:
            raise ValueError
        return value, pk, bool(forward)
    except (
        ValueError,  # also JSONDecodeError and int's 4,300-digit limit
        TypeError,
        KeyError,
        OverflowError,
        RecursionError,
        binascii.Error,
        UnicodeDecodeError,
    ):
        raise InvalidCursor() from None


class _RowAfter(TupleGreaterThan):
    """``(key, id) > (v, pk)`` as a row value on SQLite too: Django spells tuple lookups
    out as an OR there (``supports_tuple_lookups`` is off for SQLite as a whole, for
    tuples in subqueries), and no index seeks an OR. Only where
    ``taskflow.backends.compares_row_values``."""

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return GreaterThan.as_sql(self, compiler, connection)


class _RowBefore(TupleLessThan):
    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return LessThan.as_sql(self, compiler, connection)


def _beyond_ranges(
    field: str, value: Any, pk: str, *, desc: bool, forward: bool, rows: bool = False
) -> list[Q]:
    """The rows strictly after (forward) or before the cursor row in display order, as
    the index ranges they cover, in display order: one, or two for a due date (the dated
    rows and the undated ones after them; backwards, from among the undated, those and
    the dated ones), which an OR reads as one filtered scan from the list's start.
    ``rows``: the database seeks an index with a row value (``compares_row_values``)."""
    cmp = ("lt" if desc else "gt") if forward else ("gt" if desc else "lt")
    if rows and value is not None:
        # One range of the (key, id) index, starting at the cursor row itself.
        row = (_RowAfter if cmp == "gt" else _RowBefore)(Tuple(F(field), F("pk")), (value, pk))
        after = Q(row)
    else:
        # The redundant inclusive bound is what the database can seek the index with;
        # the OR alone is only a filter, and a deep page would scan every row before
        # it. It still reads every row of the cursor's key before the cursor's id.
        after = Q(**{f"{field}__{cmp}e": value}) & (
            Q(**{f"{field}__{cmp}": value}) | Q(**{field: value, f"pk__{cmp}": pk})
        )
    if field not in _NULLABLE:
        return [after]
    is_null, not_null = Q(**{f"{field}__isnull": True}), Q(**{f"{field}__isnull": False})
    if value is None:  # the cursor is among the rows without a value, which come last
        among_nulls = is_null & Q(**{f"pk__{cmp}": pk})
        return [among_nulls] if forward else [among_nulls, not_null]
    same_side = not_null & after
    return [same_side, is_null] if forward else [same_side]


def _seeks_rows(queryset: QuerySet, field: str) -> bool:
    """Whether the page after a cursor is read with a row value: a column (not an
    annotation such as a search rank, which no index holds) on a database that seeks
    an index with one."""
    names = {f.name for f in queryset.model._meta.concrete_fields}
    return field in names and compares_row_values(connections[queryset.db])


def _order(field: str, *, desc: bool, forward: bool) -> list[Any]:
    reverse = desc == forward  # reading backwards flips every direction
    if field not in _NULLABLE:
        # Plain directions on NOT NULL columns: an explicit NULLS LAST on a DESC order
        # does not match a backward scan of the (owner, field, id) index, and PostgreSQL
        # then sorts every row of the user for each page (docs/performance.md).
        return [f"-{field}" if reverse else field, "-pk" if reverse else "pk"]
    if forward:
        expr = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
    else:
        expr = F(field).asc(nulls_first=True) if desc else F(field).desc(nulls_first=True)
    return [expr, "-pk" if reverse else "pk"]


def _reads_nothing_outside(rhs: Any) -> bool:
    """A condition's right-hand side that reads no column of the query around it: a
    value, a list of values, or a subquery with no outer reference."""
    if isinstance(rhs, Query):
        return not rhs.get_external_cols()
    if isinstance(rhs, list | tuple | set | frozenset):
        return all(_reads_nothing_outside(item) for item in rhs)
    return not hasattr(rhs, "resolve_expression")


def _split_column_conditions(query: Any, column: str) -> list[Any]:
    """Take out of ``query``'s WHERE, and return, its top-level conditions on
    ``column`` of its own table alone (the permission layer's ``project_id IN (the
    user's memberships)`` and the listed project ids).

    For a list split by that column, such a condition is the same for every row of a
    range (it reads nothing but the column, which is one value per range): the range
    it rejects, it rejects whole. So it can be checked once, on the picked rows, in
    place of once per range; PostgreSQL planned the membership subquery of each of six
    ranges as a semi-join of its own (docs/performance.md, "Round 24 (issue 15)").
    A condition that reads anything else (a join, another column, an expression over
    the column, a negation or an OR) stays in the ranges."""
    where = query.where
    if where.connector != AND or where.negated:
        return []
    moved, kept = [], []
    for child in where.children:
        lhs = getattr(child, "lhs", None)
        if (
            isinstance(child, Lookup)
            and isinstance(lhs, Col)
            and lhs.alias == query.base_table
            and lhs.target.attname == column
            and _reads_nothing_outside(child.rhs)
        ):
            moved.append(child)
        else:
            kept.append(child)
    where.children = kept
    return moved


def _implied(condition: Any, values: Sequence[Any]) -> bool:
    """Whether every range, each reading rows of one of ``values``, meets ``condition``
    (one of ``_split_column_conditions``): an ``IN`` of a list that holds every value,
    as ``permissions.in_member_projects`` writes the reader's project ids (the parts
    are those ids). Any other condition is checked."""
    if not isinstance(condition, In) or not isinstance(condition.rhs, list | tuple | set):
        return False
    try:
        return set(values) <= set(condition.rhs)
    except TypeError:  # a value that cannot be hashed: check it
        return False


def _one_column(parts: Sequence[Q]) -> str | None:
    """The column every part names, when each part is that column equal to a value
    (``Q(project_id=…)``, as ``permissions.member_project_parts`` writes them)."""
    names = set()
    for part in parts:
        if part.negated or len(part.children) != 1 or not isinstance(part.children[0], tuple):
            return None
        names.add(part.children[0][0])
    if len(names) != 1:
        return None
    (name,) = names
    return None if "__" in name else name


class _Ranges(Expression):
    """``(range) UNION ALL (range) …``: one range per value, each the statement of
    ``members`` (one per piece of a cursor's ranges) compiled once with ``mark`` in
    place of the value, then repeated with each value bound in the mark's place. On
    PostgreSQL, the same SQL and parameters as Django's own ``union()`` of the ranges
    but for their table aliases; on SQLite, whose compound members take no LIMIT, each
    range is a derived table (``SELECT * FROM (range)``, as Django writes a member it
    cannot parenthesise) where Django's union needed a ``pk IN (range)`` query around
    each. Compiling the same range once per project was ~0.5 ms of CPU per range, 3 ms
    of a 6-project page (docs/performance.md, "Round 23 (issue 15)"). ``mark`` is
    random per page and bound as a parameter, so no value of the query can equal it by
    chance or by design; the SQL is Django's, compiled for this connection, with no
    text of ours beyond ``UNION ALL``, ``SELECT * FROM`` and parentheses.

    The members are not resolved against the outer query (Django would give them
    aliases of their own: a copy of each, ~0.4 ms): they refer to nothing outside
    themselves, and a name inside a subquery means its own table, not the outer one's.
    A member that did refer outside (an ``OuterRef``) fails to compile, loudly."""

    def __init__(
        self, members: list[Any], mark: str, values: list[Any], *, aliases: bool = True
    ) -> None:
        super().__init__()
        self.members = members
        self.mark = mark
        self.values = values
        self.aliases = aliases

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # Where a compound's members take no LIMIT of their own (SQLite), each is read
        # from a derived table, as Django writes a member it cannot parenthesise.
        if connection.features.supports_slicing_ordering_in_compound:
            wrap = "({})"
        else:
            wrap = "SELECT * FROM ({})"
        compiled = []
        for member in self.members:
            member_compiler = member.get_compiler(connection=connection)
            sql, params = member_compiler.as_sql(with_col_aliases=self.aliases)
            if self.mark in sql or self.mark not in params:
                raise ValueError("The mark must be bound as a parameter, never in the SQL.")
            compiled.append((wrap.format(sql), params))
        parts: list[str] = []
        bound: list[Any] = []
        for value in self.values:
            for sql, params in compiled:
                parts.append(sql)
                bound.extend(value if param == self.mark else param for param in params)
        return "({})".format(" UNION ALL ".join(parts)), bound


class _RangesTable(BaseTable):
    """The listed table of a merged page's outer query, read from the ranges:
    ``FROM ((range) UNION ALL (range) …) "tasks_task"``, each range selecting every
    column the outer query reads under its own name (``_stands_for_the_table``), so
    the outer query (its columns, its checks, ``select_related``'s joins) reads the
    picked rows as it reads the table.
    Where it read ``id IN (ranges)``, PostgreSQL de-duplicated the picked ids in a hash
    and found each row again by primary key (``reads_ranges_as_table``)."""

    def __init__(self, table_name: str, alias: str, ranges: _Ranges) -> None:
        super().__init__(table_name, alias)
        self.ranges = ranges

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.ranges)
        return f"{sql} {connection.ops.quote_name(self.table_alias)}", params

    def relabeled_clone(self, change_map: dict[str, str]) -> _RangesTable:
        alias = change_map.get(self.table_alias, self.table_alias)
        return self.__class__(self.table_name, alias, self.ranges)

    @property
    def identity(self) -> tuple[Any, ...]:
        # Never the same as the plain table: no join may take one for the other.
        return self.__class__, self.table_name, self.table_alias, id(self.ranges)


def _stands_for_the_table(
    queryset: QuerySet, field: str, column: str, reads: Sequence[str] | None
) -> bool:
    """Whether a range of ``queryset``, selecting what it selects, holds every column the
    outer query reads, each under its own name: ``reads`` (the page's ``fields``, read
    as dicts; None: model rows, every column), the sort key, the id and the split
    ``column`` its checks read. Model rows: nothing deferred (each range then selects
    every column). Rows read as dicts: each a column of the table, named as the field.
    Anything else (annotations, a column named otherwise) reads ``id IN (ranges)``."""
    query = queryset.query
    if query.annotations or query.extra or query.distinct:
        return False
    concrete = queryset.model._meta.concrete_fields
    if any(f.attname != f.column for f in concrete):
        return False
    if queryset._fields is None:
        return not query.deferred_loading[0] and query.deferred_loading[1]
    if reads is None:
        return False
    selected = set(queryset._fields)
    needed = {*reads, "id", field, column}
    return needed <= selected and selected <= {f.attname for f in concrete}


def _page_rows(
    queryset: QuerySet,
    field: str,
    cursor_row: tuple[Any, str] | None,
    *,
    desc: bool,
    forward: bool,
    parts: Sequence[Q] = (),
    limit: int = DEFAULT_PAGE_SIZE + 1,
    reads: Sequence[str] | None = None,
) -> QuerySet:
    """The ordered query of a page (slice it to ``limit``): the rows beyond
    ``cursor_row`` (value, id), if any.

    With ``parts`` (filters that split the list, one per project, each read in index
    order), or a cursor whose rows lie in two ranges (``_beyond_ranges``), each range's
    first ``limit`` rows are read from its own index and the database sorts only those:
    one statement, ``pk IN (range 1 UNION ALL range 2 ...)``, or on PostgreSQL
    ``FROM (range 1 UNION ALL range 2 ...)`` (``_RangesTable``). The plain query over
    several projects sorts every one of their rows, as no index holds the order across
    projects (docs/performance.md "Every ordering at 100,000 tasks"). ``reads``: the
    columns the page reads as dicts (``paginate``'s ``fields``); None: model rows."""
    order = _order(field, desc=desc, forward=forward)
    pieces = [Q()]
    if cursor_row is not None:
        seek = _seeks_rows(queryset, field)
        pieces = _beyond_ranges(field, *cursor_row, desc=desc, forward=forward, rows=seek)
    ranges = [part & piece for part in parts or [Q()] for piece in pieces]
    merged = len(ranges) > 1 and len(parts) <= MAX_MERGED_PARTS
    if not merged or not unions_sorted_ranges(connections[queryset.db]):
        beyond = pieces[0] if len(pieces) == 1 else pieces[0] | pieces[1]
        return queryset.filter(beyond).order_by(*order)
    # Each range is read through the whole queryset (its scope and filters), ordered
    # and sliced. PostgreSQL takes a compound of sliced members as they are. SQLite
    # takes no LIMIT on a compound's own members: there each member is a derived table
    # (``_Ranges``) or, for parts that are not one column each, ``pk IN (its sliced
    # range)``, a wrapper that on PostgreSQL cost ~2.5 ms of Django CPU and ~0.9 ms of
    # planning for 6 projects (docs/performance.md, "Round 17 (issue 15)").
    # (Ordered and narrowed to ids once: each clone of the queryset costs, per range.)
    base = queryset.model._base_manager
    column = _one_column(parts)
    # Where the outer query reads the picked rows from the ranges as its table
    # (PostgreSQL), each range selects what the queryset selects: every column of a
    # model row, or the columns read as dicts, which the outer query reads again.
    whole = (
        column is not None
        and reads_ranges_as_table(connections[queryset.db])
        and _stands_for_the_table(queryset, field, column, reads)
    )
    ranged = queryset.order_by(*order)
    if whole:
        ranged.query.select_related = False  # the outer query joins what it reads
    else:
        ranged = ranged.values("pk")
    slices = connections[queryset.db].features.supports_slicing_ordering_in_compound
    checks: list[Any] = []
    if column is not None:
        mark = secrets.token_hex(16)
        values = [part.children[0][1] for part in parts]
        # Conditions on the column alone (ranged's own WHERE, a clone) are checked once
        # on the picked rows, or kept in the ranges; none where the ranges imply them.
        taken = _split_column_conditions(ranged.query, column)
        needed = [condition for condition in taken if not _implied(condition, values)]
        if (
            checks_scope_after_ranges(connections[queryset.db])
            and ranged.query.base_table == queryset.model._meta.db_table  # the outer's alias
        ):
            checks = needed
        else:
            ranged.query.where.children.extend(needed)
        members = [ranged.filter(Q(**{column: mark}) & piece)[:limit] for piece in pieces]
        # Model rows select the table's columns under their own names (no col1… aliases).
        aliases = not whole or ranged._fields is not None
        picked = _Ranges([member.query for member in members], mark, values, aliases=aliases)
    elif slices:
        ids = [ranged.filter(where)[:limit] for where in ranges]
        picked = ids[0].union(*ids[1:], all=True)
    else:
        wrapped = base.order_by().values("pk")
        ids = [wrapped.filter(pk__in=ranged.filter(where)[:limit]) for where in ranges]
        picked = ids[0].union(*ids[1:], all=True)
    if queryset.query.annotations:
        # The whole queryset again, the conditions taken out of the ranges included.
        return queryset.filter(pk__in=picked).order_by(*order)
    # The outer query reads the picked rows (from the ranges as its table, or finding
    # them by primary key) and sorts only them. With the queryset's own filters, a
    # one-project list's ``project_id = ?`` lets SQLite walk that project's (key, id)
    # index instead, testing every row for membership. The conditions taken out of
    # the ranges are checked here, once.
    rows = base.order_by(*order)
    if whole:
        alias = rows.query.get_initial_alias()
        rows.query.alias_map[alias] = _RangesTable(queryset.model._meta.db_table, alias, picked)
    else:
        rows = rows.filter(pk__in=picked)
    for check in checks:
        rows.query.where.add(check, AND)
    rows.query.select_related = copy.deepcopy(queryset.query.select_related)  # a dict
    rows.query.deferred_loading = queryset.query.deferred_loading  # (frozenset, bool)
    return rows


class _Unbound(Exception):
    """The statement compiled with the marks, once they are bound, is not the one
    compiled for the cursor: the page is kept for this cursor alone."""


# Values no cursor holds, bound where a cursor's value and id go in a statement kept for
# every cursor of its form (``_CursorBinding``); random per process. An id is Crockford
# base32, never a "~"; the others are out of any list's range (a date from 1901 to 1955,
# a time in January 1901, a negative priority or rank), and a binding that meets one
# among the statement's other values is refused.
_MARK_ID = f"~{secrets.token_hex(12)}"
_MARKS: dict[type, Any] = {
    datetime: datetime(1901, 1, 1, tzinfo=UTC) + timedelta(microseconds=secrets.randbelow(10**12)),
    date: date(1901, 1, 1) + timedelta(days=secrets.randbelow(20_000)),
    int: -(2**30) - secrets.randbelow(2**20),  # within a 32-bit integer column
    float: -(2.0**70) - secrets.randbelow(2**20),
    str: f"~{secrets.token_hex(12)}",
}


# Statements whose marks were found where the cursor's values go (see
# ``_CursorBinding.prove``): a digest of the SQL -> the positions of its marks. Per
# process; the same SQL is compiled the same way whoever reads it (ids are parameters).
_PROVEN: dict[bytes, tuple[int, ...]] = {}
# Past it, each new statement is proven whenever a thread keeps it. An entry is ~0.1 KB
# (~0.5 KB for a merge of 20 projects after a due-date cursor): at most ~0.25 MB.
_PROVEN_MAX = 512


class _CursorBinding:
    """A page after a cursor, compiled once per thread for every cursor of its form (the
    type of its value, or none): the statement is built with marks where the cursor's
    value and id go, and each call binds its own in their place. Django adapts a value
    for the database as it compiles (a date to text on SQLite); the marks and the
    values are adapted the same way, by the field.

    ``prove`` checks a statement before it is kept. The first time a process meets its
    SQL, the page is also compiled for the call's own cursor: the same SQL, and the same
    parameters once bound, or nothing is kept (``_Unbound``). So every parameter equal
    to a mark is the cursor's (another value equal to one would be bound to the
    cursor's value, which differs from the mark, and fail the comparison). The positions
    of the marks are remembered with the SQL; the same SQL later, for any reader, must
    have its marks at those positions and nowhere else."""

    def __init__(self, queryset: QuerySet, field: str, cursor_row: tuple[Any, str]) -> None:
        value, pk = cursor_row
        connection = connections[queryset.db]
        meta = queryset.model._meta
        names = {f.name for f in meta.concrete_fields}
        kind = meta.get_field(field) if field in names else FloatField()  # a search rank
        # A type, never a value: no cursor (value, id) of the per-cursor key equals it.
        self.form = ("after", type(value))
        self.cursor_row = cursor_row
        self.marked: tuple[Any, str] = (None if value is None else _MARKS[type(value)], _MARK_ID)
        pairs = [(meta.pk, _MARK_ID, pk)]
        if value is not None:
            pairs.append((kind, self.marked[0], value))
        self.swaps = [
            (f.get_db_prep_value(mark, connection), f.get_db_prep_value(real, connection))
            for f, mark, real in pairs
        ]

    @classmethod
    def of(
        cls, queryset: QuerySet, field: str, cursor_row: tuple[Any, str] | None
    ) -> _CursorBinding | None:
        """The binding of a cursor page of ``queryset``, where one can be made: a
        database compiled to SQL (MongoDB reads each page as it is built)."""
        if cursor_row is None or connections[queryset.db].vendor not in ("sqlite", "postgresql"):
            return None
        if cursor_row[0] is not None and type(cursor_row[0]) not in _MARKS:
            return None
        return cls(queryset, field, cursor_row)

    def _swap(self, param: Any) -> Any:
        for mark, real in self.swaps:
            # The type too: 1 == 1.0 == True, and a date equals no datetime.
            if type(param) is type(mark) and param == mark:
                return real
        return param

    def __call__(self, kept: Sequence[Any]) -> list[Any]:
        """This cursor's parameters, from the ones kept with the marks."""
        return [self._swap(param) for param in kept]

    def prove(self, statement: tuple[str, Sequence[Any]], build: Callable[..., QuerySet]) -> None:
        """Raise ``_Unbound`` unless the statement compiled with the marks, once bound,
        is the one ``build(cursor_row)`` compiles."""
        if any(type(real) is type(mark) and real == mark for mark, real in self.swaps):
            raise _Unbound  # a cursor at a mark: its values could not be told apart
        sql, params = statement
        marks = tuple(i for i, param in enumerate(params) if self._swap(param) is not param)
        digest = hashlib.blake2b(sql.encode(), digest_size=16).digest()
        known = _PROVEN.get(digest)
        if known is not None:
            if known != marks:
                raise _Unbound
            return
        own = build(self.cursor_row)
        try:
            own_sql, own_params = own.query.get_compiler(using=own.db).as_sql()
        except EmptyResultSet:
            raise _Unbound from None
        if sql != own_sql or self(params) != list(own_params):
            raise _Unbound
        if len(_PROVEN) < _PROVEN_MAX:
            _PROVEN[digest] = marks


def paginate(
    queryset: QuerySet,
    params: Any,
    ordering: str,
    *,
    parts: Sequence[Q] = (),
    fields: Sequence[str] | None = None,
    shape: Hashable | None = None,
) -> Page:
    """A page of ``queryset`` in ``ordering``. ``parts``: see ``_page_rows`` (cursor
    pages only; page numbers read the plain query). ``fields``: read only these
    columns with ``.values()``, as ``ValuesRow``s (a serializer that reads attributes
    takes them as it takes model instances; building the instances was most of the
    ORM's cost of a list page).

    ``shape``: a key naming everything ``queryset``'s statement depends on, values
    included: ``query_shapes.key_of`` a queryset built from the permission layer's shape
    by ``query_shapes.derive``, as ``TaskFilter.list_query`` builds it. A cursor page
    then extends it with its own inputs (size, ordering, cursor, parts, fields) and
    compiles its statement once per thread (``taskflow.query_shapes.rows``): building
    and compiling the page query cost ~0.5 ms of CPU per list or search request, the
    same for every repeat of it (docs/performance.md, "Round 16 (issue 15)"). A page
    after a cursor is kept for every cursor of its form, its values bound per call
    (``_CursorBinding``): each next page was a new statement to build and compile."""
    size = _page_size(params.get("page_size"))
    desc = ordering.startswith("-")
    field = ordering.lstrip("-")
    if params.get("page") not in (None, ""):
        return _paginate_numbers(queryset, params, field, desc, size, fields)

    cursor = params.get("cursor")
    cursor_row = None
    forward = True
    if cursor:
        value, pk, forward = _decode(cursor, ordering, field)
        cursor_row = (value, pk)
    way = {"desc": desc, "forward": forward, "parts": parts, "limit": size + 1}

    def build(at: tuple[Any, str] | None = cursor_row) -> QuerySet:
        page = _page_rows(queryset, field, at, reads=fields, **way)
        return _readable(page[: size + 1], fields, field)

    if shape is None:
        rows = _rows(build(), fields)
    else:
        fixed = (tuple(fields) if fields is not None else None, tuple(parts))
        key = ("page", shape, ordering, size, cursor_row, forward, fixed)
        binding = _CursorBinding.of(queryset, field, cursor_row)
        if binding is None:
            found = query_shapes.rows(key, build)
        else:
            form = ("page", shape, ordering, size, binding.form, forward, fixed)
            try:
                found = query_shapes.rows(
                    form,
                    lambda: build(binding.marked),
                    bind=binding,
                    prove=lambda statement: binding.prove(statement, build),
                )
            except _Unbound:
                found = query_shapes.rows(key, build)
        rows = _rows(found, fields)
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()

    def link(row: Any, ahead: bool) -> dict[str, str]:
        return {"cursor": _encode(ordering, getattr(row, field), row.pk, ahead)}

    has_next = more if forward else bool(cursor)
    has_previous = bool(cursor) if forward else more
    return Page(
        items=rows,
        next_params=link(rows[-1], True) if rows and has_next else None,
        previous_params=link(rows[0], False) if rows and has_previous else None,
    )


def _paginate_numbers(
    queryset: QuerySet,
    params: Any,
    field: str,
    desc: bool,
    size: int,
    fields: Sequence[str] | None = None,
) -> Page:
    try:
        number = int(params.get("page"))
    except (TypeError, ValueError):
        raise ValidationError({"page": "Enter a whole number."}) from None
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise ValidationError({"page": f"Must be between 1 and {MAX_PAGE_NUMBER}."})
    count = queryset.count()
    num_pages = max(1, -(-count // size))
    if number > num_pages:
        raise NotFound("Invalid page.")
    start = (number - 1) * size
    ordered = queryset.order_by(*_order(field, desc=desc, forward=True))
    rows = _rows(_readable(ordered[start : start + size], fields, field), fields)
    return Page(
        items=rows,
        next_params={"page": str(number + 1)} if number < num_pages else None,
        previous_params={"page": str(number - 1)} if number > 1 else None,
        count=count,
        number=number,
        num_pages=num_pages,
    )


def page_url(base_url: str, params: Any, changes: dict[str, str] | None) -> str | None:
    """The list URL with the same filters and ``changes`` applied (cursor or page)."""
    if changes is None:
        return None
    query = {k: v for k, v in params.items() if k not in ("cursor", "page")}
    query.update(changes)
    return f"{base_url}?{urlencode(query)}"


# --- Public helpers for benchmarks and tools (bench/ uses these, never the _ ones) ----


def cursor_for(ordering: str, row: Any) -> str:
    """The ``next`` cursor a page ending at ``row`` would carry."""
    return _encode(ordering, getattr(row, ordering.lstrip("-")), row.pk, True)


def decode_cursor(cursor: str, ordering: str) -> tuple[Any, str, bool]:
    """(sort value, id, forward) of a cursor; ValidationError if it is not one."""
    return _decode(cursor, ordering, ordering.lstrip("-"))


def page_queryset(
    queryset: QuerySet, ordering: str, cursor: str | None = None, *, parts: Sequence[Q] = ()
) -> QuerySet:
    """The ordered (and, after a cursor, bounded) query a cursor page reads before its
    LIMIT: the same query as ``paginate``, for EXPLAIN."""
    field, desc, forward = ordering.lstrip("-"), ordering.startswith("-"), True
    cursor_row = None
    if cursor:
        value, pk, forward = decode_cursor(cursor, ordering)
        cursor_row = (value, pk)
    return _page_rows(queryset, field, cursor_row, desc=desc, forward=forward, parts=parts)


def _check_paging_params(params: Any) -> None:
    """400 for what the schema does not admit: a blank cursor, page or page_size (the
    schema says string / integer; leave a parameter out instead), or a page or
    page_size that is not a whole number."""
    from rest_framework.exceptions import ValidationError

    errors: dict[str, str] = {}
    for name in ("cursor", "page", "page_size"):
        value = params.get(name)
        if value is None:
            continue
        if not value.strip():
            errors[name] = "May not be blank; leave the parameter out instead."
        elif name != "cursor" and not value.isdigit():
            errors[name] = "Enter a whole number."
    if errors:
        raise ValidationError(errors)


def paginated_body(
    request: Any, queryset: QuerySet, ordering: str, serialize: Any
) -> dict[str, Any]:
    """The {next, previous[, count], results} body of a cursor-paged list ordered by
    ``ordering`` (a created_at key; id breaks ties): activity, comments, members,
    projects, invitations. ``serialize(items)`` renders the page's rows."""
    _check_paging_params(request.query_params)
    page = paginate(queryset, request.query_params, ordering)
    base = request.build_absolute_uri(request.path)
    body: dict[str, Any] = {
        "next": page_url(base, request.query_params, page.next_params),
        "previous": page_url(base, request.query_params, page.previous_params),
    }
    if page.count is not None:
        body["count"] = page.count
    body["results"] = serialize(page.items)
    return body
