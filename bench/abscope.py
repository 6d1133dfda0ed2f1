"""PostgreSQL's search, which index first: GET /api/tasks/?search= for the data
benchmark's users (1k, 10k and 100k tasks in a database of 300k or more: `python -m
bench data` seeds it) with the app's choice (tasks.search_backends.reads_matches_first)
and with the scope always read through the project index, interleaved, for words of
different shares of the database, each by relevance and by date (issue 15, round 12).

Requests go through the whole Django stack in-process (test Client, JWT auth). Both ways
must return the same page; the table gives the p50 of each and what the app chose."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import arm_order, stack

# `invoice` is in ~2% of the seeded titles (bench.seed.RARE_WORD), `inv` its prefix,
# `plan` in about half of the tasks (a word of the seeded vocabulary), `alpha` in none.
WORDS = ("invoice", "inv", "plan", "alpha")
ORDERS = {"relevance": "", "date": "&ordering=-created_at"}
# Far above any user's tasks: the choice never picks the search index first.
NEVER = 10**12

# The seed of the arms' order in each round (bench.harness.arm_order).
SEED = 21


def _client(user: Any) -> Any:
    from django.test import Client

    from accounts.tokens import issue_tokens

    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")


def _ids(client: Any, path: str) -> list[str]:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return [row["id"] for row in response.json()["results"]]


def measure(args: argparse.Namespace) -> None:
    pg_data = Path(args.pg_data).resolve()
    if not pg_data.exists():
        raise SystemExit(f"{pg_data}: no cluster; `python -m bench data --pg-data {pg_data}`")
    sizes = [int(s) for s in args.sizes.split(",")]
    with stack(db="postgres", use_redis=False, pg_data=pg_data, STATS_CACHE_TTL="0"):
        from accounts.models import User
        from tasks import counters, permissions, search_backends

        chosen_from = search_backends.MATCHES_FIRST_FROM
        rows, raw = [], {}
        try:
            for size in sizes:
                user = User.objects.get(email=f"size{size}-0@bench.example")
                client = _client(user)
                projects = permissions.member_project_id_list(user)
                for word in args.words:
                    chose = search_backends.reads_matches_first(
                        word, lambda projects=projects: counters.live_total(projects)
                    )
                    for order, extra in ORDERS.items():
                        path = f"/api/tasks/?search={word}{extra}"
                        search_backends.MATCHES_FIRST_FROM = NEVER
                        indexed = _ids(client, path)
                        search_backends.MATCHES_FIRST_FROM = chosen_from
                        if _ids(client, path) != indexed:
                            raise RuntimeError(f"{path}: the two ways differ for {size}")
                        samples: dict[str, list[float]] = {"A": [], "B": []}
                        rng = random.Random(SEED)  # drawn arm orders, replayable
                        for _ in range(args.rounds):
                            # Which goes first is drawn, so drift falls on both alike.
                            for name in arm_order("AB", rng):
                                search_backends.MATCHES_FIRST_FROM = (
                                    NEVER if name == "A" else chosen_from
                                )
                                began = time.perf_counter()
                                client.get(path)
                                samples[name].append((time.perf_counter() - began) * 1000)
                        search_backends.MATCHES_FIRST_FROM = chosen_from
                        a, b = (statistics.median(samples[n]) for n in "AB")
                        raw[f"{size}|{word}|{order}"] = {"chose": chose, **samples}
                        rows.append(
                            [
                                f"{size:,}",
                                f"`{word}`",
                                order,
                                f"{a:.2f}",
                                f"{b:.2f}",
                                f"{b / a:.2f}",
                                "search index" if chose else "project index",
                            ]
                        )
        finally:
            search_backends.MATCHES_FIRST_FROM = chosen_from
    text = (
        "##### PostgreSQL's search: which index first\n\n"
        + report.header()
        + f"\np50 of {args.rounds} requests each way, alternating, GET /api/tasks/?search=… "
        "(first page of 20, JWT auth, the full Django stack in-process), milliseconds. "
        "A: the scope always read through the project index; B: the app's choice "
        "(`tasks.search_backends.reads_matches_first`), which the last column names.\n\n"
        + report.table(
            ["user's tasks", "word", "order", "A ms", "B ms", "B/A", "B reads first"], rows
        )
    )
    report.publish("abscope", text, raw, write=args.write)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pg-data", default="var/bench/pgdata", help="the data benchmark's kept cluster"
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="the data benchmark's users")
    parser.add_argument("--words", nargs="+", default=list(WORDS))
    parser.add_argument("--rounds", type=int, default=9, help="requests each way per cell")
    parser.set_defaults(run=measure)
