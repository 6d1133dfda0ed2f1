"""What every benchmark shares: the servers (started by the devservers toolkit, the
same code as the tests and `make cluster`), the environment of the Django processes,
Django set up in-process for seeding, and per-process CPU accounting.

``stack()`` is the database (PostgreSQL or SQLite) and Redis, migrated, with Django
set up in this process against the same database the servers use; ``gunicorn()`` and
``nginx()`` are the app tier in front of it.
"""

from __future__ import annotations

import compileall
import contextlib
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil

from devservers import Gunicorn, Nginx, PostgresServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOGS = ROOT / "var" / "bench" / "logs"
Arm = TypeVar("Arm")


def django_env(database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of every Django process a benchmark starts."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskflow.settings",
        "ROOT_URLCONF": "bench.urls",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # Limits stay switched on (their cost is part of every request) but high
        # enough that one load generator on 127.0.0.1 is never refused.
        "LOGIN_RATE": "1000000/m",
        "API_USER_RATE": "1000000/min",
    }
    env.update(extra)
    return env


@dataclass
class Stack:
    env: dict[str, str]
    postgres: PostgresServer | None
    redis: RedisServer | None

    @property
    def description(self) -> str:
        db = f"PostgreSQL {PostgresServer.version()}" if self.postgres else "SQLite"
        return f"{db}, {'Redis' if self.redis else 'in-process cache'}"

    def backend_pid_finders(self) -> dict[str, Callable[[], list[int]]]:
        finders = {}
        if self.postgres:
            finders["postgres"] = self.postgres.pids
        if self.redis:
            finders["redis"] = self.redis.pids
        return finders


_configured = False


def django_setup(env: dict[str, str]) -> None:
    """Set Django up once in this process with the servers' environment."""
    global _configured
    if _configured:
        return
    os.environ.update(env)
    import django

    django.setup()
    _configured = True


@contextlib.contextmanager
def stack(
    *, db: str = "postgres", use_redis: bool = True, pg_data: Path | None = None, **extra: str
) -> Iterator[Stack]:
    """``pg_data`` (kept afterwards) lets a seeded database be reused by a later run."""
    with contextlib.ExitStack() as stop:
        pg = None
        if db == "postgres":
            # PostgreSQL's durability defaults (unlike the tests' throwaway servers):
            # the figures are meant to be those of a real deployment.
            server = PostgresServer(
                datadir=pg_data, throwaway=False, settings={"shared_buffers": "256MB"}
            )
            pg = stop.enter_context(server)
        rd = stop.enter_context(RedisServer()) if use_redis else None
        if pg:
            url = pg.url()
        else:
            tmp = Path(stop.enter_context(tempfile.TemporaryDirectory(prefix="tf-bench-")))
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = django_env(url, rd.url if rd else "", **extra)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        django_setup(env)
        yield Stack(env=env, postgres=pg, redis=rd)


def gunicorn(
    env: dict[str, str],
    *,
    workers: int = 2,
    threads: int = 4,
    max_requests: int | None = None,
    tree: Path = ROOT,
    python: str | Path = sys.executable,
) -> Gunicorn:
    """gunicorn as deployed, every worker booted before it is used (``with`` block).
    Production logs every request (INFO); that cost belongs in the figures. ``tree``:
    another checkout to serve (an A/B's earlier commit); ``python``: another interpreter
    and its packages (``production_python()``)."""
    compile_tree(tree)
    port = free_port()
    return Gunicorn(
        {**env, "LOG_LEVEL": "INFO"},
        port=port,
        log=LOGS / f"gunicorn-{port}.log",
        workers=workers,
        threads=threads,
        max_requests=max_requests,
        wait_for_workers=True,
        tree=tree,
        python=python,
    )


PRODUCTION_VENV = ROOT / "var" / "bench" / "production-venv"


def production_python() -> Path:
    """The interpreter of a production install, as the image's: requirements.txt only,
    none of the development packages that libraries import when they find them
    (gevent, rich, pygments, jinja2, requests). Built under var/bench on first use
    (~20 s from the package index) and again when requirements.txt changes."""
    requirements = ROOT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = PRODUCTION_VENV / "requirements.sha256"
    python = PRODUCTION_VENV / "bin" / "python"
    if not (stamp.is_file() and stamp.read_text() == digest and python.exists()):
        print(f"building a production install in {PRODUCTION_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", PRODUCTION_VENV], check=True)
        pip = [python, "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", requirements], check=True)
        stamp.write_text(digest)
    return python


def compile_tree(tree: Path) -> None:
    """Compile the tree's packages to bytecode, as the image's build stage does, so a
    worker's start and memory are those of the image whatever this shell's
    PYTHONDONTWRITEBYTECODE says (a worker that cannot read bytecode compiles every
    module from source at each start: ~1.2 MB more RSS, docs/performance.md)."""
    for entry in sorted(tree.iterdir()):
        if (entry / "__init__.py").is_file():
            compileall.compile_dir(entry, quiet=1)
        elif entry.suffix == ".py":
            compileall.compile_file(entry, quiet=1)


def nginx(upstream_ports: Sequence[int]) -> Nginx:
    """nginx configured by deploy/nginx.conf in front of ``upstream_ports``."""
    return Nginx(upstream_ports)


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds consumed so far by each of these processes."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = psutil.Process(pid).cpu_times()
            seconds[pid] = times.user + times.system
    return seconds


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU used since ``before`` by the processes alive now; a process that started in
    between counts whole, one that ended in between is lost (keep recycling off)."""
    return sum(now - before.get(pid, 0.0) for pid, now in cpu_by_pid(pids).items())


def machine() -> str:
    """One line describing this machine, for every report."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GiB RAM, load average {load}"


def arm_order(arms: Sequence[Arm], rng: random.Random) -> list[Arm]:
    """The arms of one round of an A/B run in one process, in an order drawn from
    ``rng`` (a ``random.Random`` the benchmark seeds, so a run can be replayed).

    Not alternated by the round's parity: a round allocates about the same every time,
    so the garbage collector's passes can fall on the same arm round after round. A null
    A/B (both arms the same code) alternated that way measured one arm at 0.88 of the
    other; drawn orders measured 1.00 (docs/performance.md, "Round 21 (issue 15)")."""
    order = list(arms)
    rng.shuffle(order)
    return order


def interleaved(
    cells: Sequence[Arm], measure: Callable[[Arm], float], *, rounds: int, seed: int
) -> tuple[dict[Arm, list[float]], str]:
    """Every cell measured once to warm it up, then ``rounds`` rounds of all of them in
    orders drawn from ``seed`` (``arm_order``): each cell's samples, and a line saying
    when it ran and the load average before and after."""
    for cell in cells:
        measure(cell)
    load = os.getloadavg()[0]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rng = random.Random(seed)
    samples: dict[Arm, list[float]] = {cell: [] for cell in cells}
    for _ in range(rounds):
        for cell in arm_order(cells, rng):
            samples[cell].append(measure(cell))
    after = os.getloadavg()[0]
    return samples, f"{when}, load average {load:.2f} before, {after:.2f} after"
