"""PostgreSQL with and without server-side prepared statements, in one process: the
same requests through the full stack (test Client; JWT for the API, a session for the
page), each arm on its own connection, the arms' order alternating every round.

Arms (``DATABASES["default"]["OPTIONS"]``, which Django passes to psycopg 3):

- ``client``: Django's default, TaskFlow's without ``DB_PREPARED_STATEMENTS``:
  parameters bound on the client, no prepared statements.
- ``every``: ``server_side_binding`` on and psycopg's ``prepare_threshold`` (5): every
  statement a connection runs a fifth time is prepared, and PostgreSQL may then switch
  it to a generic plan (``plan_cache_mode`` auto).
- ``app``: what ``DB_PREPARED_STATEMENTS=true`` configures
  (``taskflow.backends.database_config``): the same, except for the statements of
  ``backends.PLANNED_PER_EXECUTION`` (full-text matches), never prepared.

Prints, per request and arm, the p50 over rounds of the wall time, the app's CPU (this
process) and the connection's PostgreSQL backend's CPU (read from /proc), in
milliseconds a request, and each arm's CPU sum against ``client``.

Two databases: by default one user of ``--tasks`` tasks, seeded here (~4 minutes);
with ``--pg-data`` the data benchmark's cluster (``python -m bench data`` seeds it),
whose users of 1,000, 10,000 and 100,000 tasks share each arm's connection, so a
statement prepared for one serves the others: what a generic plan does to a large user
among small ones.

Run: ``python -m bench.pg_prepared_ab [--rounds 6] [--pg-data var/bench/pgdata]`` (not
in ``all``)."""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import arm_order, stack

# The seed of the arms' order in each round (bench.harness.arm_order).
SEED = 21


def _arms(url: str) -> dict[str, dict[str, Any]]:
    from taskflow import backends

    every = {"server_side_binding": True, "prepare_threshold": backends.PREPARE_THRESHOLD}
    app = backends.database_config(url, prepared_statements=True)["OPTIONS"]
    return {"client": {}, "every": every, "app": app}


WARMUP = 20


def _wrappers(arms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One connection per arm, each with its own copy of the settings (a wrapper keeps
    the dict it was given: a shared one would change every arm)."""
    from django.db import connections
    from django.db.utils import load_backend

    made = {}
    for arm, extra in arms.items():
        settings_dict = copy.deepcopy(connections.settings["default"])
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), **extra}
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
        wrapper.ensure_connection()
        made[arm] = wrapper
    return made


def _backend_cpu(wrapper: Any) -> float:
    """CPU seconds of the wrapper's PostgreSQL backend process so far."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _requests(user: Any, label: str = "", *, create: bool = True) -> dict[str, Callable[[], Any]]:
    from django.test import Client

    from accounts.tokens import issue_tokens

    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
    web = Client()
    web.force_login(user)
    body = json.dumps({"title": "A task from the prepared-statements A/B"})
    paths = {
        "GET /api/tasks/": "/api/tasks/",
        "GET /api/tasks/?ordering=due_date": "/api/tasks/?ordering=due_date",
        "GET /api/tasks/?search=invoice": "/api/tasks/?search=invoice",
        "GET /api/tasks/?search=invoice&ordering=-created_at": (
            "/api/tasks/?search=invoice&ordering=-created_at"
        ),
    }
    sends: dict[str, Callable[[], Any]] = {
        f"{name}{label}": (lambda path=path: api.get(path)) for name, path in paths.items()
    }
    sends[f"GET /tasks/ (HTML){label}"] = lambda: web.get("/tasks/")
    if create:
        sends[f"POST /api/tasks/{label}"] = lambda: api.post(
            "/api/tasks/", body, content_type="application/json"
        )
    return sends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=150, help="per request, arm and round")
    parser.add_argument("--tasks", type=int, default=2000, help="the user's tasks")
    parser.add_argument("--pg-data", help="the data benchmark's cluster (its users, no create)")
    parser.add_argument("--sizes", default="1000,100000", help="with --pg-data: the users")
    parser.add_argument("--arms", default="client,every,app", help="which, comma-separated")
    args = parser.parse_args()
    pg_data = Path(args.pg_data).resolve() if args.pg_data else None
    if pg_data is not None and not pg_data.exists():
        raise SystemExit(f"{pg_data}: no cluster; `python -m bench data --pg-data {pg_data}`")
    with stack(db="postgres", use_redis=True, pg_data=pg_data) as running:
        from django.db import connections

        from accounts.models import User
        from bench.seed import bench_user

        sends: dict[str, Callable[[], Any]] = {}
        if pg_data is None:
            user, _ = bench_user("prepared-ab", args.tasks)
            with connections["default"].cursor() as cursor:
                # Plans as on a database autovacuum has analysed (a fresh seed has no
                # statistics: every plan would assume one-row tables).
                cursor.execute("ANALYZE")
            sends.update(_requests(user))
        else:
            for size in args.sizes.split(","):
                user = User.objects.get(email=f"size{int(size)}-0@bench.example")
                sends.update(_requests(user, f", {int(size):,} tasks", create=False))
        known = _arms(running.env["DATABASE_URL"])
        arms = {arm: known[arm] for arm in args.arms.split(",")}
        wrappers = _wrappers(arms)
        cells: dict[tuple[str, str], list[tuple[float, float]]] = {
            (arm, name): [] for arm in arms for name in sends
        }
        began = time.monotonic()
        rng = random.Random(SEED)  # drawn arm orders, replayable
        for _ in range(args.rounds):
            order = arm_order(list(arms), rng)
            for arm in order:
                connections["default"] = wrappers[arm]
                for name, send in sends.items():
                    for _ in range(WARMUP):
                        send()
                    pg_before, app_before = _backend_cpu(wrappers[arm]), time.process_time()
                    walls = []
                    for _ in range(args.requests):
                        start = time.perf_counter()
                        status = send().status_code
                        walls.append(time.perf_counter() - start)
                        if status not in (200, 201):
                            raise SystemExit(f"{name} answered {status} ({arm})")
                    app_after, pg_after = time.process_time(), _backend_cpu(wrappers[arm])
                    cells[arm, name].append(
                        (
                            (app_after - app_before) * 1000 / args.requests,
                            (pg_after - pg_before) * 1000 / args.requests,
                            statistics.median(walls) * 1000,
                        )
                    )
        load = os.getloadavg()
        print(
            f"{args.rounds} rounds x {args.requests} requests per arm and request, "
            f"{time.monotonic() - began:.0f} s; load average {load[0]:.2f}, {load[1]:.2f}"
        )
        print("\n| request | arm | p50 ms | app CPU ms | PostgreSQL CPU ms | CPU against client |")
        print("|---|---|---|---|---|---|")
        for name in sends:
            base = None
            for arm in arms:
                app, pg, wall = (
                    statistics.median(cell[i] for cell in cells[arm, name]) for i in range(3)
                )
                base = base if base is not None else app + pg
                print(
                    f"| {name} | {arm} | {wall:.2f} | {app:.2f} | {pg:.2f} "
                    f"| {(app + pg) / base:.2f} |"
                )


if __name__ == "__main__":
    main()
