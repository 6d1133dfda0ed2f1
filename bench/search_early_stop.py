"""Could a search stop after a page of matches? An experiment, not app code: the search
benchmark's database (the 1,000- and 100,000-task users in one database of 111,000),
the page query the app sends for a search (captured from GET /api/tasks/?search=…)
timed beside variants written by hand, each statement run in turn, the order
alternating every round. docs/performance.md, "Round 10 (issue 15)".

SQLite (``--db sqlite``, the default):

- the FTS5 match alone (ids), and with ``bm25()``: what matching and ranking cost;
- by relevance: the page query, and the rank threshold (FTS5's ``ORDER BY rank``
  joined to the user's projects, stopping after a page, returning the worst rank);
- by date: the page query, and a walk of the project's (project, created_at, id)
  index with the matches as a filter (``+id IN (…)``), stopping after a page.

PostgreSQL (``--db postgres``): each search page query as the app sends it, and the
same with the user's projects named as values (``project_id IN (…)``). With
``--btree-gin``, the GIN index on the stored vector is first replaced by one on
(project_id, vector) (the ``btree_gin`` extension), to see whether the planner uses it.

Each variant's rows are checked against the page query's where they must agree. Prints
a Markdown table of p50 milliseconds.

Run: ``python -m bench.search_early_stop [--db postgres] [--rounds 31]`` (seeds for
~1.5 minutes on SQLite, ~2 on PostgreSQL, then ~1 minute)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import search
from bench.harness import arm_order, stack

SIZES = [1_000, 100_000]
CASES = ("own word", "common word", "rare word", "prefix")
# One statement: (SQL with %s placeholders, parameters).
Statement = tuple[str, tuple[Any, ...]]

# The seed of the arms' order in each round (bench.harness.arm_order).
SEED = 21


def _page_query(client: Any, path: str, marker: str) -> Statement:
    """The statement naming ``marker`` that a GET of ``path`` ran last."""
    from django.db import connection

    ran: list[Statement] = []

    def keep(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        ran.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return [statement for statement in ran if marker in statement[0]][-1]


def _fts_match(text: str) -> str:
    from tasks.search_backends import words

    return " ".join(f'"{word}"*' for word in words(text))


def _sqlite_variants(user: Any, project_id: str, text: str) -> dict[str, Statement]:
    client, match = search.api_client(user), _fts_match(text)
    return {
        "FTS5 match, ids only": (
            "SELECT rowid FROM tf_task_search WHERE tf_task_search MATCH %s",
            (match,),
        ),
        "with `bm25()`": (
            "SELECT rowid, bm25(tf_task_search, 10.0, 1.0) FROM tf_task_search"
            " WHERE tf_task_search MATCH %s",
            (match,),
        ),
        "relevance: page query": _page_query(
            client, search.search_path(text, "relevance"), "tf_task_search"
        ),
        "relevance: rank threshold": (
            "SELECT max(r) FROM (SELECT tf_task_search.rank AS r FROM tf_task_search"
            " JOIN tf_task_search_ids h ON h.doc = tf_task_search.rowid"
            " WHERE tf_task_search MATCH %s AND tf_task_search.rank MATCH 'bm25(10.0, 1.0)'"
            " AND EXISTS (SELECT 1 FROM tasks_task U WHERE U.id = h.task_id"
            " AND U.deleted_at IS NULL AND U.project_id IN"
            " (SELECT project_id FROM projects_membership WHERE user_id = %s))"
            " ORDER BY tf_task_search.rank LIMIT 21)",
            (match, user.pk),
        ),
        "date: page query": _page_query(client, search.search_path(text, "date"), "tf_task_search"),
        "date: index walk": (
            "SELECT * FROM tasks_task WHERE project_id = %s AND deleted_at IS NULL"
            " AND +id IN (SELECT i.task_id FROM tf_task_search JOIN tf_task_search_ids i"
            " ON i.doc = tf_task_search.rowid WHERE tf_task_search MATCH %s)"
            " ORDER BY created_at DESC, id DESC LIMIT 21",
            (project_id, match),
        ),
    }


def _postgres_variants(user: Any, project_ids: list[str], text: str) -> dict[str, Statement]:
    client = search.api_client(user)
    marker = ' AND "tasks_task"."project_id" IN (SELECT U0."project_id"'
    variants = {}
    for order in search.ORDERS:
        sql, params = _page_query(client, search.search_path(text, order), "tf_search_vector")
        at = sql.index(marker)
        before = sql[:at].count("%s")
        named = ", ".join(["%s"] * len(project_ids))
        variants[f"{order}: page query"] = (sql, params)
        variants[f"{order}: projects named"] = (
            f'{sql[:at]} AND "tasks_task"."project_id" IN ({named}){sql[at:]}',
            (*params[:before], *project_ids, *params[before:]),
        )
    return variants


def _rows(statement: Statement) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return [row[0] for row in cursor.fetchall()]


def _same_rows(variants: dict[str, Statement], pairs: list[tuple[str, str]]) -> None:
    for first, second in pairs:
        if _rows(variants[first]) != _rows(variants[second]):
            raise RuntimeError(f"{second} returned other rows than {first}")


def _time(statements: list[tuple[Any, Statement]], rounds: int) -> dict[Any, float]:
    """p50 milliseconds of each statement, all run in turn each round, the order
    alternating."""
    from django.db import connection

    samples: dict[Any, list[float]] = {key: [] for key, _ in statements}
    with connection.cursor() as cursor:
        for _ in range(3):  # warm the caches
            for _key, statement in statements:
                cursor.execute(*statement)
                cursor.fetchall()
        rng = random.Random(SEED)  # drawn arm orders, replayable
        for _ in range(rounds):
            for key, statement in arm_order(statements, rng):
                started = time.perf_counter()
                cursor.execute(*statement)
                cursor.fetchall()
                samples[key].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--btree-gin", action="store_true", help="PostgreSQL only; see above")
    args = parser.parse_args()
    with stack(db=args.db, use_redis=False) as st:
        from projects.models import Membership, Project

        users, seeded = search.seed(SIZES)
        if st.postgres:
            if args.btree_gin:
                st.postgres.psql(
                    "CREATE EXTENSION IF NOT EXISTS btree_gin;"
                    " CREATE INDEX tf_task_search_proj ON tasks_task"
                    " USING gin (project_id, tf_search_vector);"
                    " DROP INDEX tf_task_search_stored"
                )
            st.postgres.psql("VACUUM ANALYZE")
        variants: dict[tuple[int, str], dict[str, Statement]] = {}
        for size in SIZES:
            user = users[size]
            for case in CASES:
                text = search.query(case, size, SIZES)
                if args.db == "sqlite":
                    project_id = Project.objects.get(name=f"Search {size:,}").pk
                    found = _sqlite_variants(user, project_id, text)
                    _same_rows(found, [("date: page query", "date: index walk")])
                else:
                    projects = Membership.objects.filter(user_id=user.pk)
                    ids = list(projects.values_list("project_id", flat=True))
                    found = _postgres_variants(user, ids, text)
                    pairs = [(f"{o}: page query", f"{o}: projects named") for o in search.ORDERS]
                    _same_rows(found, pairs)
                variants[size, case] = found
        statements = [
            ((size, case, name), statement)
            for (size, case), found in variants.items()
            for name, statement in found.items()
        ]
        load = os.getloadavg()[0]
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        p50 = _time(statements, args.rounds)
        after = os.getloadavg()[0]
    names = list(next(iter(variants.values())))
    small, large = SIZES
    index = ", GIN on (project_id, vector)" if args.btree_gin else ""
    print(f"{when}, {args.db}{index}, seeded in {seeded:.0f} s, {args.rounds} rounds,")
    print(f"load average {load:.2f} before, {after:.2f} after; p50 ms, {small:,} / {large:,} tasks")
    print()
    print("| query | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for case in CASES:
        cells = [f"{p50[small, case, n]:.2f} / {p50[large, case, n]:.2f}" for n in names]
        print(f"| {case} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
