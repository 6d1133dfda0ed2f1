"""Real service processes for tests and the local cluster: redis-server, PostgreSQL.

Everything listens on 127.0.0.1 on ports the caller chooses (``free_port()`` for
tests), keeps its data in a throwaway directory and is stopped by pid, so a later
process (``scripts/cluster stop``) can stop what an earlier one started.
No pytest import at module level: ``scripts/cluster`` uses this module too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


class ServiceError(RuntimeError):
    pass


def find_binary(name: str, extra_dirs: Sequence[str] = ()) -> str | None:
    for directory in extra_dirs:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def postgres_bin_dirs() -> list[str]:
    """PG_BIN first, then Debian's versioned directories, newest first."""
    dirs = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    found = glob.glob("/usr/lib/postgresql/*/bin")
    dirs += sorted(found, key=lambda d: int(Path(d).parent.name), reverse=True)
    return dirs


def require_binaries(*names: str, extra_dirs: Sequence[str] = ()) -> dict[str, str]:
    """Paths of ``names``; a pytest skip naming what is missing, or a failure under CI=true."""
    import pytest

    paths = {name: find_binary(name, extra_dirs) for name in names}
    missing = sorted(name for name, path in paths.items() if path is None)
    if missing:
        reason = f"needs {', '.join(missing)} (install: redis-server postgresql nginx)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return {name: str(path) for name, path in paths.items()}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def wait_for_port(port: int, *, timeout: float = 20.0, pid: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if pid is not None and not pid_alive(pid):
            raise ServiceError(f"process {pid} exited before listening on {port}")
        time.sleep(0.05)
    raise ServiceError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f}s")


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in its own session (so its whole group can be signalled) and
    return its pid. Output goes to ``log``; it outlives the caller."""
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


# Popen objects of processes this process started, so that stop() can reap them.
_children: dict[int, subprocess.Popen] = {}


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
    raise ServiceError(f"process {pid} survived SIGKILL")


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


class RedisServer:
    """redis-server without persistence: a restart starts empty, as after a failover."""

    def __init__(self, *, port: int, workdir: Path, binary: str = "redis-server") -> None:
        self.port = port
        self.workdir = workdir
        self.binary = binary
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.pid = spawn(argv, log=self.workdir / "redis.log")
        wait_for_port(self.port, pid=self.pid)

    def stop(self) -> None:
        if self.pid is not None:
            stop_pid(self.pid)
            self.pid = None


class PostgresServer:
    """A throwaway PostgreSQL cluster (initdb in a temp dir, trust auth, TCP only).

    PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres``
    user (created by Debian's package) and lives in a directory that user can reach.
    """

    SUPERUSER = "postgres"

    def __init__(self, *, port: int, datadir: Path | None = None) -> None:
        bin_dirs = postgres_bin_dirs()
        self.binaries = {
            name: find_binary(name, bin_dirs) for name in ("initdb", "postgres", "createdb")
        }
        self.port = port
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.owns_datadir = datadir is None
        self.datadir = datadir or Path(tempfile.mkdtemp(prefix="taskflow-pg-")) / "data"
        self.pid: int | None = None

    def url(self, dbname: str = "taskflow") -> str:
        return f"postgres://{self.SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _binary(self, name: str) -> str:
        path = self.binaries[name]
        if path is None:
            raise ServiceError(f"{name} not found (install postgresql, or set PG_BIN)")
        return path

    def init(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            owner = pwd.getpwnam(self.run_as)
            # The postgres user must traverse the temp dir root created (0700).
            os.chmod(self.datadir.parent, 0o711)  # noqa: S103
            os.chown(self.datadir, owner.pw_uid, owner.pw_gid)
        argv = [self._binary("initdb"), "-D", str(self.datadir), "-U", self.SUPERUSER]
        argv += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        result = subprocess.run(argv, capture_output=True, text=True, user=self.run_as, check=False)
        if result.returncode != 0:
            raise ServiceError(f"initdb failed: {result.stderr.strip()}")

    def start(self) -> None:
        argv = [self._binary("postgres"), "-D", str(self.datadir), "-p", str(self.port)]
        # Throwaway data: durability settings off for speed; a clean stop still
        # writes everything, so restarts keep committed rows.
        for setting in (
            "listen_addresses=127.0.0.1",
            "unix_socket_directories=",
            "fsync=off",
            "full_page_writes=off",
            "synchronous_commit=off",
            "max_connections=200",
        ):
            argv += ["-c", setting]
        self.pid = spawn(argv, log=self.datadir.parent / "postgres.log", user=self.run_as)
        wait_for_port(self.port, pid=self.pid, timeout=30)
        self._wait_accepting()

    def _wait_accepting(self, timeout: float = 20.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def createdb(self, name: str) -> None:
        argv = [self._binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        argv += ["-U", self.SUPERUSER, name]
        subprocess.run(argv, check=True, capture_output=True)

    def stop(self) -> None:
        if self.pid is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: SIGTERM would wait for every
            # persistent connection of the app servers to close.
            stop_pid(self.pid, sig=signal.SIGINT, timeout=30)
            self.pid = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        if self.owns_datadir:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)
