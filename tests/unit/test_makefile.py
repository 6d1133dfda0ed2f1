"""`make run` installs only the runtime requirements; `make test` adds the dev tools.

Checked with `make -n` (prints the commands, runs nothing) against a venv path that does
not exist, so every install step shows up."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _plan(target: str, tmp_path: Path) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_runtime_requirements_only(tmp_path):
    plan = _plan("run", tmp_path)
    assert "-r requirements.txt" in plan
    assert "requirements-dev.txt" not in plan
    assert "npm" not in plan


def test_make_test_installs_the_dev_requirements_too(tmp_path):
    plan = _plan("test", tmp_path)
    assert "-r requirements.txt" in plan
    assert "-r requirements-dev.txt" in plan
