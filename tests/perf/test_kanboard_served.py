"""bench/kanboard.py against a real Kanboard: the comparison in `bench versus
--kanboard DIR` must time pages that show the tasks, not a login page or an error.

Kanboard is not part of TaskFlow and nothing installs it (bench/kanboard.py says how to
get it), so this runs only where ``KANBOARD_DIR`` or var/bench/kanboard holds a checkout
and PHP is on the PATH, and skips elsewhere, CI included: it checks a benchmark's tool,
not the app."""

from __future__ import annotations

import http.client
import os
import shutil
from pathlib import Path

import pytest

from bench.kanboard import (
    DEFAULT_DIR,
    calls,
    json_search_found,
    kanboard_dir,
    seed,
    session_cookie,
)
from bench.versus import timed_request
from devservers import KanboardServer

pytestmark = pytest.mark.skipif(
    not (os.environ.get("KANBOARD_DIR") or DEFAULT_DIR.is_dir()) or shutil.which("php") is None,
    reason="a Kanboard checkout (KANBOARD_DIR or var/bench/kanboard) and php are needed",
)


def test_kanboard_serves_the_seeded_tasks_to_each_request(tmp_path):
    root = kanboard_dir(None)
    assert root is not None
    rows = [
        (
            f"Harbour {i}" if i % 50 == 0 else f"Plain task {i}",
            f"Notes {i}",
            ("todo", "in_progress", "done")[i % 3],
        )
        for i in range(300)
    ]
    with KanboardServer(root, log=tmp_path / "kanboard.log") as board:
        project = seed(board, "versus 300", rows)
        made = calls(board, project, "harbour", session_cookie(board))
        conn = http.client.HTTPConnection("127.0.0.1", board.port, timeout=60)
        answers = {case: timed_request(conn, call)[1:] for case, call in made.items()}
        conn.close()
        tasks = board.rpc("getAllTasks", project_id=project, status_id=1)
        workdir = board.workdir
        versions = board.versions()
    assert {case: status for case, (status, _) in answers.items()} == dict.fromkeys(made, 200)
    assert json_search_found(answers["json_search"][1]) == 6
    search_page = answers["html_search"][1].decode()
    assert search_page.count("Harbour ") >= 6
    list_page = answers["html_list"][1].decode()
    assert "Plain task" in list_page
    assert "action=check" not in list_page  # not the login form
    assert len(tasks) == 301  # the 300 seeded and the one the create made  # type: ignore[arg-type]
    # TaskFlow's three statuses land in three columns of the board, 100 each.
    by_column = {}
    for task in tasks:  # type: ignore[union-attr]
        by_column[task["column_id"]] = by_column.get(task["column_id"], 0) + 1
    assert sorted(by_column.values()) == [100, 100, 101]
    assert not Path(workdir).exists()
    assert versions.startswith("Kanboard ")
    assert " on PHP 8." in versions
