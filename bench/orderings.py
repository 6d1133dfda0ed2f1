"""Every ordering at 100,000 tasks: GET /api/tasks/?ordering=… (each of the ten sort
keys) for users with 1,000, 10,000 and 100,000 tasks in their Inbox, first page and a
deep page (the cursor at ~90% of the list), on SQLite and on PostgreSQL (issue 15: p50
at 100,000 tasks within 1.5x of 1,000), with the page query's plan at the largest size.

One user per size, their tasks in their Inbox (bench.seed: priorities even, 30% of the
tasks without a due date, titles from a 40-word vocabulary); plus, for the case the
indexes cannot serve in order, a user who is a member of five projects with the same
number of tasks spread over them (1,000 and 100,000 tasks in all). The users share one
database, as users share a deployment.

Requests go through the whole Django stack in-process (test Client, JWT auth), one at a
time, round-robin over every size and case with the starting size rotating, so the
machine's background load falls on every size alike. ``--db both`` (the default) runs
SQLite then PostgreSQL, one process each (each sets Django up against its own
database)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import stack

SIZES = (1_000, 10_000, 100_000)
SPREAD_PROJECTS = 5
TARGET_RATIO = 1.5
DEPTH = 0.9
PAGES = ("first", "deep")


def orderings() -> list[str]:
    from tasks.filters import ORDERING_FIELDS

    return [key for field in ORDERING_FIELDS for key in (field, f"-{field}")]


def seed_users(sizes: list[int], spread_sizes: list[int]) -> tuple[dict[str, Any], float]:
    """Users keyed "inbox <size>" and "5 projects <size>" (reused from --pg-data)."""
    from accounts.selectors import user_by_email
    from bench.seed import make_tasks, make_users
    from projects.services import project_create

    started = time.monotonic()
    users = {}
    for size in sizes:
        prefix = f"order{size}-"
        user = user_by_email(f"{prefix}0@bench.example")
        if user is None:
            (user,) = make_users(1, prefix)
            make_tasks(user.pk, size, seed=size)
        users[f"inbox {size}"] = user
    for size in spread_sizes:
        prefix = f"spread{size}-"
        user = user_by_email(f"{prefix}0@bench.example")
        if user is None:
            (user,) = make_users(1, prefix)
            for i in range(SPREAD_PROJECTS):
                project = project_create(actor=user, name=f"Spread {i + 1}")
                make_tasks(user.pk, size // SPREAD_PROJECTS, seed=size + i, project_id=project.pk)
        users[f"{SPREAD_PROJECTS} projects {size}"] = user
    return users, time.monotonic() - started


def _deep_cursor(user: Any, ordering: str) -> str:
    """The next-link cursor of the row at DEPTH of the list in this ordering."""
    from tasks import pagination
    from tasks.permissions import in_member_projects, member_project_id_list, visible_tasks

    scope = in_member_projects(visible_tasks(user), member_project_id_list(user))
    listed = pagination.page_queryset(scope, ordering)
    row = listed[int(listed.count() * DEPTH)]
    return pagination.cursor_for(ordering, row)


def list_path(ordering: str, cursor: str | None) -> str:
    from urllib.parse import urlencode

    params = {"ordering": ordering} | ({"cursor": cursor} if cursor else {})
    return f"/api/tasks/?{urlencode(params)}"


def api_client(user: Any) -> Any:
    from django.test import Client

    from accounts.tokens import issue_tokens

    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")


def _check(client: Any, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200 or not response.json()["results"]:
        raise RuntimeError(f"{path} answered {response.status_code} with no rows")


def _plans(user: Any, cursors: dict[str, str], vendor: str) -> dict[str, str]:
    """The plan of the query each page reads, at one user's size."""
    from tasks import pagination
    from tasks.permissions import (
        in_member_projects,
        member_project_id_list,
        member_project_parts,
        visible_tasks,
    )

    # As the list views read it (tasks.filters.TaskFilter.list_query, paginate's parts).
    ids = member_project_id_list(user)
    listed, parts = in_member_projects(visible_tasks(user), ids), member_project_parts(ids)
    plans = {}
    for ordering in orderings():
        for page in PAGES:
            cursor = cursors[ordering] if page == "deep" else None
            limited = pagination.page_queryset(listed, ordering, cursor, parts=parts)[:21]
            # SQLite has no EXPLAIN ANALYZE: its plan only.
            plan = limited.explain(analyze=True) if vendor == "postgresql" else limited.explain()
            plans[f"{ordering}, {page} page"] = plan
    return plans


def _timings(targets: dict[tuple[str, str, str], tuple[Any, str]], groups: list[str], rounds: int):
    samples: dict[tuple[str, str, str], list[float]] = {key: [] for key in targets}
    keys = sorted(targets)
    for round_ in range(rounds):
        start = round_ % len(groups)
        for group in groups[start:] + groups[:start]:
            for key in keys:
                if key[0] != group:
                    continue
                client, path = targets[key]
                began = time.perf_counter()
                client.get(path)
                samples[key].append((time.perf_counter() - began) * 1000)
    return samples


