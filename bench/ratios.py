"""Throughput of the main endpoints as a fraction of the floor (bench/urls.py) on the
same gunicorn, measured in alternating slices so that the noise of a shared machine
hits both sides of each ratio alike. Also reports the CPU each request costs in the
app workers, PostgreSQL and Redis (the inputs of the capacity model)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import harness, load, report
from bench.harness import Stack, stack
from devservers import Gunicorn

# Issue 15's targets (issue 7 had asked 0.50 / 0.70 / 0.40 / 0.35; issue 15 restated them).
TARGETS = {"list": 0.35, "stats": 0.60, "html_list": 0.30, "create": 0.30}
LABELS = {
    "floor": "GET /bench/floor (floor)",
    "list": "GET /api/tasks/ (page of 20)",
    "stats": "GET /api/tasks/stats/ (cached)",
    "html_list": "GET /tasks/ (HTML list)",
    "create": "POST /api/tasks/",
    "project_list": "GET /api/tasks/?project= (page of 20)",
    "project_html": "GET /projects/{id}/ (HTML list)",
    "board": "GET /projects/{id}/board/ (HTML)",
    "board_api": "GET /api/projects/{id}/board/",
}
# The project pages (issue 15) have no target of their own: same table, no verdict.
PROJECT_ENDPOINTS = ("project_list", "project_html", "board", "board_api")
ENDPOINTS = (*TARGETS, *PROJECT_ENDPOINTS)
LIST_USER_TASKS = 200
PROJECT_TASKS, PROJECT_MEMBERS = 20_000, 50


@dataclass
class Tally:
    result: load.Result = field(default_factory=load.Result)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, result: load.Result, cpu: dict[str, float]) -> None:
        self.result.merge(result)
        for tier, seconds in cpu.items():
            self.cpu[tier] = self.cpu.get(tier, 0.0) + seconds

    def cpu_total_ms(self) -> float:
        return sum(self.cpu_ms(tier) for tier in self.cpu)

    def cpu_ms(self, tier: str) -> float:
        return 1000 * self.cpu.get(tier, 0.0) / max(self.result.requests, 1)


def _auth(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(JWT header, session cookie header) of a signed-in user."""
    from django.conf import settings
    from django.test import Client

    from accounts.tokens import issue_tokens

    browser = Client()
    browser.force_login(user)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return (
        {"Authorization": f"Bearer {issue_tokens(user)['access']}"},
        {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
    )


def calls(stack_: Stack, endpoints: Sequence[str] = ENDPOINTS) -> dict[str, load.Call]:
    """The requests to compare, each authenticated as a seeded bench user; the project
    pages as an editor (not the owner) of a 20,000-task, 50-member project, seeded
    only when one of them is asked for."""
    from bench.seed import bench_user, shared_project

    user, _ = bench_user("ratio", LIST_USER_TASKS)
    bearer, cookie = _auth(user)
    body = json.dumps({"title": "Bench task", "priority": "high", "tags": ["bench"]}).encode()
    made = {
        "floor": load.Call("GET", "/bench/floor"),
        "list": load.Call("GET", "/api/tasks/", headers=bearer),
        "stats": load.Call("GET", "/api/tasks/stats/", headers=bearer),
        "html_list": load.Call("GET", "/tasks/", headers=cookie),
        "create": load.Call(
            "POST",
            "/api/tasks/",
            body=body,
            headers={**bearer, "Content-Type": "application/json"},
            expect=201,
        ),
    }
    if any(name in PROJECT_ENDPOINTS for name in endpoints):
        project, member = shared_project("ratioproj", PROJECT_TASKS, PROJECT_MEMBERS)
        bearer, cookie = _auth(member)
        pk = project.pk
        made["project_list"] = load.Call("GET", f"/api/tasks/?project={pk}", headers=bearer)
        made["project_html"] = load.Call("GET", f"/projects/{pk}/", headers=cookie)
        made["board"] = load.Call("GET", f"/projects/{pk}/board/", headers=cookie)
        made["board_api"] = load.Call("GET", f"/api/projects/{pk}/board/", headers=bearer)
    return made


def timed_slice(
    server: Gunicorn, tiers: dict[str, Any], call: load.Call, args: Any
) -> tuple[load.Result, dict[str, float]]:
    """One slice of ``call`` against ``server`` (``args.concurrency`` threads for
    ``args.seconds``), with the CPU each tier used meanwhile."""
    # Process lists are read at each sample: database backends come and go.
    before = {tier: harness.cpu_by_pid(find()) for tier, find in tiers.items()}
    result = load.run(
        server.url, lambda _: call, concurrency=args.concurrency, duration=args.seconds
    )
    cpu = {tier: harness.cpu_since(before[tier], find()) for tier, find in tiers.items()}
    return result, cpu


def measure(args: argparse.Namespace) -> None:
    with stack(db=args.db, use_redis=not args.no_redis) as stack_:
        all_calls = calls(stack_, args.endpoints)
        if stack_.postgres:
            # Fresh planner statistics after the bulk seeding, as autovacuum would give.
            stack_.postgres.psql("VACUUM ANALYZE")
        with harness.gunicorn(
            stack_.env, workers=args.workers, threads=args.threads, max_requests=0
        ) as server:
            tiers = {"app": server.worker_pids, **stack_.backend_pid_finders()}
            names = [n for n in args.endpoints if n in all_calls and n != "floor"]
            probe = load.run(server.url, lambda _: all_calls["html_list"], total=1)
            if "html_list" in names and probe.errors:
                names.remove("html_list")  # the HTML pages are not built yet
            tallies = {name: Tally() for name in names}
            floors = {name: Tally() for name in names}
            for name in ["floor", *names]:  # warm caches, connections and code paths
                load.run(server.url, lambda _, c=all_calls[name]: c, duration=1, concurrency=2)
            for round_ in range(args.rounds):
                for name in names:
                    # Alternate which side goes first so drift cancels over rounds.
                    order = ["floor", name] if round_ % 2 == 0 else [name, "floor"]
                    for side in order:
                        result, cpu = timed_slice(server, tiers, all_calls[side], args)
                        (floors if side == "floor" else tallies)[name].add(result, cpu)
        text, raw = _render(args, stack_, names, tallies, floors)
    report.publish("ratios", text, raw, write=args.write)


def _render(args, stack_, names, tallies, floors) -> tuple[str, dict[str, Any]]:
    rows, raw = [], {}
    floor_all = Tally()
    for name in names:
        floor_all.add(floors[name].result, floors[name].cpu)
    for name in ["floor", *names]:
        tally = floor_all if name == "floor" else tallies[name]
        r = tally.result
        ratio = r.rps / floors[name].result.rps if name != "floor" else 1.0
        # Capacity ratio: the server CPU (app + database + cache) a floor request costs
        # over what this request costs; what throughput would be on saturated cores.
        cpu_ratio = floor_all.cpu_total_ms() / max(tally.cpu_total_ms(), 1e-9)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("met" if ratio >= target else "**not met**")
        rows.append(
            [
                LABELS[name],
                f"{r.rps:.0f}",
                f"{ratio:.2f}" + (f" (≥ {target:.2f}, {verdict})" if target else ""),
                f"{cpu_ratio:.2f}",
                f"{r.percentile(0.5):.1f} / {r.percentile(0.95):.1f} / {r.percentile(0.99):.1f}",
                f"{tally.cpu_ms('app'):.2f}",
                f"{tally.cpu_ms('postgres'):.2f}",
                f"{tally.cpu_ms('redis'):.2f}",
                f"{r.error_rate:.2%}",
            ]
        )
        raw[name] = {
            "requests": r.requests,
            "rps": r.rps,
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
            "errors": r.errors,
            "p50_ms": r.percentile(0.5),
            "p95_ms": r.percentile(0.95),
            "p99_ms": r.percentile(0.99),
            "cpu_ms_per_request": {t: tally.cpu_ms(t) for t in ("app", "postgres", "redis")},
        }
    missing = [n for n in args.endpoints if n not in names and n != "floor"]
    text = (
        "### Throughput against the floor\n\n"
        + report.header()
        + f"\nStack: gunicorn (deploy/gunicorn.conf.py), {args.workers} gthread workers x "
        f"{args.threads} threads, worker recycling off (per-process CPU accounting); "
        f"{stack_.description}; "
        f"{args.concurrency} client threads on the same machine; {args.rounds} rounds of "
        f"alternating {args.seconds:g} s slices (endpoint, floor). CPU ratio = server CPU "
        "(app + PostgreSQL + Redis) of a floor request / that of the request. The "
        "project rows (no target of their own) are read by an editor, not the owner, of "
        f"a project with {PROJECT_TASKS:,} tasks and {PROJECT_MEMBERS} members, each "
        "card placed on the board (bench.seed.shared_project).\n\n"
        + report.table(
            [
                "request",
                "req/s",
                "ratio to floor (target)",
                "CPU ratio",
                "p50 / p95 / p99 ms",
                "app CPU ms/req",
                "PostgreSQL CPU ms/req",
                "Redis CPU ms/req",
                "errors",
            ],
            rows,
        )
    )
    if missing:
        text += f"\nNot measured (endpoint not available in this build): {', '.join(missing)}.\n"
    return text, raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one slice")
    parser.add_argument(
        "--endpoints",
        nargs="+",
        default=list(ENDPOINTS),
        choices=list(ENDPOINTS),
        metavar="NAME",
        help=f"any of {', '.join(ENDPOINTS)}",
    )
    parser.set_defaults(run=measure)
