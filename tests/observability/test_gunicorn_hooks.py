"""The gunicorn hooks prepare the directory where workers keep their metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from taskflow import gunicorn_hooks


def _unset(monkeypatch, name: str) -> None:
    # setenv first so that monkeypatch restores the variable's original state (absent
    # included) after the hook under test set it in os.environ.
    monkeypatch.setenv(name, "")
    monkeypatch.delenv(name)


def test_on_starting_empties_a_configured_directory(tmp_path: Path, monkeypatch):
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    _unset(monkeypatch, "LOG_FORMAT")

    gunicorn_hooks.on_starting(server=None)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    # Workers inherit the format gunicorn logs in (JSON unless LOG_FORMAT says otherwise).
    assert os.environ["LOG_FORMAT"] == gunicorn_hooks.LOG_FORMAT


def test_without_a_directory_one_is_made_for_the_server_and_removed_at_exit(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _unset(monkeypatch, "PROMETHEUS_MULTIPROC_DIR")
    _unset(monkeypatch, "LOG_FORMAT")

    gunicorn_hooks.on_starting(server=None)
    created = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    created_existed = created.is_dir()
    gunicorn_hooks.on_exit(server=None)

    assert created_existed
    assert not created.exists()


def test_a_killed_servers_directory_is_removed_at_the_next_start(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    exited = subprocess.Popen([sys.executable, "-c", "pass"])  # a pid that is surely gone
    exited.wait()
    leftover = tmp_path / f"taskflow-prometheus-{exited.pid}-abc"
    running = tmp_path / f"taskflow-prometheus-{os.getpid()}-def"
    leftover.mkdir()
    running.mkdir()
    _unset(monkeypatch, "PROMETHEUS_MULTIPROC_DIR")
    _unset(monkeypatch, "LOG_FORMAT")

    gunicorn_hooks.on_starting(server=None)
    created = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    gunicorn_hooks.on_exit(server=None)

    assert (leftover.exists(), running.exists()) == (False, True)
    assert created.parent == tmp_path


def test_the_access_line_is_built_only_when_it_will_be_written(monkeypatch):
    from gunicorn.config import Config

    config = Config()
    config.set("logconfig_dict", gunicorn_hooks.gunicorn_logconfig_dict(access_log=False))
    logger = gunicorn_hooks.logger_class(config)
    built = []
    monkeypatch.setattr(logger, "atoms", lambda *args: built.append(args) or {})

    logger.access(None, None, {}, None)
    assert built == []  # the access logger is at WARNING: nothing to build

    logger.access_log.setLevel("INFO")
    logger.access(None, None, {}, None)
    assert len(built) == 1
