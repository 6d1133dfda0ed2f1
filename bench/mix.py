"""The locust scenario mix (dashboard, task list with filters and search, stats,
create/update, login) run headless against one gunicorn or the nginx-fronted
instances: requests/s, p50/p95/p99 and error rate per request and in total."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench import harness, report
from bench.harness import stack

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def _accounts(count: int, tasks_each: int) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.test import Client

    from accounts.tokens import issue_tokens
    from bench.seed import PASSWORD, bench_user
    from tasks.selectors import visible_tasks

    accounts = []
    for i in range(count):
        user, _ = bench_user(f"mix{i}-", tasks_each)
        browser = Client()
        browser.force_login(user)
        accounts.append(
            {
                "email": user.email,
                "password": PASSWORD,
                "access": issue_tokens(user)["access"],
                "session": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "task_ids": list(visible_tasks(user).values_list("pk", flat=True)[:50]),
            }
        )
    return accounts


def _read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def measure(args: argparse.Namespace) -> None:
    with stack(db=args.db, use_redis=not args.no_redis) as st, contextlib.ExitStack() as stop:
        tmp = Path(stop.enter_context(tempfile.TemporaryDirectory(prefix="tf-bench-locust-")))
        accounts_file = tmp / "accounts.json"
        accounts_file.write_text(json.dumps(_accounts(args.accounts, args.tasks)))
        apps = [
            stop.enter_context(harness.gunicorn(st.env, workers=args.workers, threads=args.threads))
            for _ in range(args.instances)
        ]
        target = (
            stop.enter_context(harness.nginx([a.port for a in apps])) if args.nginx else apps[0]
        )
        subprocess.run(
            [
                str(harness.VENV_BIN / "locust"),
                *("-f", str(LOCUSTFILE), "--headless", "--only-summary"),
                *("-u", str(args.users), "-r", str(args.users)),
                *("--run-time", f"{args.seconds}s", "--stop-timeout", "5"),
                *("--host", target.url, "--csv", str(tmp / "mix")),
                "--loglevel",
                "WARNING",
            ],
            cwd=harness.ROOT,
            env={**st.env, "BENCH_ACCOUNTS": str(accounts_file)},
            check=False,  # locust exits 1 when any request failed; the table shows it
            stdout=subprocess.DEVNULL,
        )
        rows = _read_stats(tmp / "mix")
        topology = (
            f"nginx + {args.instances} gunicorn instance(s)" if args.nginx else "one gunicorn"
        )
        text = _render(args, st.description, topology, rows)
    report.publish("mix", text, {"rows": rows}, write=args.write)


def _render(args, stack_desc: str, topology: str, rows: list[dict[str, str]]) -> str:
    table = []
    for row in rows:
        count = int(row["Request Count"])
        failures = int(row["Failure Count"])
        name = row["Name"] if row["Name"] != "Aggregated" else "**all requests**"
        table.append(
            [
                name,
                count,
                f"{float(row['Requests/s']):.1f}",
                row["50%"],
                row["95%"],
                row["99%"],
                f"{failures / count:.2%}" if count else "-",
            ]
        )
    return (
        "### Scenario mix (locust)\n\n"
        + report.header()
        + f"\nlocust {args.users} users (wait 50-200 ms between requests), {args.seconds} s, "
        f"against {topology} ({args.workers} gthread workers x {args.threads} threads each, "
        f"deploy/gunicorn.conf.py); {stack_desc}; "
        f"{args.accounts} accounts with {args.tasks} tasks each. Latencies in ms.\n\n"
        + report.table(["request", "count", "req/s", "p50", "p95", "p99", "errors"], table)
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--users", type=int, default=20, help="simulated users")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=300, help="tasks per account")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--nginx", action="store_true", help="put nginx in front")
    parser.set_defaults(run=measure)
