"""POST /api/tasks/ before/after: an earlier commit (A) against this tree (B),
interleaved in one run, the method of bench/abhtml.py: each tree in its own Django
process (same stack and seeded user, JWT), slices alternating which tree goes first.
Reports per request the app process's CPU ms, the PostgreSQL server's CPU ms, wall ms,
and the statements of one warm request; checks both trees answer the same body."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import abhtml
from bench.harness import ROOT, cpu_by_pid, cpu_since, machine, stack

BODIES = {
    "plain": {"title": "A task from the A/B"},
    "tags": {"title": "A task from the A/B", "tags": ["home", "work"], "priority": "high"},
}

# Runs inside each tree's process: cwd is the tree, Django is set up from the env.
CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.tokens import issue_tokens
user = get_user_model().objects.get(pk=os.environ["AB_USER"])
client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
bodies = json.loads(os.environ["AB_BODIES"])
for line in sys.stdin:
    command, name, count = line.split()
    body = json.dumps(bodies[name])
    if command == "body":
        with CaptureQueriesContext(connection) as ctx:
            response = client.post("/api/tasks/", body, content_type="application/json")
        data = response.json()
        for key in ("id", "created_at", "updated_at", "position"):
            data.pop(key, None)
        queries = [q["sql"][:100] for q in ctx.captured_queries]
        answer = {"status": response.status_code, "body": data, "queries": queries}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        continue
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(int(count)):
        if client.post("/api/tasks/", body, content_type="application/json").status_code != 201:
            raise SystemExit(f"{name}: not created")
    sys.stdout.write(json.dumps({"cpu": time.process_time() - cpu,
                                 "wall": time.perf_counter() - wall}) + "\n")
    sys.stdout.flush()
"""


def measure(args: argparse.Namespace) -> None:
    redis = args.db == "postgres"
    with (
        tempfile.TemporaryDirectory(prefix="tf-abcreate-") as tmp,
        stack(db=args.db, use_redis=redis) as stack_,
    ):
        from bench.seed import make_tasks, make_users

        (user,) = make_users(1, "abcreate")
        make_tasks(user.pk, args.tasks)
        env = {**stack_.env, "AB_USER": str(user.pk), "AB_BODIES": json.dumps(BODIES)}
        trees = [
            abhtml.Tree(f"A ({args.base})", abhtml.export_tree(args.base, Path(tmp)), env, CHILD),
            abhtml.Tree("B (this tree)", ROOT, env, CHILD),
        ]
        samples: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        try:
            for name in BODIES:
                a, b = (tree.ask("body", name) for tree in trees)
                print(
                    f"{name}: status {a['status']}/{b['status']}, body identical: "
                    f"{a['body'] == b['body']}, statements {len(a['queries'])} -> "
                    f"{len(b['queries'])}"
                )
                if args.queries:
                    for tree, answer in zip(trees, (a, b), strict=True):
                        print(f"  {tree.name}:", *answer["queries"], sep="\n    ")
                for tree in trees:
                    tree.ask("time", name, args.warmup)
            started = time.monotonic()
            for round_ in range(args.rounds):
                order = trees if round_ % 2 == 0 else trees[::-1]
                for name in BODIES:
                    for tree in order:
                        samples.setdefault((tree.name, name), []).append(
                            _slice(stack_, tree, name, args.slice)
                        )
        finally:
            for tree in trees:
                tree.close()
    print(
        f"\n{machine()}; {stack_.description}; {args.tasks} tasks; {args.rounds} rounds x "
        f"{args.slice} POSTs per tree and body, alternating which goes first; "
        f"{time.monotonic() - started:.0f} s; medians of the slices"
    )
    print(
        "| body | A app CPU ms | B app CPU ms | B/A | A PG CPU ms | B PG CPU ms "
        "| A wall ms | B wall ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in BODIES:
        a, b = (samples[tree.name, name] for tree in trees)
        med = [statistics.median(s[i] for s in side) for side in (a, b) for i in range(3)]
        print(
            f"| {name} | {med[0]:.2f} | {med[3]:.2f} | {med[3] / med[0]:.2f} | {med[2]:.2f} "
            f"| {med[5]:.2f} | {med[1]:.2f} | {med[4]:.2f} |"
        )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _slice(stack_: Any, tree: abhtml.Tree, name: str, count: int) -> tuple[float, float, float]:
    """(app CPU ms, wall ms, PostgreSQL CPU ms) per request over ``count`` POSTs."""
    find = stack_.backend_pid_finders().get("postgres", list)
    before = cpu_by_pid(find())
    answer = tree.ask("time", name, count)
    database = cpu_since(before, find())
    return (answer["cpu"] * 1000 / count, answer["wall"] * 1000 / count, database * 1000 / count)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="HEAD", help="commit A (default HEAD)")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--slice", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--queries", action="store_true", help="print both trees' statements")
    parser.set_defaults(run=measure)
