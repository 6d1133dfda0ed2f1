"""The versus rows before/after under gunicorn: an earlier commit (A) against this tree
(B), interleaved in one run. Each tree is served by its own gunicorn (production config,
1 worker x 1 thread, as `versus`) on one SQLite database and seeded user; every round
sends each request to both, alternating which goes first, and reads each worker's CPU
from /proc. Unlike abhtml/abcreate (Django's test client in a process of its own), this
sees what only a served request pays: the WSGI server, connection handling across
requests, request logs and metrics as deployed."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import abhtml, harness, load, report, versus
from bench.harness import ROOT, stack

CASES = ("floor", *versus.CASES)


def measure(args: argparse.Namespace) -> None:
    cases = args.cases
    with tempfile.TemporaryDirectory(prefix="tf-abversus-") as tmp:
        base = abhtml.export_tree(args.base, Path(tmp))
        against = ROOT if args.against is None else abhtml.export_tree(args.against, Path(tmp))
        with stack(db="sqlite", use_redis=args.redis) as stack_, contextlib.ExitStack() as stop:
            users, _, _ = versus.seed([args.size])
            calls = {case: call for (_, case), call in versus.calls(users, [args.size]).items()}
            calls["floor"] = load.Call("GET", "/bench/floor")
            sides = {}
            for name, tree in (("A", base), ("B", against)):
                server = stop.enter_context(
                    harness.gunicorn(stack_.env, workers=1, threads=1, max_requests=0, tree=tree)
                )
                parts = urlsplit(server.url)
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                stop.callback(conn.close)
                sides[name] = (server, conn)
            samples: dict[tuple[str, str], tuple[list[float], list[float]]] = {
                (name, case): ([], []) for name in sides for case in cases
            }
            for _ in range(args.warmup):
                for name, (_, conn) in sides.items():
                    for case in cases:
                        _, status, _ = versus.timed_request(conn, calls[case])
                        if status != calls[case].expect:
                            raise RuntimeError(f"{name}: {calls[case].path} answered {status}")
            started = time.monotonic()
            for round_ in range(args.rounds):
                order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
                for case in versus.rotate(list(cases), round_):
                    for name in order:
                        server, conn = sides[name]
                        before = harness.cpu_by_pid(server.worker_pids())
                        seconds, status, _ = versus.timed_request(conn, calls[case])
                        if status != calls[case].expect:
                            raise RuntimeError(f"{name}: {calls[case].path} answered {status}")
                        wall, cpu = samples[name, case]
                        wall.append(seconds * 1000)
                        cpu.append(harness.cpu_since(before, server.worker_pids()) * 1000)
            took = time.monotonic() - started
        text, raw = render(args, stack_.description, samples, took)
    report.publish("abversus", text, raw, write=False)


def render(
    args: argparse.Namespace,
    description: str,
    samples: dict[tuple[str, str], tuple[list[float], list[float]]],
    took: float,
) -> tuple[str, dict[str, Any]]:
    rows, raw = [], {"base": args.base, "against": args.against or "this tree", "results": {}}
    for case in args.cases:
        (a_wall, a_cpu), (b_wall, b_cpu) = samples["A", case], samples["B", case]
        a50, b50 = statistics.median(a_wall), statistics.median(b_wall)
        # /proc counts CPU in clock ticks: a mean over many requests, not a median.
        a_ms, b_ms = statistics.fmean(a_cpu), statistics.fmean(b_cpu)
        label = "floor (GET /bench/floor)" if case == "floor" else versus.LABELS[case]
        rows.append([label, f"{a50:.2f}", f"{b50:.2f}", f"{b50 / a50:.2f}", *cpu_cells(a_ms, b_ms)])
        raw["results"][case] = {
            "a_p50_ms": a50,
            "b_p50_ms": b50,
            "a_cpu_ms": a_ms,
            "b_cpu_ms": b_ms,
        }
    against = args.against or "this tree"
    text = (
        f"#### A/B under gunicorn: {args.base} (A) against {against} (B)\n\n"
        + report.header()
        + f"\nStack: two gunicorns (deploy/gunicorn.conf.py of each tree), 1 gthread worker x "
        f"1 thread each, recycling off; {description}; one user with {args.size:,} tasks "
        f"(the versus seeding). {args.rounds} rounds in {took:.0f} s, each request sent to "
        "both trees, alternating which goes first, one at a time over keep-alive "
        "connections.\n\n"
        + report.table(
            ["request", "A p50 ms", "B p50 ms", "B/A", "A CPU ms", "B CPU ms", "B/A CPU"], rows
        )
    )
    return text, raw


def cpu_cells(a_ms: float, b_ms: float) -> list[str]:
    return [f"{a_ms:.2f}", f"{b_ms:.2f}", f"{b_ms / a_ms:.2f}"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="HEAD", help="commit A (default HEAD)")
    parser.add_argument("--against", default=None, help="commit B (default: this working tree)")
    parser.add_argument("--size", type=versus.positive, default=1_000, help="tasks of the user")
    parser.add_argument("--rounds", type=versus.positive, default=200)
    parser.add_argument("--warmup", type=versus.positive, default=20)
    parser.add_argument(
        "--cases", nargs="+", choices=CASES, default=list(CASES), help="requests to compare"
    )
    parser.add_argument("--redis", action="store_true", help="cache in Redis (default: in-process)")
    parser.set_defaults(run=measure)
