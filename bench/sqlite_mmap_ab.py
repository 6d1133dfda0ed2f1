"""SQLite with and without memory-mapped reads (``PRAGMA mmap_size``), in one process:
the search benchmark's users (1,000 and 100,000 tasks in one database of 111,000), each
request sent twice, once with the connection's mmap off and once with it on, the order
alternating, through the full stack (test Client, JWT).

Cases: every search case of ``bench search`` by relevance and by date, and the first
page of each list order. Prints a Markdown table of p50 wall and CPU milliseconds
(in-process: the CPU includes SQLite's) and the ratio on/off.

Run: ``python -m bench.sqlite_mmap_ab`` (seeds for ~1.5 minutes, then ~3 minutes)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any

from bench import search
from bench.harness import arm_order, stack

ARMS = {"off": 0, "on": 128 * 1024 * 1024}
LIST_ORDERS = ("-created_at", "-updated_at", "due_date", "-due_date", "priority", "title")

# The seed of the arms' order in each round (bench.harness.arm_order).
SEED = 21


def _cases(users: dict[int, Any], sizes: list[int]) -> list[tuple[str, int, Any, str]]:
    cases = []
    for size in sizes:
        client = search.api_client(users[size])
        for case in search.CASES:
            for order in search.ORDERS:
                path = search.search_path(search.query(case, size, sizes), order)
                cases.append((f"search {case}, by {order}", size, client, path))
        for key in LIST_ORDERS:
            cases.append((f"list `{key}`", size, client, f"/api/tasks/?ordering={key}"))
    return cases


def _wrappers() -> dict[str, Any]:
    """One connection per arm, each kept open with its own setting (changing the pragma
    on one connection between requests would unmap and map the file again each time)."""
    from django.db import connections

    made = {}
    for arm, size in ARMS.items():
        wrapper = connections.create_connection("default")
        wrapper.ensure_connection()
        wrapper.connection.execute(f"PRAGMA mmap_size={int(size)}")
        made[arm] = wrapper
    return made


def _use(wrapper: Any) -> None:
    from django.db import connections

    connections["default"] = wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    sizes = [1_000, 100_000]
    samples: dict[tuple[str, int, str], list[tuple[float, float]]] = {}
    with stack(db="sqlite", use_redis=False):
        users, seeded = search.seed(sizes)
        cases = _cases(users, sizes)
        wrappers = _wrappers()
        for _, _, client, path in cases:  # warm up, and every answer must be a 200
            for wrapper in wrappers.values():
                _use(wrapper)
                if client.get(path).status_code != 200:
                    raise RuntimeError(path)
        load_before = os.getloadavg()
        started = time.monotonic()
        rng = random.Random(SEED)  # drawn arm orders, replayable
        for _ in range(args.rounds):
            for name, size, client, path in cases:
                for arm in arm_order(("off", "on"), rng):
                    _use(wrappers[arm])
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    wall = (time.perf_counter() - wall) * 1000
                    cpu = (time.process_time() - cpu) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code}")
                    samples.setdefault((name, size, arm), []).append((wall, cpu))
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
    print(
        f"SQLite, 111,000 tasks (seeded in {seeded:.0f} s); p50 of {args.rounds} rounds in "
        f"{elapsed:.0f} s; load average {load_before[0]:.2f} before, {load_after[0]:.2f} "
        f"after. mmap off: `PRAGMA mmap_size=0`; on: {ARMS['on']:,} bytes.\n"
    )
    print("| request | tasks | off: wall / CPU ms | on: wall / CPU ms | wall on/off |")
    print("|---|---|---|---|---|")
    for name, size, _, _ in cases:
        (ow, oc), (nw, nc) = (
            (
                statistics.median(v[0] for v in samples[name, size, arm]),
                statistics.median(v[1] for v in samples[name, size, arm]),
            )
            for arm in ("off", "on")
        )
        print(f"| {name} | {size:,} | {ow:.1f} / {oc:.1f} | {nw:.1f} / {nc:.1f} | {nw / ow:.2f} |")


if __name__ == "__main__":
    main()
