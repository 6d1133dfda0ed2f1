"""Where a request's time goes: cProfile over many in-process requests (PostgreSQL
and Redis as in production), grouped into the stages of a request. Shares, not
absolute times: the profiler slows Python code down evenly, not the database."""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
from typing import Any

from bench import report
from bench.harness import stack

# (label, file suffix, function name): each stage's cumulative time.
STAGES = [
    ("whole request (test client)", "django/test/client.py", "request"),
    ("DRF view (dispatch)", "rest_framework/views.py", "dispatch"),
    ("authentication: JWT, user row, revocation", "rest_framework/request.py", "_authenticate"),
    ("throttling", "rest_framework/views.py", "check_throttles"),
    ("filters: django-filter form", "django_filters/filterset.py", "is_valid"),
    ("page query: ORM + database", "tasks/pagination.py", "paginate"),
    ("serializer: task output", "tasks/serializers.py", "task_representation"),
    ("stats: cache lookups", "tasks/stats_cache.py", "get_or_compute"),
    ("input validation (DRF)", "rest_framework/serializers.py", "is_valid"),
    ("service write: insert and tags", "tasks/services.py", "task_create"),
    ("write path: task_written", "tasks/events.py", "task_written"),
    ("response rendering (JSON)", "rest_framework/response.py", "rendered_content"),
    ("HTML template rendering", "django/template/base.py", "render"),
]
PATHS = ["/api/tasks/", "/api/tasks/?search=task", "/api/tasks/stats/", "POST /api/tasks/"]
PATHS += ["/tasks/", "/tasks/?search=invoice", "/bench/floor"]
CREATE_BODY = json.dumps({"title": "A task from the profile"})


def _shares(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # {(file, line, func): (cc, nc, tt, ct, callers)}
    seconds: dict[str, float] = {}
    for label, suffix, func in STAGES:
        matches = [
            row[3]
            for (file, _, name), row in stats.items()
            if file.endswith(suffix) and name == func
        ]
        seconds[label] = max(matches, default=0.0)
    total = seconds[STAGES[0][0]] or 1.0
    return {label: value / total for label, value in seconds.items()}


def measure(args: argparse.Namespace) -> None:
    with stack(db="postgres", use_redis=True):
        from django.test import Client

        from accounts.tokens import issue_tokens
        from bench.seed import bench_user

        user, _ = bench_user("profile", 200)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}")
        client.force_login(user)
        results: dict[str, Any] = {}
        for path in PATHS:
            method, _, url = path.rpartition(" ")

            def send(url: str = url, method: str = method) -> None:
                if method == "POST":
                    client.post(url, CREATE_BODY, content_type="application/json")
                else:
                    client.get(url)

            for _ in range(20):  # warm caches and connections
                send()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                send()
            profile.disable()
            results[path] = _shares(profile)
    labels = [label for label, _, _ in STAGES[1:]]
    rows = [
        [label, *(f"{results[p][label]:.0%}" if results[p][label] else "-" for p in PATHS)]
        for label in labels
    ]
    text = (
        "### Where the time of a request goes\n\n"
        + report.header()
        + f"\ncProfile over {args.requests} in-process requests per path (PostgreSQL, Redis, "
        "JWT for the API, a session for the page); share of the whole request handled by "
        "Django's test client. Stages overlap (the DRF view contains the others).\n\n"
        + report.table(["stage", *(f"`{p}`" for p in PATHS)], rows)
    )
    report.publish("profile", text, results, write=args.write)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=200)
    parser.set_defaults(run=measure)
