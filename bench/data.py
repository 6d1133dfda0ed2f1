"""Cost against data: list pages, deep cursor pages and uncached stats for users with
1k, 10k and 100k tasks in a database of 1M tasks (PostgreSQL), with query counts and
EXPLAIN ANALYZE plans; and a project's pages (its task list, HTML and API, first and
deep page; its board, HTML and API) for projects of 1,000 and 20,000 tasks with 50
members each, read by a member who is not the owner. Requests go through the whole
Django stack in-process (test Client), so the figures are the server's time without
network or client noise."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import stack
from devservers import PostgresServer

CASES = {
    "first page": "",
    "status=todo": "status=todo",
    "search": "search={word}",
    "ordering=-due_date": "ordering=-due_date",
    "deep cursor (90%)": "cursor={cursor}",
    "stats (uncached)": "stats",
}
LIST_CASES = ("first page", "status=todo", "deep cursor (90%)")
TARGET_GROWTH = 1.5
# A project's pages, read by one of its members (not the owner); all held to the
# growth target, as the board benchmark's 1.5x (issue 12) and the lists' (issue 15).
PROJECT_CASES = {
    "project list, first page (API)": "/api/tasks/?project={pk}",
    "project list, deep cursor (90%) (API)": "/api/tasks/?project={pk}&cursor={cursor}",
    "project task list page (HTML)": "/projects/{pk}/",
    "board (API)": "/api/projects/{pk}/board/",
    "board page (HTML)": "/projects/{pk}/board/",
}


def _seed(
    sizes: list[int], total: int, per_filler: int, projects: list[int], members: int
) -> dict[str, Any]:
    from accounts.models import User
    from bench import seed
    from tasks.models import Task

    started = time.monotonic()
    for size in sizes:
        seed.bench_user(f"size{size}-", size)
    for size in projects:
        seed.shared_project(f"project{size}-", size, members)
    have = Task.objects.count()
    fillers = max(0, total - have)
    if fillers:
        count = -(-fillers // per_filler)
        prefix = f"filler{User.objects.count()}-"
        users = seed.make_users(count, prefix)
        for i, user in enumerate(users):
            seed.make_tasks(user.pk, min(per_filler, fillers - i * per_filler))
    return {"tasks": Task.objects.count(), "seconds": time.monotonic() - started}


def _analyze(pg: PostgresServer) -> None:
    # Fresh planner statistics, as autovacuum would give a long-lived database.
    pg.psql("VACUUM ANALYZE")


def _deep_cursor(user: Any, depth: float = 0.9, project_id: str | None = None) -> str:
    from tasks import pagination
    from tasks.selectors import visible_tasks

    qs = visible_tasks(user).order_by("-created_at", "-id")
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    row = qs[int(qs.count() * depth)]
    return pagination.cursor_for("-created_at", row)


def _path(case: str, user: Any, cursor: str) -> str:
    from bench.seed import RARE_WORD

    query = CASES[case].format(word=RARE_WORD, cursor=cursor)
    return "/api/tasks/stats/" if query == "stats" else f"/api/tasks/?{query}"


def _queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: connection, caches of the planner and of Django
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{path} did not answer 200")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    # Read now: the next request resets the connection's query log.
    return len(captured.captured_queries)


def _project_targets(size: int, members: int) -> dict[str, tuple[Any, str]]:
    """Each project case's (client, path) for the member of the ``size``-task project."""
    from django.test import Client

    from accounts.tokens import issue_tokens
    from bench import seed

    project, member = seed.shared_project(f"project{size}-", size, members)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(member)['access']}")
    browser = Client()
    browser.force_login(member)
    cursor = _deep_cursor(member, project_id=project.pk)
    return {
        case: (browser if "HTML" in case else api, path.format(pk=project.pk, cursor=cursor))
        for case, path in PROJECT_CASES.items()
    }


def _timings(targets: dict[tuple[str, str], tuple[Any, str]], repeat: int) -> dict:
    """p50 wall time (ms) of each target, sampled round-robin: the load other processes
    put on a shared machine then falls on every size and case alike."""
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in targets}
    for _ in range(repeat):
        for key, (client, path) in targets.items():
            started = time.perf_counter()
            client.get(path)
            samples[key].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def page_statement(client: Any, path: str) -> str:
    """The SQL of the page query that a request for ``path`` sends: the last statement
    that reads tasks with a LIMIT (after the warm-up of ``_queries``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{path} did not answer 200")
    pages = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "tasks_task"' in query["sql"] and " LIMIT " in query["sql"]
    ]
    if not pages:
        raise RuntimeError(f"{path}: no page query among {len(captured)} statements")
    return pages[-1]


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _plans(client: Any, user: Any, cursor: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of the statement each list request sends (captured from the
    request, so the plan is the one the app runs), and of two pages as
    tasks.pagination built them before it was tuned."""
    from django.db.models import F, Q

    from tasks import pagination
    from tasks.selectors import visible_tasks

    cases = ("first page", "status=todo", "search", "deep cursor (90%)", "ordering=-due_date")
    plans = {case: _explain(page_statement(client, _path(case, user, cursor))) for case in cases}
    # The same two pages as tasks.pagination built them before it was tuned, to show
    # what the tuning changed (and what a regression would look like).
    before_order = [F("created_at").desc(nulls_last=True), "-pk"]
    plans["first page, before tuning (DESC NULLS LAST)"] = (
        visible_tasks(user).order_by(*before_order)[:21].explain(analyze=True)
    )
    value, pk, _ = pagination.decode_cursor(cursor, "-created_at")
    before_beyond = Q(created_at__lt=value) | Q(created_at=value, pk__lt=pk)
    before_deep = pagination.page_queryset(visible_tasks(user).filter(before_beyond), "-created_at")
    plans["deep cursor, before tuning (OR without a bound)"] = before_deep[:21].explain(
        analyze=True
    )
    return plans


