"""A PostgreSQL server of its own (initdb in a directory, trust auth, TCP only on
127.0.0.1). The version is whatever is installed: PG_BIN, else the newest
/usr/lib/postgresql/*/bin, else PATH.

PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres``
user (created by Debian's package) and lives in a directory that user can reach.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from devservers.process import (
    Server,
    ServerError,
    free_port,
    require_binary,
    spawn,
    wait_for_port,
    wait_until,
)

# Throwaway data (tests, the cluster): durability off for speed. A clean stop still
# writes everything, so a restart keeps committed rows.
THROWAWAY_SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}


class PostgresServer(Server):
    """``datadir=None``: a temporary one, removed by ``destroy()``. A given ``datadir``
    that already holds a cluster is reused (``init()`` does nothing) and kept.
    ``throwaway=False`` keeps PostgreSQL's durability defaults (benchmarks)."""

    SUPERUSER = "postgres"
    # SIGINT is PostgreSQL's "fast" shutdown: SIGTERM would wait for every persistent
    # connection of the app servers to close.
    stop_signal = signal.SIGINT
    stop_timeout = 30.0

    def __init__(
        self,
        *,
        port: int | None = None,
        datadir: Path | None = None,
        throwaway: bool = True,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.owns_datadir = datadir is None
        self.datadir = datadir or Path(tempfile.mkdtemp(prefix="devservers-pg-")) / "data"
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": "",
            "max_connections": "200",
            **(THROWAWAY_SETTINGS if throwaway else {}),
            **(settings or {}),
        }
        self.pid: int | None = None

    def url(self, dbname: str = "taskflow") -> str:
        return f"postgres://{self.SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @staticmethod
    def binary(name: str) -> str:
        """Path of one of PostgreSQL's programs (initdb, postgres, createdb, psql)."""
        return require_binary(name)

    @classmethod
    def version(cls) -> str:
        """The installed server's version, e.g. ``16.4``."""
        out = subprocess.run(
            [cls.binary("postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        match = re.search(r"(\d+(?:\.\d+)?)", out)
        return match.group(1) if match else out.strip()

    def init(self) -> None:
        """initdb, unless ``datadir`` already holds a cluster."""
        if (self.datadir / "PG_VERSION").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            owner = pwd.getpwnam(self.run_as)
            # The postgres user must traverse the directory above (mkdtemp's are 0700).
            os.chmod(self.datadir.parent, 0o711)  # noqa: S103
            os.chown(self.datadir, owner.pw_uid, owner.pw_gid)
        argv = [self.binary("initdb"), "-D", str(self.datadir), "-U", self.SUPERUSER]
        argv += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        result = subprocess.run(argv, capture_output=True, text=True, user=self.run_as, check=False)
        if result.returncode != 0:
            raise ServerError(f"initdb failed: {result.stderr.strip()}")

    def start(self) -> None:
        argv = [self.binary("postgres"), "-D", str(self.datadir), "-p", str(self.port)]
        for name, value in self.settings.items():
            argv += ["-c", f"{name}={value}"]
        self.pid = spawn(argv, log=self.datadir.parent / "postgres.log", user=self.run_as)
        wait_for_port(self.port, pid=self.pid, timeout=30)
        self._wait_accepting()

    def _wait_accepting(self, timeout: float = 20.0) -> None:
        # pg_isready rather than a driver: scripts/with-postgres may run outside the venv.
        argv = [self.binary("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]
        argv += ["-U", self.SUPERUSER, "-d", "postgres", "-q"]
        wait_until(
            lambda: subprocess.run(argv, capture_output=True, check=False).returncode == 0,
            f"PostgreSQL on {self.port}",
            timeout=timeout,
            pid=self.pid,
        )

    def createdb(self, name: str = "taskflow", *, exist_ok: bool = False) -> None:
        argv = [self.binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        argv += ["-U", self.SUPERUSER, name]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0 and not (exist_ok and "already exists" in result.stderr):
            raise ServerError(f"createdb {name} failed: {result.stderr.strip()}")

    def psql(self, sql: str, dbname: str = "taskflow") -> None:
        argv = [self.binary("psql"), "-h", "127.0.0.1", "-p", str(self.port)]
        argv += ["-U", self.SUPERUSER, "-d", dbname, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        subprocess.run(argv, check=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop; delete the data too when it lives in a temporary directory."""
        self.stop()
        if self.owns_datadir:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        """init (if needed), start, and create database ``taskflow`` (if needed)."""
        try:
            self.init()
            self.start()
            self.createdb("taskflow", exist_ok=True)
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.destroy()
