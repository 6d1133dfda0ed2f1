"""What deploy/gunicorn.conf.py takes from observability:

    from taskflow.gunicorn_hooks import (  # noqa: F401
        child_exit, logconfig_dict, logger_class, on_exit, on_starting,
    )

- ``logconfig_dict``: gunicorn's error log (and access log with GUNICORN_ACCESS_LOG=true)
  in the application's format (LOG_FORMAT, default json here; LOG_LEVEL);
- ``logger_class``: gunicorn's logger, building an access line only when one is written;
- ``on_starting``: empties PROMETHEUS_MULTIPROC_DIR, so counts restart with the server
  instead of adding stale files of a previous run; when it is unset, makes a private
  temporary one (removed by ``on_exit``), since without it every worker would keep its
  own counts and /metrics would show only the one worker that answers;
- ``child_exit``: tells prometheus_client a worker is gone (its live gauges drop out;
  its counters stay counted, which is what makes totals survive worker restarts).

The module is also a gunicorn config on its own: ``-c python:taskflow.gunicorn_hooks``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from taskflow.logconfig import gunicorn_logconfig_dict

_TRUE = {"1", "true", "yes", "on"}

# Under gunicorn the default is JSON whatever DEBUG says; on_starting hands the choice
# to the workers so that the application's lines match gunicorn's own.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "json"

logconfig_dict = gunicorn_logconfig_dict(
    level=os.environ.get("LOG_LEVEL", "INFO"),
    fmt=LOG_FORMAT,
    access_log=os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in _TRUE,
)


class AccessLineWhenWritten(Logger):
    """gunicorn builds every request's access-log fields whenever a logging config is
    given (``logconfig_dict`` always is), then drops the line at the access logger's
    level (WARNING unless GUNICORN_ACCESS_LOG): ~0.3 ms of CPU a request for nothing."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


logger_class = AccessLineWhenWritten

_created_dirs: list[Path] = []
_TEMP_PREFIX = "taskflow-prometheus-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dirs_of_dead_servers() -> None:
    """A killed server (SIGKILL) never runs on_exit: its directory goes at the next start."""
    for path in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*-*"):
        pid = path.name.removeprefix(_TEMP_PREFIX).split("-", 1)[0]
        if pid.isdigit() and path.is_dir() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def on_starting(server: Any) -> None:
    os.environ["LOG_FORMAT"] = LOG_FORMAT
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        # Set before any worker is forked (and before prometheus_client is imported:
        # the master never loads the application), so every worker inherits it.
        _remove_dirs_of_dead_servers()
        created = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-"))
        _created_dirs.append(created)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(created)
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def on_exit(server: Any) -> None:
    while _created_dirs:
        shutil.rmtree(_created_dirs.pop(), ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
