"""How far could the two fixed-cost targets that stay unmet move? The HTML list needs
0.30 of the floor's throughput and reads 0.12-0.17; the create needs 0.30 and reads
0.10-0.18. Each ceiling serves the request with a whole part of its work costing
nothing, on a second gunicorn beside the app as built. Both servers are measured in
interleaved slices against their own floor, as ``bench.ratios`` measures:

- HTML list, "page around the rows free": each worker renders the page once. Later
  requests run the view as built (the page query, the total, the projects), then render
  only the rows (``tasks.templatetags.task_rows.render_rows``, as the page does) and
  splice them into the first page's markup. No template engine can beat this: every
  template node outside the rows costs nothing, and so do the context processors'
  reads.
- create, "write path free": ``tasks.events.task_written`` does nothing (no counters,
  no activity row, no stats cache bump, no hooks). What is left is the authentication,
  the input validation, the placement and the INSERTs.

Neither ceiling is a way to run the app: the first serves a stale page and the second
loses the create's bookkeeping. They bound what any change to those parts could give.
Before measuring, the ceiling's list page is checked against the built one: the same
bytes once the CSRF tokens are masked.

docs/performance.md, "Round 29 (issue 15)". Run: ``python -m bench ceilings
[--rounds 3] [--seconds 2]`` (~1.5 minutes; not in ``make bench``)."""

from __future__ import annotations

import argparse
import contextlib
import re
import urllib.request
from typing import Any

from bench import harness, load, ratios, report
from bench.harness import stack

# The environment variable that makes a worker serve a ceiling (read by bench.urls).
SWITCH = "BENCH_CEILING"
KINDS = {"html_list": "page around the rows free", "create": "write path free"}
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def install(kind: str) -> None:
    """Turn this worker into ``kind``'s ceiling (called by bench.urls at import)."""
    if kind == "html_list":
        _free_page_around_rows()
    elif kind == "create":
        _free_write_path()
    else:
        raise ValueError(f"{SWITCH}={kind!r}: expected one of {', '.join(KINDS)}")


def _free_page_around_rows() -> None:
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    import tasks.views
    from tasks.templatetags.task_rows import render_rows

    built = tasks.views.render
    shells: dict[str, tuple[str, str]] = {}

    def render(request: Any, template_name: str, context: Any = None, *args: Any, **kwargs: Any):
        if template_name != "tasks/list.html" or request.GET or not (context or {}).get("tasks"):
            return built(request, template_name, context, *args, **kwargs)
        if template_name not in shells:
            page = built(request, template_name, context, *args, **kwargs).content.decode()
            start, end = page.index("<tbody>") + len("<tbody>"), page.index("</tbody>")
            shells[template_name] = (page[:start], page[end:])
        head, tail = shells[template_name]
        rows = render_rows(
            context["tasks"],
            csrf_token=get_token(request),
            current_url=context["current_url"],
            tag_query="",
            user=request.user,
            show_project=context.get("scope") != "project",
        )
        # The template's line breaks around {% task_rows %}: "<tbody>…\n  ", "\n  </tbody>".
        return HttpResponse(f"{head}\n  {rows}\n  {tail}")

    tasks.views.render = render


def _free_write_path() -> None:
    import tasks.events

    def task_written(**kwargs: Any) -> None:
        return None

    tasks.events.task_written = task_written


def masked(page: str) -> str:
    """``page`` with its CSRF tokens masked (each response carries fresh ones)."""
    return _TOKEN.sub(r"\1…\2", page)


def _fetch(base: str, call: load.Call) -> str:
    request = urllib.request.Request(base + call.path, headers=call.headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return masked(response.read().decode())


def measure(args: argparse.Namespace) -> None:
    with stack(db="postgres", use_redis=True) as stack_, contextlib.ExitStack() as servers:
        calls = ratios.calls(stack_, ["floor", *KINDS])
        stack_.postgres.psql("VACUUM ANALYZE")
        built = {name: value for name, value in stack_.env.items() if name != SWITCH}
        serve = {"as built": servers.enter_context(harness.gunicorn(built, max_requests=0))}
        for kind in KINDS:
            env = {**stack_.env, SWITCH: kind}
            serve[kind] = servers.enter_context(harness.gunicorn(env, max_requests=0))
        # Before any create: the pages must be the same, the spliced ones included (each
        # worker renders its first page whole).
        built_page = _fetch(serve["as built"].url, calls["html_list"])
        for _ in range(6):
            if _fetch(serve["html_list"].url, calls["html_list"]) != built_page:
                raise SystemExit("the ceiling's list page differs from the built one")
        for name in ("as built", *KINDS):
            for side in ("floor", *KINDS):
                load.run(serve[name].url, lambda _, c=calls[side]: c, duration=1, concurrency=2)
        tallies: dict[tuple[str, str, str], ratios.Tally] = {}
        backends = stack_.backend_pid_finders()
        described = stack_.description
        for round_ in range(args.rounds):
            for kind in KINDS:
                arms = ["as built", kind] if round_ % 2 == 0 else [kind, "as built"]
                for arm in arms:
                    server = serve[arm]
                    tiers = {"app": server.worker_pids, **backends}
                    sides = ["floor", kind] if round_ % 2 == 0 else [kind, "floor"]
                    for side in sides:
                        result, cpu = ratios.timed_slice(server, tiers, calls[side], args)
                        key = (kind, "as built" if arm == "as built" else "ceiling", side)
                        tallies.setdefault(key, ratios.Tally()).add(result, cpu)
    rows = []
    for kind, label in KINDS.items():
        for arm in ("as built", "ceiling"):
            floor, it = tallies[(kind, arm, "floor")], tallies[(kind, arm, kind)]
            ratio = it.result.rps / floor.result.rps
            cpu_ratio = floor.cpu_total_ms() / max(it.cpu_total_ms(), 1e-9)
            rows.append(
                [
                    ratios.LABELS[kind],
                    arm if arm == "as built" else label,
                    f"{ratio:.2f}",
                    f"{cpu_ratio:.2f}",
                    f"{it.cpu_ms('app'):.2f}",
                    f"{it.cpu_ms('postgres'):.2f}",
                    f"{floor.cpu_ms('app'):.2f}",
                    f"{it.result.error_rate:.2%}",
                ]
            )
    text = (
        "### Ceilings of the fixed-cost targets\n\n"
        + report.header()
        + "\nBounds, not ways to run the app (bench/ceilings.py): each ceiling is a second "
        "gunicorn (production config, 2 workers x 4 threads) that serves the request with "
        'a whole part of its work costing nothing. "Page around the rows free": the '
        "view runs as built, then only its rows are rendered, into the markup of the "
        "worker's first page (checked equal to the built page before the run). \"Write "
        'path free": `tasks.events.task_written` does nothing (no counters, activity '
        f"row, stats cache bump or hooks). {described}; "
        f"{args.rounds} rounds of interleaved {args.seconds:g} s slices, "
        f"{args.concurrency} client threads; each arm against its own server's floor.\n\n"
        + report.table(
            [
                "request",
                "arm",
                "ratio to floor",
                "CPU ratio",
                "app CPU ms/req",
                "PostgreSQL CPU ms/req",
                "floor app CPU ms/req",
                "errors",
            ],
            rows,
        )
    )
    report.publish("ceilings", text, {"rows": rows}, write=args.write)


def _positive(text: str, kind: type = int) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=_positive, default=3)
    parser.add_argument(
        "--seconds",
        type=lambda text: _positive(text, float),
        default=2.0,
        help="length of one slice",
    )
    parser.add_argument("--concurrency", type=_positive, default=4)
    parser.set_defaults(run=measure)
