"""Finding binaries, picking ports, starting and stopping processes.

Every process is started in its own session, so its whole group (gunicorn's workers,
nginx's workers, PostgreSQL's backends) can be signalled at once, and it is stopped by
pid, so that a later process (``scripts/cluster stop``) can stop what an earlier one
started. Linux only: liveness and children are read from /proc.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where distributions put daemons that are not on an ordinary user's PATH (nginx).
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")
POSTGRES_BINARIES = ("initdb", "postgres", "createdb", "psql", "pg_isready")


class ServerError(RuntimeError):
    """A server did not start, did not become ready or would not stop."""


class Missing(ServerError):
    """A binary a server needs is not installed."""


def postgres_bin_dirs() -> list[str]:
    """PG_BIN first, then Debian's versioned directories, newest version first."""
    dirs = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    found = glob.glob("/usr/lib/postgresql/*/bin")
    dirs += sorted(found, key=lambda d: _version_key(Path(d).parent.name), reverse=True)
    return dirs


def _version_key(name: str) -> tuple[int, ...]:
    with contextlib.suppress(ValueError):
        return tuple(int(part) for part in name.split("."))
    return (-1,)


def find_binary(name: str, extra_dirs: Sequence[str] = ()) -> str | None:
    """``name`` in ``extra_dirs``, then on PATH, then in the sbin directories; PostgreSQL's
    programs are looked for in :func:`postgres_bin_dirs` first."""
    dirs = list(extra_dirs)
    if name in POSTGRES_BINARIES:
        dirs = postgres_bin_dirs() + dirs
    for directory in dirs:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN_DIRS))


def require_binary(name: str) -> str:
    path = find_binary(name)
    if path is None:
        hint = " (or set PG_BIN)" if name in POSTGRES_BINARIES else ""
        raise Missing(f"{name} not found: install redis-server, postgresql, nginx{hint}")
    return path


def missing_binaries(*names: str) -> list[str]:
    """Those of ``names`` that :func:`find_binary` does not find (sorted)."""
    return sorted(name for name in names if find_binary(name) is None)


def free_port() -> int:
    """A TCP port nobody listens on now on 127.0.0.1 (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports, ascending."""
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's)."""
    found: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError), open(path) as listing:
            found += [int(child) for child in listing.read().split()]
    return found


def process_tree(pid: int | None) -> list[int]:
    """``pid`` and all its descendants that are alive now (``pid`` first)."""
    if pid is None or not pid_alive(pid):
        return []
    tree, queue = [pid], [pid]
    while queue:
        for child in children(queue.pop()):
            if child not in tree:
                tree.append(child)
                queue.append(child)
    return tree


def wait_until(check, what: str, *, timeout: float, pid: int | None = None) -> None:
    """Poll ``check()`` until it is true; fail early when ``pid`` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if check():
                return
        if pid is not None and not pid_alive(pid):
            raise ServerError(f"{what}: process {pid} exited")
        time.sleep(0.05)
    raise ServerError(f"{what}: not ready after {timeout:.0f}s")


def wait_for_port(port: int, *, timeout: float = 20.0, pid: int | None = None) -> None:
    wait_until(lambda: port_open(port), f"127.0.0.1:{port}", timeout=timeout, pid=pid)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status == 200


def wait_for_http(url: str, *, timeout: float = 60.0, pid: int | None = None) -> None:
    """Wait until ``url`` answers 200."""
    if not url.startswith("http://"):
        raise ValueError(f"not a local http URL: {url}")
    wait_until(lambda: http_ok(url), url, timeout=timeout, pid=pid)


# Popen objects of processes this process started, so that stop_pid() can reap them.
_children: dict[int, subprocess.Popen] = {}


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in its own session and return its pid. Output (stdout and stderr)
    is appended to ``log``; the process outlives the caller unless stopped."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            user=user,
        )
    _children[process.pid] = process
    return process.pid


def stop_pid(pid: int, *, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Signal ``pid``'s process group and wait for it to be gone; SIGKILL after timeout."""
    for current_sig in (sig, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, current_sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, current_sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            child = _children.get(pid)
            if child is not None and child.poll() is not None:
                _children.pop(pid, None)
                break
            if child is None and not pid_alive(pid):
                break
            time.sleep(0.05)
        else:
            continue
        # Workers of the group (gunicorn) may still be finishing their exit.
        _wait_group_gone(pid, timeout=5.0)
        return
    raise ServerError(f"process {pid} survived SIGKILL")


def _wait_group_gone(pgid: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class Server:
    """One server process: ``start()``/``stop()``, or a ``with`` block around it."""

    port: int
    pid: int | None = None
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 15.0

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.pid is not None:
            stop_pid(self.pid, sig=self.stop_signal, timeout=self.stop_timeout)
            self.pid = None

    @property
    def running(self) -> bool:
        return self.pid is not None and pid_alive(self.pid)

    def pids(self) -> list[int]:
        """The server's process and all its descendants (workers, backends)."""
        return process_tree(self.pid)

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.pids() if pid != self.pid]

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
