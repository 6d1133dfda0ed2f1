"""Search at 100,000 tasks: GET /api/tasks/?search= for users with 1,000, 10,000 and
100,000 tasks, on SQLite and on PostgreSQL, for a common word, a rare word, a prefix and
an accented query, each by relevance and by date (issue 15: p50 at 100,000 tasks within
1.5x of 1,000), with the page query's plan at the largest size.

One user per size, owner (so a member) of a project holding all their tasks, seeded in
bulk (bench.seed: three words of a 40-word vocabulary per title, 5 to 40 per
description, "invoice" in about 2% of titles); then words are planted in each user's
tasks with ordinary UPDATEs (each backend's own index follows them as it follows any
write): "quarterly" in 1% (half in the title, half in the description), "zeppelin" in
exactly 5 titles, "Café"/"cafe" in 1%, and a word of the user's own (in no other user's
tasks: "harbour" for the smallest size, "lantern", "meadow"…) in 1% of descriptions.
The three users share one database (111,000 tasks), as users share a deployment: the
index is global, so a search also reads the other users' matches before the permission
filter drops them, and the smallest user's "quarterly" costs what the 1,110 matches
of the whole database cost; the own word is the same case without that, as if each
size had a database of its own.

Requests go through the whole Django stack in-process (test Client, JWT auth), one at a
time, round-robin over every size and case with the starting size rotating, so the
machine's background load falls on every size alike. ``--db both`` (the default) runs
SQLite then PostgreSQL, one process each (each sets Django up against its own
database)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import report
from bench.harness import stack

SIZES = (1_000, 10_000, 100_000)
TARGET_RATIO = 1.5
COMMON, RARE, RARE_HITS = "quarterly", "zeppelin", 5
# A word in 1% of one user's tasks and nobody else's (one per size, smallest first): the
# index holds no other user's matches for it, as if each size had a database of its own.
OWN = ("harbour", "lantern", "meadow", "orchard", "saddle", "thimble")
# Query text for each case; what it should find in a user's tasks.
CASES = {
    "common word": COMMON,  # 1% of the user's tasks (and of every other user's)
    "own word": "{own}",  # 1% of the user's tasks, in no other user's
    "rare word": RARE,  # 5 tasks at every size
    "prefix": "invo",  # "invoice": about 2% of the titles
    "accented": "CAFÉ",  # "Café" or "cafe": 1%
}


def query(case: str, size: int, sizes: list[int]) -> str:
    return CASES[case].format(own=OWN[sorted(sizes).index(size)])


ORDERS = {"relevance": "", "date": "&ordering=-created_at"}


def _plant(project_id: str, rng: random.Random, own: str) -> None:
    """The searched words, in chosen tasks of one project (UPDATEs: the backends'
    index triggers see them as any write)."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from tasks.models import Task

    ids = list(
        Task.objects.filter(project_id=project_id).order_by("id").values_list("id", flat=True)
    )
    share = max(2, len(ids) // 100)
    chosen = rng.sample(ids, 3 * share + RARE_HITS)
    common, accented = chosen[:share], chosen[share : 2 * share]
    mine, rare = chosen[2 * share : 3 * share], chosen[3 * share :]
    half = len(common) // 2
    tasks = Task.objects.filter
    tasks(pk__in=common[:half]).update(title=Concat(Value("Quarterly "), F("title")))
    tasks(pk__in=common[half:]).update(description=Concat(F("description"), Value(" quarterly")))
    half = len(accented) // 2
    tasks(pk__in=accented[:half]).update(title=Concat(Value("Café "), F("title")))
    tasks(pk__in=accented[half:]).update(description=Concat(F("description"), Value(" cafe")))
    tasks(pk__in=rare).update(title=Concat(Value("Zeppelin "), F("title")))
    tasks(pk__in=mine).update(description=Concat(F("description"), Value(f" {own}")))


def seed(sizes: list[int]) -> tuple[dict[int, Any], float]:
    from bench.seed import make_tasks, make_users
    from projects.services import project_create

    started = time.monotonic()
    users = {}
    for size in sizes:
        (user,) = make_users(1, f"search{size}-")
        project = project_create(actor=user, name=f"Search {size:,}")
        make_tasks(user.pk, size, seed=size, project_id=project.pk)
        _plant(project.pk, random.Random(size), query("own word", size, sizes))
        users[size] = user
    return users, time.monotonic() - started


def api_client(user: Any) -> Any:
    from django.test import Client

    from accounts.tokens import issue_tokens

    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")


def search_path(text: str, order: str) -> str:
    from urllib.parse import quote

    return f"/api/tasks/?search={quote(text)}{ORDERS[order]}"


def _check(client: Any, path: str, case: str, matches: int) -> None:
    """One unmeasured request (warming the path up) whose first page holds what the
    user's matches say it must, so a case that found nothing cannot pass unnoticed."""
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    found = len(response.json()["results"])
    if found != min(20, matches) or (case == "rare word" and matches != RARE_HITS):
        raise RuntimeError(f"{path}: {found} on the first page of {matches}")


def _matches(user: Any, size: int, sizes: list[int]) -> dict[str, tuple[int, int]]:
    """Each case's matches: (the user's, the whole database's)."""
    from tasks import search_backends
    from tasks.models import Task
    from tasks.permissions import visible_tasks

    return {
        case: (
            search_backends.narrow(visible_tasks(user), query(case, size, sizes)).count(),
            search_backends.narrow(Task.objects.all(), query(case, size, sizes)).count(),
        )
        for case in CASES
    }


def _plans(client: Any, size: int, sizes: list[int], vendor: str) -> dict[str, str]:
    """The plan of the page statement each search request sends (captured from the
    request, so the plan is the one the app runs: on PostgreSQL the scope's form
    depends on the user and the word, tasks.search_backends.reads_matches_first)."""
    from django.db import connection

    from bench.data import page_statement

    plans = {}
    for case in CASES:
        for order in ORDERS:
            sql = page_statement(client, search_path(query(case, size, sizes), order))
            with connection.cursor() as cursor:
                # SQLite has no EXPLAIN ANALYZE: its plan only.
                if vendor == "postgresql":
                    cursor.execute(f"EXPLAIN ANALYZE {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                else:
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                    plan = "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())
            plans[f"{case}, by {order}"] = plan
    return plans


def _timings(targets: dict[tuple[int, str, str], tuple[Any, str]], sizes: list[int], rounds: int):
    samples: dict[tuple[int, str, str], list[float]] = {key: [] for key in targets}
    for round_ in range(rounds):
        start = round_ % len(sizes)
        for size in sizes[start:] + sizes[:start]:
            for case in CASES:
                for order in ORDERS:
                    client, path = targets[size, case, order]
                    began = time.perf_counter()
                    client.get(path)
                    samples[size, case, order].append((time.perf_counter() - began) * 1000)
    return samples


def measure_one(args: argparse.Namespace) -> None:
    from django.db import connection

    sizes = sorted(args.sizes)
    with stack(db=args.db, use_redis=False) as st:
        users, seeded = seed(sizes)
        if st.postgres:
            # Fresh planner statistics, as autovacuum gives a long-lived database.
            st.postgres.psql("VACUUM ANALYZE")
        vendor = connection.vendor
        targets, matches = {}, {}
        for size in sizes:
            client = api_client(users[size])
            matches[size] = _matches(users[size], size, sizes)
            for case in CASES:
                for order in ORDERS:
                    path = search_path(query(case, size, sizes), order)
                    for _ in range(args.warmup):
                        _check(client, path, case, matches[size][case][0])
                    targets[size, case, order] = (client, path)
        load_before = os.getloadavg()
        samples = _timings(targets, sizes, args.rounds)
        load_after = os.getloadavg()
        plans = _plans(api_client(users[max(sizes)]), max(sizes), sizes, vendor)
        description = st.description.split(",")[0]
    p50 = {key: statistics.median(values) for key, values in samples.items()}
    raw = {
        "db": description,
        "seed_s": seeded,
        "load": [load_before, load_after],
        "p50_ms": {"|".join(map(str, key)): value for key, value in p50.items()},
        "samples_ms": {"|".join(map(str, key)): value for key, value in samples.items()},
        "matches": {str(size): found for size, found in matches.items()},
        "plans": plans,
    }
    text = render(args, description, sizes, p50, matches, plans, seeded, load_before, load_after)
    report.publish(f"search-{args.db}", text, raw, write=args.write)


def render(args, description, sizes, p50, matches, plans, seeded, load_before, load_after) -> str:
    small, large = sizes[0], sizes[-1]
    rows, misses = [], []
    for case in CASES:
        for order in ORDERS:
            cells = [f"{p50[size, case, order]:.1f}" for size in sizes]
            ratio = p50[large, case, order] / p50[small, case, order]
            met = ratio <= TARGET_RATIO
            if not met:
                misses.append(f"{case} by {order}")
            found = " / ".join(f"{matches[size][case][0]:,}" for size in sizes)
            verdict = "met" if met else "**not met**"
            text = " / ".join(dict.fromkeys(query(case, size, sizes) for size in sizes))
            rows.append([f"{case} `{text}`", order, *cells, f"{ratio:.2f}x ({verdict})", found])
    totals = ", ".join(
        f"{case} {' / '.join(dict.fromkeys(f'{matches[s][case][1]:,}' for s in sizes))}"
        for case in CASES
    )
    plan_text = "\n".join(
        f"\n`{name}`, {large:,} tasks:\n\n```\n{plan}\n```" for name, plan in plans.items()
    )
    loads = f"{load_before[0]:.2f} before the timed rounds, {load_after[0]:.2f} after"
    summary = (
        f"All {len(rows)} cases within {TARGET_RATIO}x."
        if not misses
        else f"Over {TARGET_RATIO}x: {', '.join(misses)}."
    )
    return (
        f"#### {description}\n\n"
        + report.header()
        + f"\n{sum(sizes):,} tasks in the database (one user per size, seeded and planted in "
        f"{seeded:.0f} s); matches in the whole database: {totals}. p50 of {args.rounds} "
        "requests per cell, GET /api/tasks/?search=… (first page of 20, JWT auth, the full "
        "Django stack in-process), milliseconds; sizes and cases interleaved round-robin. "
        f"1-minute load average {loads}.\n\n"
        + report.table(
            [
                "query",
                "order",
                *[f"{size:,} tasks" for size in sizes],
                f"{large:,}/{small:,} (≤ {TARGET_RATIO})",
                "user's matches",
            ],
            rows,
        )
        + f"\n{summary}\n"
        + (f"\n{args.note.strip()}\n" if args.note.strip() else "")
        + f"\nPage query plans at {large:,} tasks"
        + (" (EXPLAIN ANALYZE):\n" if "PostgreSQL" in description else " (EXPLAIN QUERY PLAN):\n")
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
    flags += ["--warmup", str(args.warmup)] + (["--note", args.note] if args.note else [])
    for db in ("sqlite", "postgres"):
        subprocess.run([sys.executable, "-m", "bench", "search", "--db", db, *flags], check=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="N")
    parser.add_argument("--rounds", type=int, default=25, help="requests per size and case")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured requests first")
    parser.add_argument("--note", default="", help="a sentence for the report")
    parser.set_defaults(run=measure)
