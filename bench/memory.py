"""Worker memory and cold start: gunicorn worker RSS sampled while it serves a mix of
API requests (target: under 120 MB after 10,000 requests and not growing), the time
from launching gunicorn to the first 200 on /healthz and the import time of the WSGI
application (target: under 2 s)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import harness, load, report
from bench.harness import stack

RSS_TARGET_MB = 120
COLD_TARGET_S = 2.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _import_seconds(env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of importing the WSGI app in a fresh interpreter. CPU time
    is what the app costs; wall time adds whatever else the machine is doing."""
    code = (
        "import time; w, c = time.perf_counter(), time.process_time(); "
        "import taskflow.wsgi; "
        "print(time.perf_counter() - w, time.process_time() - c)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=harness.ROOT, env=env, capture_output=True, text=True
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def mix(stack_env: dict[str, str]) -> list[load.Call]:
    """The request mix of the memory and capacity benches (one write in eleven)."""
    from accounts.tokens import issue_tokens
    from bench.seed import bench_user
    from tasks.selectors import visible_tasks

    user, _ = bench_user("memory", 500)
    bearer = {"Authorization": f"Bearer {issue_tokens(user)['access']}"}
    task_id = visible_tasks(user).values_list("pk", flat=True).first()
    body = json.dumps({"title": "Memory bench", "tags": ["a", "b"]}).encode()
    get = [
        load.Call("GET", "/api/tasks/", headers=bearer),
        load.Call("GET", "/api/tasks/?status=todo&ordering=-due_date", headers=bearer),
        load.Call("GET", "/api/tasks/stats/", headers=bearer),
        load.Call("GET", f"/api/tasks/{task_id}/", headers=bearer),
        load.Call("GET", "/bench/floor"),
    ]
    post = load.Call(
        "POST",
        "/api/tasks/",
        body=body,
        headers={**bearer, "Content-Type": "application/json"},
        expect=201,
    )
    return [*get, *get, post]  # about one write in eleven requests


def measure(args: argparse.Namespace) -> None:
    with stack(db=args.db, use_redis=not args.no_redis) as st:
        imports = [_import_seconds(st.env) for _ in range(args.cold_starts)]
        boots = []
        for _ in range(args.cold_starts):
            with harness.gunicorn(st.env, workers=1) as server:
                # CPU of master + worker up to now: the boot plus one /healthz.
                boots.append((server.ready_after_s, harness.cpu_seconds(server.pids())))
        calls = mix(st.env)
        samples: list[tuple[int, float]] = []
        errors = 0
        # No recycling (GUNICORN_MAX_REQUESTS=0): a leak must show, not be restarted away.
        with harness.gunicorn(st.env, workers=1, max_requests=0) as server:
            (worker,) = server.worker_pids()
            samples.append((0, rss_mb(worker)))
            chunk = max(1, args.requests // args.samples)
            started = time.monotonic()
            for i in range(args.samples):
                result = load.run(
                    server.url,
                    lambda n: calls[n % len(calls)],
                    concurrency=2,
                    total=chunk,
                )
                errors += result.errors
                samples.append(((i + 1) * chunk, rss_mb(worker)))
            elapsed = time.monotonic() - started
        text, raw = _render(args, st.description, imports, boots, samples, errors, elapsed)
    report.publish("memory", text, raw, write=args.write)


def _render(args, stack_desc, imports, boots, samples, errors, elapsed) -> tuple[str, dict]:
    final = samples[-1][1]
    half = samples[len(samples) // 2][1]
    growth = final - half
    rss_ok = final < RSS_TARGET_MB and growth < 2.0
    cold = statistics.median(b[0] for b in boots)
    cold_cpu = statistics.median(b[1] for b in boots)
    import_wall = statistics.median(i[0] for i in imports)
    import_cpu = statistics.median(i[1] for i in imports)
    load1 = os.getloadavg()[0]
    rows = [[n, f"{mb:.1f}"] for n, mb in [*samples[:: max(1, len(samples) // 10)], samples[-1]]]
    rows = [row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]]
    text = (
        "### Worker memory and cold start\n\n"
        + report.header()
        + f"\nStack: gunicorn (deploy/gunicorn.conf.py), 1 gthread worker x 4 threads, "
        f"worker recycling off; {stack_desc}. Mix: task list (plain and "
        "filtered), stats, task detail, floor, and one create in eleven requests; "
        f"{samples[-1][0]:,} requests in {elapsed:.0f} s, {errors} errors.\n\n"
        + report.table(["requests served", "worker RSS (MB)"], rows)
        + f"\n- Worker RSS after {samples[-1][0]:,} requests: **{final:.1f} MB** "
        f"(target < {RSS_TARGET_MB} MB); change over the second half of the run: "
        f"{growth:+.1f} MB ({'met' if rss_ok else '**not met**'}).\n"
        f"- gunicorn start to first 200 on /healthz: median **{cold:.2f} s** wall, "
        f"{cold_cpu:.2f} s CPU (master + worker) over {len(boots)} starts (target < "
        f"{COLD_TARGET_S:g} s: {'met' if cold < COLD_TARGET_S else '**not met**'} on wall "
        f"time, {'met' if cold_cpu < COLD_TARGET_S else '**not met**'} on CPU time).\n"
        f"- `import taskflow.wsgi` (settings, apps, middleware) in a fresh interpreter: "
        f"median {import_wall:.2f} s wall, {import_cpu:.2f} s CPU.\n"
        f"- Load average (1 min) at the end: {load1:.1f} on {os.cpu_count()} CPUs; wall "
        "times above stretch with it, CPU times much less.\n"
    )
    raw = {"rss_samples": samples, "boots_s": boots, "imports_s": imports, "errors": errors}
    return text, raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20, help="RSS samples over the run")
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.set_defaults(run=measure)
