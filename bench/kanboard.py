"""Kanboard beside TaskFlow, so that `python -m bench versus --kanboard DIR` measures
the issue 15 comparison in one interleaved run instead of quoting the issue's figures.

Kanboard (https://github.com/kanboard/kanboard, MIT) is a PHP app on SQLite. Nothing
installs it: ``--kanboard DIR`` (or ``KANBOARD_DIR``, or a checkout at
var/bench/kanboard) names a checkout of it, and PHP must be on the PATH
(``devservers.KanboardServer`` says which packages). Without them the benchmark quotes
the issue's figures, as before.

Each size gets its own Kanboard (PHP's built-in server, one process, OPcache on), so
that a search reads that size's tasks only, as TaskFlow's per-user words do. Its
project holds the same titles and descriptions as TaskFlow's user of that size, the
planted word included, written straight into Kanboard's tables (20,000 tasks through
its API would take minutes, and how a row got there does not change a timing). The
four requests:

- HTML list: the project's list view (``TaskListController``, 30 a page), signed in;
- HTML search: the search page (``SearchController``, 30 a page), signed in;
- JSON search: ``searchTasks`` over JSON-RPC (every match, no pages), with the
  application API token;
- create: ``createTask`` over JSON-RPC, with the same token.

PHP's built-in server closes the connection after each response, so each Kanboard
request also opens a loopback connection (~0.1 ms); TaskFlow's keep theirs.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from bench import load
from devservers import KanboardServer
from devservers.kanboard import ADMIN

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# TaskFlow's status -> the column of Kanboard's default board it lands in (1-based).
_COLUMN_OF_STATUS = {"todo": 1, "in_progress": 3, "done": 4}


# Where `make bench` finds a checkout without KANBOARD_DIR (var/ is not in git).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "bench" / "kanboard"


def kanboard_dir(given: str | None, default: Path = DEFAULT_DIR) -> Path | None:
    """The Kanboard checkout to serve: ``given``, else ``KANBOARD_DIR``, else
    ``default`` (var/bench/kanboard) when it exists, else none (the figures are quoted)."""
    text = given or os.environ.get("KANBOARD_DIR", "")
    if not text:
        return default.resolve() if default.is_dir() else None
    root = Path(text).resolve()
    if not (root / "jsonrpc.php").is_file() or not (root / "vendor").is_dir():
        raise SystemExit(f"{root} is not a Kanboard checkout (no jsonrpc.php or vendor/)")
    return root


def seed(server: KanboardServer, name: str, rows: Iterable[tuple[str, str, str]]) -> int:
    """A project named ``name`` holding ``rows`` (title, description, TaskFlow status)
    as open tasks on its default board; returns the project's id."""
    project = int(server.rpc("createProject", auth=ADMIN, name=name))  # type: ignore[call-overload]
    now = int(time.time())
    with sqlite3.connect(server.database) as db:
        board = "SELECT id FROM columns WHERE project_id = ? ORDER BY position"
        columns = [column for (column,) in db.execute(board, (project,))]
        lane = "SELECT id FROM swimlanes WHERE project_id = ?"
        (swimlane,) = db.execute(lane, (project,)).fetchone()
        positions: dict[int, int] = {}
        values = []
        for title, description, status in rows:
            column = columns[_COLUMN_OF_STATUS[status] - 1]
            positions[column] = positions.get(column, 0) + 1
            position = positions[column]
            values.append(
                (
                    title,
                    description,
                    now,
                    "yellow",
                    project,
                    column,
                    position,
                    1,
                    now,
                    swimlane,
                    now,
                )
            )
        db.executemany(
            "INSERT INTO tasks (title, description, date_creation, color_id, project_id,"
            " column_id, position, creator_id, date_modification, swimlane_id, date_moved)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
    return project


def session_cookie(server: KanboardServer) -> str:
    """The administrator signed in through the login form: a ``Cookie`` value."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", "/?controller=AuthController&action=login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _cookie(response.getheader("Set-Cookie", ""))
        match = _CSRF.search(page)
        if not cookie or match is None:
            raise RuntimeError("Kanboard's login page gave no session or CSRF token")
        user, password = ADMIN
        form = {"csrf_token": match.group(1), "username": user, "password": password}
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request(
            "POST",
            "/?controller=AuthController&action=check",
            body=urllib.parse.urlencode(form),
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        if response.status != 302 or "Dashboard" not in response.getheader("Location", ""):
            raise RuntimeError(f"Kanboard's login answered {response.status}")
        return _cookie(response.getheader("Set-Cookie", "")) or cookie
    finally:
        conn.close()


def calls(server: KanboardServer, project: int, word: str, cookie: str) -> dict[str, load.Call]:
    """The four requests of the comparison, keyed as bench.versus's CASES."""
    browser = {"Cookie": cookie}
    listed = f"/?controller=TaskListController&action=show&project_id={project}"
    searched = f"/?controller=SearchController&action=index&search={urllib.parse.quote(word)}"
    search = server.rpc_body("searchTasks", project_id=project, query=word)
    create = server.rpc_body("createTask", project_id=project, title="Bench task", priority=2)
    return {
        "html_list": load.Call("GET", listed, headers=browser),
        "html_search": load.Call("GET", searched, headers=browser),
        "json_search": load.Call("POST", "/jsonrpc.php", body=search, headers=server.rpc_headers()),
        "create": load.Call("POST", "/jsonrpc.php", body=create, headers=server.rpc_headers()),
    }


def _cookie(set_cookie: str) -> str:
    """``KB_SID=…`` from a Set-Cookie header (the last one if several)."""
    found = re.findall(r"(KB_SID=[^;,\s]+)", set_cookie)
    return found[-1] if found else ""


def json_search_found(body: bytes) -> int:
    """How many tasks a ``searchTasks`` answer holds (-1 when it is an error)."""
    answer = json.loads(body)
    return len(answer["result"]) if isinstance(answer.get("result"), list) else -1