def measure_one(args: argparse.Namespace) -> None:
    from django.db import connection

    sizes, spread = sorted(args.sizes), sorted(args.spread_sizes)
    pg_data = Path(args.pg_data).resolve() if args.pg_data and args.db == "postgres" else None
    with stack(db=args.db, use_redis=False, pg_data=pg_data) as st:
        users, seeded = seed_users(sizes, spread)
        if st.postgres:
            # Fresh planner statistics, as autovacuum gives a long-lived database.
            st.postgres.psql("VACUUM ANALYZE")
        from tasks.models import Task

        total = Task.objects.count()
        vendor = connection.vendor
        targets, cursors = {}, {}
        for name, user in users.items():
            client = api_client(user)
            cursors[name] = {key: _deep_cursor(user, key) for key in orderings()}
            for key in orderings():
                for page in PAGES:
                    path = list_path(key, cursors[name][key] if page == "deep" else None)
                    for _ in range(args.warmup):
                        _check(client, path)
                    targets[name, key, page] = (client, path)
        load_before = os.getloadavg()
        samples = _timings(targets, list(users), args.rounds)
        load_after = os.getloadavg()
        largest = f"inbox {max(sizes)}"
        plans = _plans(users[largest], cursors[largest], vendor)
        if spread:
            name = f"{SPREAD_PROJECTS} projects {max(spread)}"
            for key, plan in _plans(users[name], cursors[name], vendor).items():
                if key.lstrip("-").startswith(("due", "priority")):
                    plans[f"{name.split(' ', 2)[0]} projects: {key}"] = plan
        description = st.description.split(",")[0]
    p50 = {key: statistics.median(values) for key, values in samples.items()}
    raw = {
        "db": description,
        "tasks": total,
        "seed_s": seeded,
        "load": [load_before, load_after],
        "p50_ms": {"|".join(key): value for key, value in p50.items()},
        "samples_ms": {"|".join(key): value for key, value in samples.items()},
        "plans": plans,
    }
    text = render(
        args, description, sizes, spread, p50, plans, total, seeded, load_before, load_after
    )
    report.publish(f"orderings-{args.db}", text, raw, write=args.write)


def _row(p50, name_of, sizes, key, page, misses, label) -> list[str]:
    cells = [f"{p50[name_of(size), key, page]:.1f}" for size in sizes]
    ratio = p50[name_of(sizes[-1]), key, page] / p50[name_of(sizes[0]), key, page]
    met = ratio <= TARGET_RATIO
    if not met:
        misses.append(f"{label}`{key}` {page}")
    return [f"{label}`{key}`", page, *cells, f"{ratio:.2f}x ({'met' if met else '**not met**'})"]


def render(args, description, sizes, spread, p50, plans, total, seeded, before, after) -> str:
    misses: list[str] = []

    def spread_name(size: int) -> str:
        return f"{SPREAD_PROJECTS} projects {size}"

    rows = [
        _row(p50, lambda s: f"inbox {s}", sizes, key, page, misses, "")
        for key in orderings()
        for page in PAGES
    ]
    spread_rows = [
        _row(p50, spread_name, spread, key, page, misses, f"{SPREAD_PROJECTS} projects: ")
        for key in orderings()
        for page in PAGES
    ]
    summary = (
        f"All {len(rows) + len(spread_rows)} cases within {TARGET_RATIO}x."
        if not misses
        else f"Over {TARGET_RATIO}x: {', '.join(misses)}."
    )
    large = sizes[-1]
    plan_text = "\n".join(f"\n`{name}`:\n\n```\n{plan}\n```" for name, plan in plans.items())
    spread_table = ""
    if spread_rows:
        spread_table = (
            f"\nOne user in {SPREAD_PROJECTS} projects (their tasks spread evenly):\n\n"
            + report.table(
                [
                    "ordering",
                    "page",
                    *[f"{s:,} tasks" for s in spread],
                    f"{spread[-1]:,}/{spread[0]:,} (≤ {TARGET_RATIO})",
                ],
                spread_rows,
            )
        )
    explain = "EXPLAIN ANALYZE" if "PostgreSQL" in description else "EXPLAIN QUERY PLAN"
    return (
        f"#### {description}\n\n"
        + report.header()
        + f"\n{total:,} tasks in the database (seeded in {seeded:.0f} s). p50 of {args.rounds} "
        "requests per cell, GET /api/tasks/?ordering=… (page of 20, JWT auth, the full "
        f"Django stack in-process), milliseconds; the deep page's cursor is the row at "
        f"{DEPTH:.0%} of the list. 1-minute load average {before[0]:.2f} before the timed "
        f"rounds, {after[0]:.2f} after.\n\n"
        + report.table(
            [
                "ordering",
                "page",
                *[f"{s:,} tasks" for s in sizes],
                f"{large:,}/{sizes[0]:,} (≤ {TARGET_RATIO})",
            ],
            rows,
        )
        + spread_table
        + f"\n{summary}\n"
        + (f"\n{args.note.strip()}\n" if args.note.strip() else "")
        + f"\nPage query plans ({explain}) at {large:,} tasks in the Inbox unless named:\n"
        + plan_text
        + "\n"
    )


def measure(args: argparse.Namespace) -> None:
    if args.db != "both":
        measure_one(args)
        return
    # One process per database: each sets Django up against its own.
    flags = ["--write"] if args.write else []
    flags += ["--sizes", *map(str, args.sizes), "--rounds", str(args.rounds)]
    flags += ["--spread-sizes", *map(str, args.spread_sizes), "--warmup", str(args.warmup)]
    flags += (["--note", args.note] if args.note else []) + (
        ["--pg-data", args.pg_data] if args.pg_data else []
    )
    for db in ("sqlite", "postgres"):
        subprocess.run([sys.executable, "-m", "bench", "orderings", "--db", db, *flags], check=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="N")
    parser.add_argument(
        "--spread-sizes",
        type=int,
        nargs="*",
        default=[SIZES[0], SIZES[-1]],
        metavar="N",
        help=f"tasks of the user in {SPREAD_PROJECTS} projects (none: skip that case)",
    )
    parser.add_argument("--rounds", type=int, default=15, help="requests per size and case")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured requests first")
    parser.add_argument("--pg-data", help="PostgreSQL: keep the seeded cluster here, reuse it")
    parser.add_argument("--note", default="", help="a sentence for the report")
    parser.set_defaults(run=measure)
