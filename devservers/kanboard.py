"""Kanboard (https://github.com/kanboard/kanboard, a PHP kanban app on SQLite) on PHP's
built-in server: the competitor that `bench versus --kanboard DIR` measures beside
TaskFlow (bench/kanboard.py seeds it and names its requests).

Not a service of TaskFlow: nothing installs it. ``root`` is a checkout of Kanboard (its
repository carries its ``vendor/``); PHP 8.1+ with pdo_sqlite, gd, mbstring and xml
must be on the PATH (Debian: ``apt-get install php-cli php-sqlite3 php-gd php-mbstring
php-xml``). One process, OPcache on, a data directory of its own (removed on stop)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from devservers.process import Server, free_port, require_binary, spawn, wait_for_port

# Kanboard's default administrator, created by its first migration.
ADMIN = ("admin", "admin")


class KanboardServer(Server):
    """``KanboardServer(root, log=...)``: a fresh Kanboard on a free port. ``token`` is
    its application API token (JSON-RPC as user ``jsonrpc``), read once it started."""

    def __init__(self, root: Path, *, log: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.log = log
        self.php = require_binary("php")
        self.workdir = Path(tempfile.mkdtemp(prefix="devservers-kanboard-"))
        self.pid: int | None = None
        self.token = ""

    @property
    def database(self) -> Path:
        return self.workdir / "db.sqlite"

    def start(self) -> None:
        argv = [self.php, "-d", "opcache.enable_cli=1", "-d", "memory_limit=512M"]
        argv += ["-S", f"127.0.0.1:{self.port}", "-t", str(self.root)]
        env = {"PATH": os.environ.get("PATH", ""), "DATA_DIR": str(self.workdir)}
        self.pid = spawn(argv, log=self.log, env=env, cwd=self.root)
        wait_for_port(self.port, pid=self.pid)
        # The first request creates and migrates the database; the token is then there.
        self.rpc("getVersion", auth=ADMIN)
        with sqlite3.connect(self.database) as db:
            query = "SELECT value FROM settings WHERE option = 'api_token'"
            (self.token,) = db.execute(query).fetchone()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def versions(self) -> str:
        """ "Kanboard <version> on PHP <version>", for a report."""
        php = subprocess.run(
            [self.php, "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=True
        ).stdout.strip()
        return f"Kanboard {self.rpc('getVersion')} on PHP {php}"

    def rpc(self, method: str, *, auth: tuple[str, str] | None = None, **params: object) -> object:
        """Call a JSON-RPC procedure (with the application token unless ``auth``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            body, headers = self.rpc_body(method, **params), self.rpc_headers(auth)
            conn.request("POST", "/jsonrpc.php", body=body, headers=headers)
            answer = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        if "error" in answer:
            raise RuntimeError(f"Kanboard {method}: {answer['error']}")
        return answer["result"]

    @staticmethod
    def rpc_body(method: str, **params: object) -> bytes:
        return json.dumps({"jsonrpc": "2.0", "method": method, "id": 1, "params": params}).encode()

    def rpc_headers(self, auth: tuple[str, str] | None = None) -> dict[str, str]:
        # The application token: a user's password would cost a bcrypt check a request.
        user, password = auth or ("jsonrpc", self.token)
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {basic}", "Content-Type": "application/json"}
