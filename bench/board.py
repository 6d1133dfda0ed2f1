"""Board latency by project size: the board page (HTML) and GET /api/projects/{id}/board/
at 100, 1,000, 5,000 and 20,000 tasks in one project (issue 12: 20,000 within 1.5x of
100; the page under 100 KB at every size).

One project per size, seeded in bulk with each task at the end of its status's first
column (bench.seed). The sizes are measured interleaved, round-robin (one page and
one API request at each size, then the next round, the starting size rotating), one
request at a time, so that a busy machine's background load falls on every size alike
and the ratios compare requests made within seconds of each other."""

from __future__ import annotations

import argparse
import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench import harness, load, report
from bench.harness import stack

SIZES = (100, 1_000, 5_000, 20_000)
TARGET_RATIO = 1.5
PAGE_MAX_BYTES = 100 * 1024
KINDS = ("page", "api")
LABELS = {"page": "board page (HTML)", "api": "GET /api/projects/{id}/board/"}


@dataclass
class Series:
    latencies: list[float] = field(default_factory=list)
    bytes: int = 0
    errors: int = 0

    def percentile(self, q: float) -> float:
        return load.Result(latencies=self.latencies).percentile(q)


def seed(sizes: list[int]) -> tuple[dict[int, str], dict[str, str], float]:
    """One owner, one project per size; (project ids, auth headers, seconds taken)."""
    from django.conf import settings
    from django.test import Client

    from accounts.tokens import issue_tokens
    from bench.seed import make_tasks, make_users
    from projects.services import project_create

    started = time.monotonic()
    (owner,) = make_users(1, "board")
    projects = {}
    for size in sizes:
        project = project_create(actor=owner, name=f"Board {size:,}")
        make_tasks(owner.pk, size, seed=size, project_id=project.pk, card_details=True)
        projects[size] = project.pk
    browser = Client()
    browser.force_login(owner)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    headers = {
        "page": f"{settings.SESSION_COOKIE_NAME}={session}",
        "api": f"Bearer {issue_tokens(owner)['access']}",
    }
    return projects, headers, time.monotonic() - started


def calls(projects: dict[int, str], headers: dict[str, str]) -> dict[tuple[int, str], load.Call]:
    made = {}
    for size, pk in projects.items():
        made[size, "page"] = load.Call(
            "GET", f"/projects/{pk}/board/", headers={"Cookie": headers["page"]}
        )
        made[size, "api"] = load.Call(
            "GET", f"/api/projects/{pk}/board/", headers={"Authorization": headers["api"]}
        )
    return made


def _request(conn: http.client.HTTPConnection, call: load.Call) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn.request(call.method, call.path, headers=call.headers)
    response = conn.getresponse()
    body = response.read()
    return time.perf_counter() - started, response.status, body


def check(sizes: list[int], bodies: dict[int, bytes]) -> None:
    """The API's column counts add up to each project's size (the seed placed every
    task), so a size that measured an empty board cannot pass unnoticed."""
    for size in sizes:
        board = json.loads(bodies[size])
        total = sum(column["count"] for column in board["columns"])
        if total != size:
            raise RuntimeError(f"the {size:,}-task board counts {total:,} tasks")


def rounds_order(sizes: list[int], round_: int) -> list[int]:
    """Round-robin, starting one size later each round (no size is always first)."""
    start = round_ % len(sizes)
    return sizes[start:] + sizes[:start]


