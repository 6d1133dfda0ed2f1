"""Uncached stats against data: "mine" stats for users with 1k, 10k and 100k tasks,
read from the write path's counters (now) and counted from the tasks (before, the
recount ``taskstats --verify`` checks against), p50 in-process, plus the stats
endpoint with the cache off (full Django stack, JWT included)."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import stack

TARGET_GROWTH = 1.5
CASES = ("counted (before)", "counters (now)", "GET /api/tasks/stats/ (cache off)")


def _p50s(calls: dict[tuple[str, str], Any], repeat: int) -> dict[tuple[str, str], float]:
    """p50 wall time (ms) of each call, sampled round-robin: the load other processes
    put on a shared machine then falls on every size and case alike."""
    for call in calls.values():
        call()  # warm
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    for _ in range(repeat):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            samples[key].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def measure(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    pg_data = Path(args.pg_data).resolve() if args.pg_data else None
    db = args.db
    with stack(db=db, use_redis=False, pg_data=pg_data, STATS_CACHE_TTL="0"):
        from django.test import Client

        from accounts.tokens import issue_tokens
        from bench import seed
        from tasks import counters, permissions, selectors

        calls: dict[tuple[str, str], Any] = {}
        counts: dict[str, int] = {}
        for size in sizes:
            user, counts[str(size)] = seed.bench_user(f"stats{size}-", size)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
            counted = selectors.counted_stats(permissions.mine_tasks(user))
            if counters.mine_stats(user) != counted:
                raise RuntimeError(f"counters disagree with the recount at {size} tasks")
            calls[str(size), CASES[0]] = lambda u=user: selectors.counted_stats(
                permissions.mine_tasks(u)
            )
            calls[str(size), CASES[1]] = lambda u=user: counters.mine_stats(u)
            calls[str(size), CASES[2]] = lambda c=client: c.get("/api/tasks/stats/")
        p50 = _p50s(calls, args.repeat)
        results = {
            str(size): {"tasks": counts[str(size)], **{c: p50[str(size), c] for c in CASES}}
            for size in sizes
        }
    small, large = str(min(sizes)), str(max(sizes))
    rows = []
    for case in CASES:
        growth = results[large][case] / results[small][case]
        verdict = "met" if growth <= TARGET_GROWTH else "**not met**"
        cells = [f"{results[str(s)][case]:.2f}" for s in sizes]
        target = f" (≤ {TARGET_GROWTH}, {verdict})" if case != "counted (before)" else ""
        rows.append([case, *cells, f"{growth:.2f}x{target}"])
    text = (
        "### Uncached stats against data\n\n"
        + report.header()
        + f"\nDatabase: {db}; one user per size, all tasks in their Inbox (bench.seed); "
        f"p50 of {args.repeat} calls sampled round-robin, milliseconds. The counted "
        "stats are checked equal to the counters' before timing.\n\n"
        + report.table(["stats", *[f"{s:,} tasks" for s in sizes], f"{large}/{small}"], rows)
    )
    report.publish("stats", text, {"results": results}, write=args.write)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000,10000,100000", help="tasks of each measured user")
    parser.add_argument("--db", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pg-data", help="keep the seeded cluster here and reuse it next time")
    parser.set_defaults(run=measure)