def measure(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    pg_data = Path(args.pg_data).resolve() if args.pg_data else None
    with stack(db="postgres", use_redis=False, pg_data=pg_data, STATS_CACHE_TTL="0") as st:
        from django.test import Client

        from accounts.models import User
        from accounts.tokens import issue_tokens

        projects = [int(s) for s in args.project_sizes.split(",") if s]
        seeded = _seed(sizes, args.total, args.filler_tasks, projects, args.project_members)
        _analyze(st.postgres)
        targets, queries = {}, {}
        for size in projects:
            for case, (client, path) in _project_targets(size, args.project_members).items():
                targets[f"project {size}", case] = (client, path)
                queries[f"project {size}", case] = _queries(client, path)
        plans: dict[str, str] = {}
        for size in sizes:
            user = User.objects.get(email=f"size{size}-0@bench.example")
            client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
            cursor = _deep_cursor(user)
            for case in CASES:
                path = _path(case, user, cursor)
                targets[str(size), case] = (client, path)
                queries[str(size), case] = _queries(client, path)
            if size == max(sizes):
                plans = _plans(client, user, cursor)
        p50 = _timings(targets, args.repeat)
        results = {
            str(size): {case: (p50[str(size), case], queries[str(size), case]) for case in CASES}
            for size in sizes
        }
        project_results = {
            str(size): {
                case: (p50[key], queries[key])
                for case in PROJECT_CASES
                for key in [(f"project {size}", case)]
            }
            for size in projects
        }
    text = _render(args, sizes, seeded, results, plans)
    if projects:
        text += _render_projects(args, projects, project_results)
    raw = {"seeded": seeded, "results": results, "projects": project_results, "plans": plans}
    report.publish("data", text, raw, write=args.write)


def _render(args, sizes, seeded, results, plans) -> str:
    small, large = str(min(sizes)), str(max(sizes))
    rows = []
    for case in CASES:
        cells = [f"{results[str(s)][case][0]:.1f}" for s in sizes]
        growth = results[large][case][0] / results[small][case][0]
        verdict = ""
        if case in LIST_CASES:
            verdict = "met" if growth <= TARGET_GROWTH else "**not met**"
            verdict = f" (≤ {TARGET_GROWTH}, {verdict})"
        queries = sorted({results[str(s)][case][1] for s in sizes})
        rows.append([case, *cells, f"{growth:.2f}x{verdict}", "/".join(map(str, queries))])
    plan_text = "\n".join(
        f"\n`{case}`, {int(large):,} tasks:\n\n```\n{plan}\n```" for case, plan in plans.items()
    )
    return (
        "### Cost against data\n\n"
        + report.header()
        + f"\nDatabase: PostgreSQL {PostgresServer.version()}, {seeded['tasks']:,} tasks in "
        "total (filler users "
        f"with {args.filler_tasks:,} tasks each), stats cache off (STATS_CACHE_TTL=0); "
        f"p50 of {args.repeat} requests through the full Django stack in-process "
        "(JWT auth included), milliseconds.\n\n"
        + report.table(
            ["request", *[f"{s:,} tasks" for s in sizes], f"{large}/{small}", "queries"], rows
        )
        + "\nQuery plans (EXPLAIN ANALYZE of the page query each request sends, captured from it; "
        'the two "before tuning" plans are of the queries built before `tasks/pagination.py` '
        "was tuned):\n" + plan_text + "\n"
    )


def _render_projects(args, sizes: list[int], results: dict) -> str:
    small, large = str(min(sizes)), str(max(sizes))
    rows = []
    for case in PROJECT_CASES:
        cells = [f"{results[str(s)][case][0]:.1f}" for s in sizes]
        growth = results[large][case][0] / results[small][case][0]
        verdict = "met" if growth <= TARGET_GROWTH else "**not met**"
        queries = sorted({results[str(s)][case][1] for s in sizes})
        rows.append(
            [
                case,
                *cells,
                f"{growth:.2f}x (≤ {TARGET_GROWTH}, {verdict})",
                "/".join(map(str, queries)),
            ]
        )
    return (
        "\n#### A project's pages against its size\n\n"
        f"The same database and run: one project per size with {args.project_members} "
        "members (the owner and editors who joined through the invitation services), its "
        "tasks spread over the members and placed on its board, about half with an "
        "assignee and tags (bench.seed.shared_project); read by an editor, not the owner "
        "(JWT for the API, a session for the pages); p50 ms, sampled round-robin with "
        "the table above.\n\n"
        + report.table(
            ["request", *[f"{s:,} tasks" for s in sizes], f"{large}/{small}", "queries"], rows
        )
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000,10000,100000", help="tasks of each measured user")
    parser.add_argument("--total", type=int, default=1_000_000, help="tasks in the database")
    parser.add_argument("--filler-tasks", type=int, default=1000, help="tasks per filler user")
    parser.add_argument(
        "--project-sizes", default="1000,20000", help="tasks of each measured project ('' for none)"
    )
    parser.add_argument("--project-members", type=int, default=50, help="members of each project")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pg-data", help="keep the seeded cluster here and reuse it next time")
    parser.set_defaults(run=measure)