def measure(args: argparse.Namespace) -> None:
    sizes = sorted(args.sizes)
    with stack(db=args.db, use_redis=not args.no_redis) as stack_:
        projects, headers, seeded = seed(sizes)
        if stack_.postgres:
            # Fresh planner statistics, as autovacuum gives a long-lived database (stale
            # ones from just after the bulk insert make PostgreSQL sort whole columns).
            stack_.postgres.psql("VACUUM ANALYZE")
        all_calls = calls(projects, headers)
        series = {key: Series() for key in all_calls}
        with harness.gunicorn(stack_.env, workers=args.workers, threads=1) as server:
            parts = urlsplit(server.url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            api_bodies = {}
            for _ in range(args.warmup):
                for key, call in all_calls.items():
                    _, status, body = _request(conn, call)
                    if status != 200:
                        raise RuntimeError(f"{call.path} answered HTTP {status}")
                    if key[1] == "api":
                        api_bodies[key[0]] = body
            check(sizes, api_bodies)
            for round_ in range(args.rounds):
                for size in rounds_order(sizes, round_):
                    for kind in KINDS if round_ % 2 == 0 else KINDS[::-1]:
                        seconds, status, body = _request(conn, all_calls[size, kind])
                        entry = series[size, kind]
                        entry.latencies.append(seconds)
                        entry.bytes = len(body)
                        entry.errors += status != 200
            conn.close()
        description = stack_.description
    text, raw = render(args, description, sizes, series, seeded)
    report.publish(f"board-{args.db}", text, raw, write=args.write)


def render(
    args: argparse.Namespace,
    description: str,
    sizes: list[int],
    series: dict[tuple[int, str], Series],
    seeded: float,
) -> tuple[str, dict[str, Any]]:
    rows, raw = [], {"sizes": sizes, "seed_s": seeded, "results": {}}
    base = sizes[0]
    verdicts = []
    for kind in KINDS:
        for size in sizes:
            entry = series[size, kind]
            p50, p95 = entry.percentile(0.5), entry.percentile(0.95)
            ratio50 = p50 / series[base, kind].percentile(0.5)
            ratio95 = p95 / series[base, kind].percentile(0.95)
            rows.append(
                [
                    LABELS[kind],
                    f"{size:,}",
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{ratio50:.2f} / {ratio95:.2f}",
                    f"{entry.bytes / 1024:.1f}",
                    entry.errors,
                ]
            )
            raw["results"][f"{kind}:{size}"] = {
                "p50_ms": p50,
                "p95_ms": p95,
                "ratio_p50": ratio50,
                "ratio_p95": ratio95,
                "bytes": entry.bytes,
                "errors": entry.errors,
                "requests": len(entry.latencies),
            }
        top = series[sizes[-1], kind].percentile(0.5) / series[base, kind].percentile(0.5)
        met = "met" if top <= TARGET_RATIO else "**not met**"
        verdicts.append(
            f"{LABELS[kind]}: p50 at {sizes[-1]:,} tasks is {top:.2f}x that at {base:,} "
            f"(target ≤ {TARGET_RATIO}x: {met})"
        )
    heaviest = max(series[size, "page"].bytes for size in sizes)
    verdicts.append(
        f"page weight: at most {heaviest / 1024:.1f} KB (uncompressed) "
        f"(target < {PAGE_MAX_BYTES // 1024} KB: "
        f"{'met' if heaviest < PAGE_MAX_BYTES else '**not met**'})"
    )
    text = (
        f"### Board by project size ({description.split(',')[0]})\n\n"
        + report.header()
        + f"\nStack: gunicorn (deploy/gunicorn.conf.py), {args.workers} gthread worker(s) x "
        f"1 thread; {description}. One project per size (one owner, the default three "
        f"columns, about half the cards with an assignee and tags; seeded in {seeded:.0f} s). "
        f"{args.rounds} rounds, each one page and one API request per size, sizes "
        "round-robin (interleaved, so background load hits every size alike), one request "
        "at a time over a keep-alive connection, signed in (session for the page, JWT for "
        "the API), default 20 cards per column. Ratio = this size's p50 / p95 over the "
        f"{base:,}-task board's, within the run.\n\n"
        + report.table(
            ["request", "tasks", "p50 ms", "p95 ms", "ratio p50 / p95", "KB", "errors"], rows
        )
        + "\n"
        + "\n".join(f"- {line}" for line in verdicts)
        + "\n"
        + (f"\n{args.note.strip()}\n" if args.note.strip() else "")
    )
    raw["verdicts"] = verdicts
    return text, raw


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument(
        "--sizes",
        type=positive,
        nargs="+",
        default=list(SIZES),
        metavar="N",
        help="tasks per board; the smallest is the base of the ratios",
    )
    parser.add_argument("--rounds", type=positive, default=60, help="requests per size and kind")
    parser.add_argument("--warmup", type=positive, default=3, help="unmeasured rounds first")
    parser.add_argument("--workers", type=positive, default=1)
    parser.add_argument(
        "--note", default="", help="a sentence for the report (e.g. what else the machine ran)"
    )
    parser.set_defaults(run=measure)
