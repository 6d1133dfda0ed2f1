"""The commands as cron and scripts run them: a real process and its exit status.

One cheap process only (no database needed before the file checks): the other
failures raise the same CommandError in-process (tests/unit/test_commands.py), which
manage.py turns into this same exit status 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_of_a_missing_file_exits_1_with_a_clear_message(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_tasks",
            "--user",
            "demo@taskflow.local",
            str(tmp_path / "nope.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"CommandError: No such file: {tmp_path / 'nope.csv'}" in result.stderr
