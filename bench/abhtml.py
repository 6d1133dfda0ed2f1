"""HTML pages before/after: an earlier commit (A) against this tree (B), interleaved in
one run. Each tree serves in its own Django process (same PostgreSQL, Redis and
seeded user); the driver alternates slices of requests between them and sums each
process's CPU time, so both see the same machine load. Also checks that both trees
send the same markup (CSRF tokens aside) and the same headers (the request id aside).
``--auth jwt``: the requests carry a bearer token and no cookie, as an API client's
do (for API paths: ``--auth jwt --paths /api/tasks/ /api/tasks/stats/``)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from bench.harness import ROOT, machine, stack

# {inbox}: the seeded user's Inbox (its board).
DEFAULT_PATHS = [
    "/tasks/",
    "/tasks/?search=invoice",
    "/projects/",
    "/projects/{inbox}/board/",
    "/bench/floor",
]

# Runs inside each tree's process: cwd is the tree, Django is set up from the env.
CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.get(pk=os.environ["AB_USER"])
if os.environ.get("AB_AUTH") == "jwt":
    from accounts.tokens import issue_tokens
    client = Client(HTTP_AUTHORIZATION="Bearer " + issue_tokens(user)["access"])
else:
    client = Client()
    client.force_login(user)
for line in sys.stdin:
    command, path, count = line.split()
    if command == "body":
        response = client.get(path)
        headers = sorted((k, v) for k, v in response.items() if k != "X-Request-ID")
        sys.stdout.write(json.dumps({"status": response.status_code, "headers": headers,
                                     "body": response.content.decode()}) + "\n")
        sys.stdout.flush()
        continue
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(int(count)):
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{path}: {status}")
    sys.stdout.write(json.dumps({"cpu": time.process_time() - cpu,
                                 "wall": time.perf_counter() - wall}) + "\n")
    sys.stdout.flush()
"""

_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def export_tree(commit: str, into: Path) -> Path:
    """The tree of ``commit`` as files (git archive: no new worktree, no checkout)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    tree = into / commit.replace("/", "_")
    tree.mkdir()
    with tempfile.TemporaryFile() as raw:
        raw.write(archive)
        raw.seek(0)
        with tarfile.open(fileobj=raw) as tar:
            tar.extractall(tree, filter="data")
    return tree


class Tree:
    def __init__(self, name: str, path: Path, env: dict[str, str], child: str = CHILD) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-c", child],
            cwd=path,
            env={**env, "PYTHONPATH": str(path)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str, path: str, count: int = 0) -> dict[str, Any]:
        stdin: Any = self.process.stdin
        stdout: BinaryIO | Any = self.process.stdout
        stdin.write(f"{command} {path} {count}\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise SystemExit(f"{self.name}: the process ended")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="tf-abhtml-") as tmp, stack(db=args.db) as stack_:
        from bench.seed import make_tasks, make_users
        from projects.inbox import inbox_id_of

        # Tags and assignees on half the tasks: every cell of a row has something to show.
        (user,) = make_users(1, "abhtml")
        make_tasks(user.pk, args.tasks, card_details=True)
        env = {**stack_.env, "AB_USER": str(user.pk), "AB_AUTH": args.auth}
        paths = [path.format(inbox=inbox_id_of(user)) for path in args.paths]
        trees = [
            Tree(f"A ({args.base})", export_tree(args.base, Path(tmp)), env),
            Tree(f"B ({args.against})", export_tree(args.against, Path(tmp)), env)
            if args.against
            else Tree("B (this tree)", ROOT, env),
        ]
        try:
            for path in paths:
                a, b = (tree.ask("body", path) for tree in trees)
                same = _TOKEN.sub(r"\1\2", a["body"]) == _TOKEN.sub(r"\1\2", b["body"])
                headers = a["headers"] == b["headers"]
                print(
                    f"{path}: status {a['status']}/{b['status']}, markup identical: {same}, "
                    f"headers identical: {headers}"
                )
                if not headers:
                    print(f"  A: {a['headers']}\n  B: {b['headers']}")
                if not same and args.dump:
                    slug = re.sub(r"\W+", "_", path)
                    for tree, answer in zip(trees, (a, b), strict=True):
                        name = Path(args.dump) / f"{tree.name[0]}{slug}.html"
                        name.write_text(_TOKEN.sub(r"\1\2", answer["body"]))
                for tree in trees:
                    tree.ask("time", path, args.warmup)
            totals = {(t.name, p): [0.0, 0.0] for t in trees for p in paths}
            started = time.monotonic()
            for round_ in range(args.rounds):
                for path in paths:
                    for tree in trees if round_ % 2 == 0 else trees[::-1]:
                        answer = tree.ask("time", path, args.slice)
                        totals[tree.name, path][0] += answer["cpu"]
                        totals[tree.name, path][1] += answer["wall"]
        finally:
            for tree in trees:
                tree.close()
    count = args.rounds * args.slice
    print(
        f"\n{machine()}; {stack_.description}; {args.tasks} tasks; "
        f"{args.rounds} rounds x {args.slice} requests per tree and path, alternating "
        f"which tree goes first; {args.auth} auth; {time.monotonic() - started:.0f} s"
    )
    print("| request | A CPU ms | B CPU ms | B/A CPU | A wall ms | B wall ms |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        (a_cpu, a_wall), (b_cpu, b_wall) = (totals[t.name, path] for t in trees)
        print(
            f"| `GET {path}` | {a_cpu / count * 1000:.2f} | {b_cpu / count * 1000:.2f} "
            f"| {b_cpu / a_cpu:.2f} | {a_wall / count * 1000:.2f} | {b_wall / count * 1000:.2f} |"
        )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="HEAD", help="commit A (default HEAD)")
    parser.add_argument("--against", help="commit B (default: this working tree)")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--slice", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--paths", nargs="+", default=DEFAULT_PATHS)
    parser.add_argument("--dump", help="a folder for both bodies when they differ")
    parser.add_argument(
        "--auth", choices=["session", "jwt"], default="session", help="how requests sign in"
    )
    parser.set_defaults(run=measure)
