"""Reads by one key whose SQL Django compiles once per thread and runs again with
another key: the rows every request reads when no cache holds them (the user's row,
whether their session or token was revoked).

Why: Django compiles a queryset to SQL each time one runs. For the user's row, 18
columns, that is ~0.19 ms of CPU on our machine, three times what SQLite takes to
find the row and Django to build the instance (docs/performance.md, "Round 15
(issue 15)"). The statement is the same for every user; only the bound key differs.

Why this is safe:

- The SQL is Django's own, compiled by the queryset the ORM call would build
  (``filter(field=key)``); only the bound value changes. The key is compiled as a
  sentinel first, which must come out as exactly one parameter and nowhere in the
  text, and every later key goes through the same field preparation the lookup
  applies (``get_prep_value``, ``get_db_prep_value``).
- It runs through ``connection.cursor()``: the same transaction, the execute wrappers
  (query counts, the request log), the debug log of queries.
- Values pass the converters Django's compiler would apply (``get_converters``), with
  the current connection, and the instance is built by ``Model.from_db`` as the ORM's
  iterator builds it.
- Per thread (each thread has its own connection), keyed by the database alias, the
  model class and the field: a handful of entries.
- SQL backends only (SQLite, PostgreSQL); on any other (MongoDB) the ORM call runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

_SQL_VENDORS = frozenset({"sqlite", "postgresql"})
# Compiled in place of the key, then found among the parameters. No key holds a NUL:
# PostgreSQL cannot store one.
_SENTINEL = "\x00taskflow-statement-key\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    at: int  # where the key goes in ``params``
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, converters, expression)
    attnames: tuple[str, ...]


class _Local(threading.local):
    def __init__(self) -> None:
        self.compiled: dict[tuple[Any, ...], _Compiled] = {}


_local = _Local()


def _keyed(model: type[Model], field: str, using: str) -> QuerySet[Any]:
    return model._default_manager.db_manager(using).filter(**{field: _SENTINEL}).order_by()


def _compile(query: Any, using: str, *, rows: bool) -> _Compiled:
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    at = [i for i, param in enumerate(params) if param == _SENTINEL]
    if len(at) != 1 or _SENTINEL in sql:
        raise ValueError(f"The key must be bound exactly once: {sql!r}")
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()
    attnames: tuple[str, ...] = ()
    if rows:
        columns = [column for column, _, _ in compiler.select]
        attnames = tuple(column.target.attname for column in columns)
        concrete = tuple(f.attname for f in query.model._meta.concrete_fields)
        if attnames != concrete:
            raise ValueError(f"Expected the model's own columns {concrete}, got {attnames}")
        converters = tuple(
            (position, tuple(found), expression)
            for position, (found, expression) in compiler.get_converters(columns).items()
        )
    return _Compiled(sql, tuple(params), at[0], converters, attnames)


def _statement(model: type[Model], field: str, using: str, kind: str) -> _Compiled:
    key = (using, model, field, kind)
    compiled = _local.compiled.get(key)
    if compiled is None:
        if kind == "row":
            compiled = _compile(_keyed(model, field, using).query, using, rows=True)
        else:
            compiled = _compile(_keyed(model, field, using).query.exists(), using, rows=False)
        _local.compiled[key] = compiled
    return compiled


def _field(model: type[Model], field: str) -> Any:
    return model._meta.pk if field == "pk" else model._meta.get_field(field)


def _params(compiled: _Compiled, model: type[Model], field: str, value: Any, conn: Any) -> list:
    target = _field(model, field)
    params = list(compiled.params)
    # As the exact lookup prepares its value (Lookup.get_prep_lookup, get_db_prep_lookup).
    prepared = target.get_prep_value(value)
    params[compiled.at] = target.get_db_prep_value(prepared, conn, prepared=True)
    return params


def _first_row(
    compiled: _Compiled, model: type[Model], field: str, value: Any, conn: Any
) -> tuple[Any, ...] | None:
    with conn.cursor() as cursor:
        cursor.execute(compiled.sql, _params(compiled, model, field, value, conn))
        return cursor.fetchone()


def row(model: type[M], field: str, value: Any, *, using: str | None = None) -> M | None:
    """The instance of ``model`` whose ``field`` (the primary key or a unique field)
    equals ``value``, or None: ``filter(field=value).first()`` without compiling."""
    using = using or model._default_manager.db
    if not _field(model, field).unique:
        raise ValueError(f"{model.__name__}.{field} is not unique")
    conn = connections[using]
    if conn.vendor not in _SQL_VENDORS:
        return model._default_manager.db_manager(using).filter(**{field: value}).first()
    compiled = _statement(model, field, using, "row")
    found = _first_row(compiled, model, field, value, conn)
    if found is None:
        return None
    values = list(found)
    for position, converters, expression in compiled.converters:
        value = values[position]
        for converter in converters:
            value = converter(value, expression, conn)
        values[position] = value
    return model.from_db(using, compiled.attnames, values)


def exists(model: type[Model], field: str, value: Any, *, using: str | None = None) -> bool:
    """Whether a row of ``model`` has ``field`` equal to ``value``:
    ``filter(field=value).exists()`` without compiling."""
    using = using or model._default_manager.db
    conn = connections[using]
    if conn.vendor not in _SQL_VENDORS:
        return model._default_manager.db_manager(using).filter(**{field: value}).exists()
    compiled = _statement(model, field, using, "exists")
    return _first_row(compiled, model, field, value, conn) is not None
