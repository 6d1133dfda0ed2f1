"""Capacity against instances: throughput of 1..N gunicorn instances behind nginx,
the CPU each request costs in every tier (app, nginx, PostgreSQL, Redis), and the
model that turns those costs into the throughput of 1, 2 and 3 instances on machines
with enough cores. On a machine with fewer cores than the instances need, the
measured figures show the core limit, not the app's scaling; the model does not."""

from __future__ import annotations

import argparse
import contextlib
import time
from typing import Any

from bench import harness, load, report
from bench.harness import stack
from bench.memory import mix
from devservers import PostgresServer


def _run(st: Any, instances: int, args: argparse.Namespace, calls: list) -> dict[str, Any]:
    with contextlib.ExitStack() as stop:
        apps = [
            stop.enter_context(
                harness.gunicorn(st.env, workers=args.workers, threads=args.threads, max_requests=0)
            )
            for _ in range(instances)
        ]
        proxy = stop.enter_context(harness.nginx([app.port for app in apps]))
        finders = {
            "app": lambda: [pid for app in apps for pid in app.worker_pids()],
            "nginx": proxy.pids,
            **st.backend_pid_finders(),
        }
        load.run(proxy.url, lambda n: calls[n % len(calls)], concurrency=2, duration=2)
        before = {tier: harness.cpu_by_pid(find()) for tier, find in finders.items()}
        started = time.monotonic()
        result = load.run(
            proxy.url,
            lambda n: calls[n % len(calls)],
            concurrency=args.concurrency,
            duration=args.seconds,
        )
        wall = time.monotonic() - started
        cpu = {tier: harness.cpu_since(before[tier], find()) for tier, find in finders.items()}
    return {
        "instances": instances,
        "rps": result.rps,
        "p50_ms": result.percentile(0.5),
        "p95_ms": result.percentile(0.95),
        "errors": result.errors,
        "requests": result.requests,
        "cpu_ms_per_request": {t: 1000 * s / max(result.requests, 1) for t, s in cpu.items()},
        "cpu_busy_cores": {t: s / wall for t, s in cpu.items()},
    }


def model(cost_ms: dict[str, float], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Throughput limit of each tier for 1..3 instances; the smallest one binds."""
    rows = []
    for n in (1, 2, 3):
        limits = {
            "app": n * args.cores_per_instance * 1000 / cost_ms["app"],
            "PostgreSQL": args.db_cores * 1000 / max(cost_ms.get("postgres", 0), 1e-6),
            # Redis executes commands on one thread.
            "Redis": 1000 / max(cost_ms.get("redis", 0), 1e-6),
            "nginx": args.proxy_cores * 1000 / max(cost_ms.get("nginx", 0), 1e-6),
        }
        tier = min(limits, key=limits.get)
        rows.append({"instances": n, "limits": limits, "bound": tier, "rps": limits[tier]})
    return rows


def measure(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.instances.split(",")]
    with stack(db="postgres", use_redis=True) as st:
        calls = mix(st.env)
        runs = [_run(st, n, args, calls) for n in counts]
    # The model uses the per-request cost of the one-instance run: the least disturbed.
    cost = runs[0]["cpu_ms_per_request"]
    projected = model(cost, args)
    report.publish(
        "capacity",
        _render(args, runs, cost, projected),
        {"runs": runs, "model": projected},
        write=args.write,
    )


def _render(args, runs, cost, projected) -> str:
    measured = [
        [
            r["instances"],
            f"{r['rps']:.0f}",
            f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}",
            " · ".join(f"{t} {v:.2f}" for t, v in r["cpu_ms_per_request"].items()),
            " · ".join(f"{t} {v:.2f}" for t, v in r["cpu_busy_cores"].items()),
            r["errors"],
        ]
        for r in runs
    ]
    modelled = [
        [
            p["instances"],
            *(f"{p['limits'][t]:.0f}" for t in ("app", "PostgreSQL", "Redis", "nginx")),
            f"**{p['rps']:.0f}** ({p['bound']})",
        ]
        for p in projected
    ]
    return (
        "### Capacity against instances\n\n"
        + report.header()
        + f"\nMeasured here: nginx (1 worker) in front of N gunicorn instances of "
        f"{args.workers} gthread worker(s) x {args.threads} threads each (recycling off), "
        f"PostgreSQL {PostgresServer.version()} and Redis, all on this machine "
        f"with the load generator ({args.concurrency} threads, {args.seconds:g} s per run). "
        "Mix: task list (plain and filtered), stats, task detail, floor, one create in "
        "eleven requests.\n\n"
        + report.table(
            ["instances", "req/s", "p50 / p95 ms", "CPU ms per request", "cores busy", "errors"],
            measured,
        )
        + "\nModel: each tier's throughput limit = cores given to it x 1000 / its CPU ms per "
        f"request (from the 1-instance run: app {cost['app']:.2f}, PostgreSQL "
        f"{cost.get('postgres', 0):.2f}, Redis {cost.get('redis', 0):.2f}, nginx "
        f"{cost.get('nginx', 0):.2f} ms). Assumed: {args.cores_per_instance} cores per app "
        f"instance, {args.db_cores} cores for PostgreSQL, one Redis thread, "
        f"{args.proxy_cores} core(s) for nginx; the smallest limit binds.\n\n"
        + report.table(
            [
                "instances",
                "app limit",
                "PostgreSQL limit",
                "Redis limit",
                "nginx limit",
                "model req/s",
            ],
            modelled,
        )
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instances", default="1,2", help="comma-separated counts to measure")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="per worker")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--cores-per-instance", type=int, default=2, help="model input")
    parser.add_argument("--db-cores", type=int, default=4, help="model input")
    parser.add_argument("--proxy-cores", type=int, default=1, help="model input")
    parser.set_defaults(run=measure)
