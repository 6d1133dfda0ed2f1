"""Real servers for the benchmarks: PostgreSQL, Redis, gunicorn and nginx.

Each one listens on 127.0.0.1 on a free port, lives in a temporary directory and is
stopped (with its children) when its ``with`` block ends, whatever happened inside.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
VENV_BIN = Path(sys.executable).parent


class Missing(RuntimeError):
    """A server binary the benchmark needs is not installed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check: callable, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready in {timeout:.0f}s")


def http_ok(url: str, timeout: float = 1.0) -> bool:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status == 200


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
        proc.kill()
        proc.wait(5)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    url: str = ""
    extra: dict = field(default_factory=dict)

    def pids(self) -> list[int]:
        """The server's process and all its children (workers, backends)."""
        try:
            parent = psutil.Process(self.proc.pid)
            return [parent.pid] + [c.pid for c in parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.pids() if pid != self.proc.pid]


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root; switch to the `postgres` account when we are.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextlib.contextmanager
def postgres(data_dir: Path | None = None) -> Iterator[Server]:
    """A PostgreSQL server; ``data_dir`` (kept afterwards) lets a seeded database be
    reused by a later run, otherwise a temporary cluster is thrown away."""
    if not (PG_BIN / "postgres").exists():
        raise Missing(f"PostgreSQL not found in {PG_BIN} (set PG_BIN)")
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-pg-"))
    data = data_dir or tmp / "data"
    run_as = _as_postgres_user()
    if run_as:
        shutil.chown(tmp, "postgres")
        if data_dir:
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.chown(data_dir, "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            [*run_as, PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    proc = subprocess.Popen(
        [
            *run_as,
            PG_BIN / "postgres",
            "-D",
            data,
            "-p",
            str(port),
            "-k",
            tmp,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "shared_buffers=256MB",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "postgres.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        _wait(
            lambda: (
                subprocess.run(
                    [PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(port)],
                    capture_output=True,
                ).returncode
                == 0
            ),
            "PostgreSQL",
        )
        subprocess.run(
            [PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "taskflow"],
            capture_output=True,
        )  # exists already when a kept data_dir is reused
        yield Server(proc, port, url=f"postgres://postgres@127.0.0.1:{port}/taskflow")
    finally:
        # "fast" shutdown ends the backends too; runuser alone would not pass it on.
        subprocess.run(
            [*run_as, PG_BIN / "pg_ctl", "-D", data, "stop", "-m", "fast", "-w"],
            capture_output=True,
        )
        _stop(proc, signal.SIGINT)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[Server]:
    binary = shutil.which("redis-server")
    if not binary:
        raise Missing("redis-server not found")
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        [
            *(binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp)),
            *("--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5), "Redis")
        yield Server(proc, port, url=f"redis://127.0.0.1:{port}/0")
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


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


GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int = 2, threads: int = 4, max_requests: int | None = None
) -> Iterator[Server]:
    """gunicorn with the production config (deploy/gunicorn.conf.py: gthread workers,
    Prometheus multiprocess hooks, JSON logs), sized by its environment variables."""
    port = free_port()
    settings = {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        # Production logs every request (INFO); that cost belongs in the figures.
        "LOG_LEVEL": "INFO",
    }
    if max_requests is not None:
        settings["GUNICORN_MAX_REQUESTS"] = str(max_requests)
    cmd = [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "taskflow.wsgi:application"]
    logs = ROOT / "var" / "bench" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"gunicorn-{port}.log", "w")  # noqa: SIM115 (closed below)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, **settings}, stdout=log, stderr=log)
    try:
        _wait(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), "gunicorn")
        server = Server(proc, port, url=f"http://127.0.0.1:{port}")
        server.extra["ready_after_s"] = time.monotonic() - started
        # Every worker must have booted before we measure (the first 200 came from one).
        _wait(lambda: len(server.pids()) >= workers + 1, "gunicorn workers")
        yield server
    finally:
        _stop(proc)
        log.close()


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream app {{
        {servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(upstream_ports: list[int]) -> Iterator[Server]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise Missing("nginx not found")
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-nginx-"))
    port = free_port()
    servers = "\n        ".join(f"server 127.0.0.1:{p};" for p in upstream_ports)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, servers=servers, port=port))
    proc = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), "nginx")
        yield Server(proc, port, url=f"http://127.0.0.1:{port}")
    finally:
        _stop(proc, signal.SIGQUIT)
        shutil.rmtree(tmp, ignore_errors=True)


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
