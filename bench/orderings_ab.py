"""Orderings before and after, in one process: the list page read the old way (an OR
bound after a cursor, one sorted query over all projects) and the new way (a row-value
seek, a range per project merged), interleaved request by request through the full
stack (test Client, JWT), on bench orderings' users (``--pg-data`` reuses its cluster).

Run: ``python -m bench.orderings_ab --db postgres`` (or ``--db sqlite``, which seeds
its 202,000 tasks first, ~5 minutes). Prints a Markdown table of p50 wall and client
CPU milliseconds (on SQLite the CPU includes the database's, in-process)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench import orderings as ob
from bench.harness import arm_order, stack

USERS = ("inbox 100000", "5 projects 100000", "inbox 1000", "5 projects 1000")
KEYS = ("priority", "-priority", "due_date", "-due_date", "-created_at", "title")
PAGES = (("first", None), ("deep 90%", 0.9), ("mid 50%", 0.5))

# The seed of the arms' order in each round (bench.harness.arm_order).
SEED = 21


def _cases(users: dict[str, Any]) -> list[tuple[str, str, str, Any, str]]:
    from tasks import pagination
    from tasks.permissions import in_member_projects, member_project_id_list, visible_tasks

    cases = []
    for name in USERS:
        user, client = users[name], ob.api_client(users[name])
        scope = in_member_projects(visible_tasks(user), member_project_id_list(user))
        for key in KEYS:
            listed = pagination.page_queryset(scope, key)
            count = listed.count()
            for page, depth in PAGES:
                if name.startswith("inbox") and depth is None:
                    continue  # one project: the first page did not change
                row = listed[int(count * depth)] if depth else None
                cursor = pagination.cursor_for(key, row) if row else None
                cases.append((name, key, page, client, ob.list_path(key, cursor)))
    return cases


def _before() -> list[Any]:
    from tasks import pagination

    return [
        mock.patch.object(pagination, "compares_row_values", return_value=False),
        mock.patch.object(pagination, "unions_sorted_ranges", return_value=False),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--pg-data", default="var/bench/pgdata-orderings")
    args = parser.parse_args()
    pg_data = Path(args.pg_data).resolve() if args.db == "postgres" else None
    samples: dict[tuple[str, str, str, str], list[tuple[float, float]]] = {}
    with stack(db=args.db, use_redis=False, pg_data=pg_data):
        users, _ = ob.seed_users([1_000, 100_000], [1_000, 100_000])
        cases = _cases(users)
        load_before = os.getloadavg()
        rng = random.Random(SEED)  # drawn arm orders, replayable
        for _ in range(args.rounds):
            for name, key, page, client, path in cases:
                for arm in arm_order(("before", "after"), rng):
                    patches = _before() if arm == "before" else []
                    for patch in patches:
                        patch.start()
                    try:
                        wall, cpu = time.perf_counter(), time.process_time()
                        response = client.get(path)
                        wall = (time.perf_counter() - wall) * 1000
                        cpu = (time.process_time() - cpu) * 1000
                    finally:
                        for patch in patches:
                            patch.stop()
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code}")
                    samples.setdefault((name, key, page, arm), []).append((wall, cpu))
        load_after = os.getloadavg()
    print(
        f"{args.db}: p50 of {args.rounds}; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after\n"
    )
    print(
        "| user | ordering | page | before: wall / CPU ms | after: wall / CPU ms "
        "| wall after/before |"
    )
    print("|---|---|---|---|---|---|")
    for name, key, page, _, _ in cases:
        cells = []
        for arm in ("before", "after"):
            values = samples[name, key, page, arm]
            wall = statistics.median(v[0] for v in values)
            cpu = statistics.median(v[1] for v in values)
            cells.append((wall, cpu))
        (bw, bc), (aw, ac) = cells
        print(
            f"| {name} | `{key}` | {page} | {bw:.1f} / {bc:.1f} | {aw:.1f} / {ac:.1f} "
            f"| {aw / bw:.2f} |"
        )


if __name__ == "__main__":
    main()
