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
from dataclasses import dataclass
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


@dataclass
class Run:
    """One worker serving the mix: (requests served, RSS in MB) samples."""

    samples: list[tuple[int, float]]
    errors: int
    elapsed_s: float

    @property
    def final(self) -> float:
        return self.samples[-1][1]

    @property
    def growth(self) -> float:
        """Change over the second half of the run."""
        return self.final - self.samples[len(self.samples) // 2][1]

    @property
    def met(self) -> bool:
        return self.final < RSS_TARGET_MB and self.growth < 2.0


def serve_mix(
    st: harness.Stack, calls: list[load.Call], args: argparse.Namespace, python: str | Path
) -> Run:
    """One worker of 4 threads, recycling off (GUNICORN_MAX_REQUESTS=0: a leak must
    show, not be restarted away), sampled every ``requests / samples`` requests."""
    samples: list[tuple[int, float]] = []
    errors = 0
    with harness.gunicorn(st.env, workers=1, max_requests=0, python=python) as server:
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
    return Run(samples, errors, elapsed)


def measure(args: argparse.Namespace) -> None:
    with stack(db=args.db, use_redis=not args.no_redis) as st:
        imports = [_import_seconds(st.env) for _ in range(args.cold_starts)]
        boots = []
        for _ in range(args.cold_starts):
            with harness.gunicorn(st.env, workers=1) as server:
                # CPU of master + worker up to now: the boot plus one /healthz.
                boots.append((server.ready_after_s, harness.cpu_seconds(server.pids())))
        calls = mix(st.env)
        dev = serve_mix(st, calls, args, sys.executable)
        prod = None
        if not args.no_production:
            prod = serve_mix(st, calls, args, harness.production_python())
        text, raw = _render(args, st.description, imports, boots, dev, prod)
    report.publish("memory", text, raw, write=args.write)


def _render(args, stack_desc, imports, boots, dev: Run, prod: Run | None) -> tuple[str, dict]:
    cold = statistics.median(b[0] for b in boots)
    cold_cpu = statistics.median(b[1] for b in boots)
    import_wall = statistics.median(i[0] for i in imports)
    import_cpu = statistics.median(i[1] for i in imports)
    load1 = os.getloadavg()[0]
    step = max(1, len(dev.samples) // 10)
    shown = sorted({*range(0, len(dev.samples), step), len(dev.samples) - 1})
    header = ["requests served", "worker RSS (MB), this venv"]
    if prod:
        header.append("worker RSS (MB), production install")
    rows = [
        [dev.samples[i][0], f"{dev.samples[i][1]:.1f}"]
        + ([f"{prod.samples[i][1]:.1f}"] if prod else [])
        for i in shown
    ]

    def verdict(run: Run) -> str:
        return (
            f"**{run.final:.1f} MB** (target < {RSS_TARGET_MB} MB); change over the second "
            f"half of the run: {run.growth:+.1f} MB ({'met' if run.met else '**not met**'})"
        )

    production = (
        f"- The same worker from a production install (requirements.txt only, as the "
        f"image's; `{harness.PRODUCTION_VENV.relative_to(harness.ROOT)}`), after "
        f"{prod.samples[-1][0]:,} requests in {prod.elapsed_s:.0f} s, {prod.errors} errors: "
        f"{verdict(prod)}.\n"
        if prod
        else ""
    )
    text = (
        "### Worker memory and cold start\n\n"
        + report.header()
        + f"\nStack: gunicorn (deploy/gunicorn.conf.py), 1 gthread worker x 4 threads, "
        f"worker recycling off, the app's bytecode compiled (as in the image); {stack_desc}. "
        "Mix: task list (plain and filtered), stats, task detail, floor, and one create "
        f"in eleven requests; {dev.samples[-1][0]:,} requests in {dev.elapsed_s:.0f} s, "
        f"{dev.errors} errors.\n\n"
        + report.table(header, rows)
        + f"\n- Worker RSS after {dev.samples[-1][0]:,} requests, this venv (with the "
        f"development packages that libraries import when they find them): {verdict(dev)}.\n"
        + production
        + f"- gunicorn start to first 200 on /healthz: median **{cold:.2f} s** wall, "
        f"{cold_cpu:.2f} s CPU (master + worker) over {len(boots)} starts (target < "
        f"{COLD_TARGET_S:g} s: {'met' if cold < COLD_TARGET_S else '**not met**'} on wall "
        f"time, {'met' if cold_cpu < COLD_TARGET_S else '**not met**'} on CPU time).\n"
        f"- `import taskflow.wsgi` (settings, apps, middleware) in a fresh interpreter: "
        f"median {import_wall:.2f} s wall, {import_cpu:.2f} s CPU.\n"
        f"- Load average (1 min) at the end: {load1:.1f} on {os.cpu_count()} CPUs; wall "
        "times above stretch with it, CPU times much less.\n"
    )
    raw = {
        "rss_samples": dev.samples,
        "production_rss_samples": prod.samples if prod else None,
        "boots_s": boots,
        "imports_s": imports,
        "errors": dev.errors + (prod.errors if prod else 0),
    }
    return text, raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20, help="RSS samples over the run")
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.add_argument(
        "--no-production",
        action="store_true",
        help="skip the second worker, from a production install (built on first use)",
    )
    parser.set_defaults(run=measure)
