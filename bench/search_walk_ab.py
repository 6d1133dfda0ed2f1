"""A search listed by date on SQLite, three ways in one process: through its matches
(the plan before round 27), as ``tasks.search_backends.walks_in_order`` chooses, and
always walking the order's index. The search benchmark's database and cases
(``bench.search``: one user per size in one database of 111,000 tasks), GET
/api/tasks/?search=…&ordering=-created_at through the full stack (test Client, JWT),
the cells interleaved in a drawn order each round. Before each measured request the
process's count of the query's matches is dropped and one unmeasured request counts
them again, as the first search of a word in a minute does (its statements are
captured: whether it walked); the p50s are of the requests after it.
docs/performance.md, "Round 27 (issue 15)".

Run: ``python -m bench.search_walk_ab [--rounds 25]`` (seeds for ~40 s, then ~2
minutes). Prints a Markdown table of p50 milliseconds and, per case, the chosen way's
100,000/1,000 ratio."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from contextlib import nullcontext
from typing import Any
from unittest import mock

from bench import search
from bench.harness import stack

SIZES = [1_000, 10_000, 100_000]
CASES = ("own word", "common word", "rare word", "prefix", "accented")
# The arms: the rule's costs patched so that it never walks (reading the matches
# free), as the app has them, or always walks (walking free).
ARMS = {
    "through the matches": {"LIST_MATCH_US": 0.0, "LIST_ROW_US": 0.0},
    "chosen": {},
    "always walked": {"WALK_BUILD_US": 0.0, "WALK_ROW_US": 0.0},
}
WALKED = '+"tasks_task"."id" IN (SELECT i.task_id'
SEED = 27


def _walks(client: Any, path: str) -> bool:
    """One request, unmeasured: whether its page query walked an order's index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return any(WALKED in query["sql"] for query in captured.captured_queries)


def _timed(client: Any, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    with stack(db="sqlite", use_redis=False):
        from tasks import search_backends

        users, seeded = search.seed(SIZES)
        clients = {size: search.api_client(users[size]) for size in SIZES}
        cells = [(size, case, arm) for size in SIZES for case in CASES for arm in ARMS]
        samples: dict[tuple[int, str, str], list[float]] = {cell: [] for cell in cells}
        walked: dict[tuple[int, str, str], bool] = {}

        def measure(cell: tuple[int, str, str]) -> float:
            size, case, arm = cell
            path = search.search_path(search.query(case, size, SIZES), "date")
            patched = ARMS[arm]
            with mock.patch.multiple(search_backends, **patched) if patched else nullcontext():
                search_backends.forget_estimates()
                # Counts the matches again; the measured request's plan is this one's.
                walked[cell] = _walks(clients[size], path)
                return _timed(clients[size], path)

        for cell in cells:  # warm every path up
            measure(cell)
        load = os.getloadavg()[0]
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        rng = random.Random(SEED)
        for _ in range(args.rounds):
            order = cells[:]
            rng.shuffle(order)
            for cell in order:
                samples[cell].append(measure(cell))
        after = os.getloadavg()[0]
    p50 = {cell: statistics.median(values) for cell, values in samples.items()}
    print(f"{when}, sqlite, seeded in {seeded:.0f} s, {args.rounds} rounds,")
    print(f"load average {load:.2f} before, {after:.2f} after; p50 ms by date (-created_at)")
    print()
    arms = list(ARMS)
    sizes = " / ".join(f"{size:,}" for size in SIZES)
    heads = [f"{arm}: {sizes}" for arm in arms] + ["chosen: walked?", "chosen: 100,000/1,000"]
    print(f"| query | {' | '.join(heads)} |")
    print("|---" * (len(arms) + 3) + "|")
    small, large = SIZES[0], SIZES[-1]
    for case in CASES:
        cells = [" / ".join(f"{p50[size, case, arm]:.2f}" for size in SIZES) for arm in arms]
        chose = " / ".join("yes" if walked[size, case, "chosen"] else "no" for size in SIZES)
        ratio = p50[large, case, "chosen"] / p50[small, case, "chosen"]
        print(f"| {case} | {' | '.join(cells)} | {chose} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
