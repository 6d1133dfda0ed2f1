"""A search listed in a column's order on SQLite, four ways in one process: through its
matches (the plan before round 27), as ``tasks.search_backends.walks_in_order``
chooses, always walking the order's index (within its budget, ``walk_budget``), and as
chosen without the budget (round 27). The search benchmark's database and cases
(``bench.search``: one user per size in one database of 111,000 tasks), GET
/api/tasks/?search=…&ordering=-created_at (or ``--ordering``) through the full stack
(test Client, JWT), the cells interleaved in a drawn order each round. Before each
measured request the process's estimates are dropped and one unmeasured request counts
the matches again, as the first search of a word in a minute does (its statements are
captured: whether it walked, or tried to); the p50s are of the requests after it (a
walk that ran past its budget in the first is then not tried again).
docs/performance.md, "Round 27 (issue 15)" and "Round 28 (issue 15)".

Run: ``python -m bench.search_walk_ab [--rounds 25] [--ordering -created_at]`` (seeds
for ~40 s, then ~3 minutes). Prints a Markdown table of p50 milliseconds and, per case,
the chosen way's 100,000/1,000 ratio."""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext
from typing import Any
from unittest import mock

from bench import search
from bench.harness import interleaved, stack

SIZES = [1_000, 10_000, 100_000]
CASES = ("own word", "common word", "rare word", "prefix", "accented")
# The arms: the rule's costs patched so that it never walks (reading the matches
# free), as the app has them, or always walks (walking free).
ARMS = {
    "through the matches": {"LIST_MATCH_US": 0.0, "LIST_ROW_US": 0.0},
    "chosen": {},
    "always walked": {"WALK_BUILD_US": 0.0, "WALK_ROW_US": 0.0},
    # As round 27 had it: the walk without its budget (walk_budget).
    "chosen, no budget": {"WALK_CHECK_EVERY": 0},
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
    parser.add_argument("--ordering", default="-created_at", help="a list ordering (not relevance)")
    args = parser.parse_args()
    with stack(db="sqlite", use_redis=False):
        from tasks import search_backends

        users, seeded = search.seed(SIZES)
        clients = {size: search.api_client(users[size]) for size in SIZES}
        cells = [(size, case, arm) for size in SIZES for case in CASES for arm in ARMS]
        walked: dict[tuple[int, str, str], bool] = {}

        def measure(cell: tuple[int, str, str]) -> float:
            size, case, arm = cell
            text = search.search_path(search.query(case, size, SIZES), "relevance")
            path = f"{text}&ordering={args.ordering}"
            patched = ARMS[arm]
            with mock.patch.multiple(search_backends, **patched) if patched else nullcontext():
                search_backends.forget_estimates()
                # Counts the matches again; the measured request's plan is this one's.
                walked[cell] = _walks(clients[size], path)
                return _timed(clients[size], path)

        samples, spell = interleaved(cells, measure, rounds=args.rounds, seed=SEED)
    p50 = {cell: statistics.median(values) for cell, values in samples.items()}
    print(f"{spell}; sqlite, seeded in {seeded:.0f} s, {args.rounds} rounds,")
    print(f"p50 ms by {args.ordering}")
    print()
    arms = list(ARMS)
    sizes = " / ".join(f"{size:,}" for size in SIZES)
    heads = [f"{arm}: {sizes}" for arm in arms] + ["chosen: tried a walk?", "chosen: 100,000/1,000"]
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
