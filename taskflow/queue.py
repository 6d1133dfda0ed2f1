"""The job queue's Huey classes (settings.HUEY names one of them).

SqliteQueue keeps the queue in a SQLite file beside the embedded database (no other
server); RedisQueue keeps it in Redis, shared by any number of workers on any number
of machines. Both stamp every job they enqueue with its metadata (``JOB_META``): the
request id of the code that enqueued it, so the worker's log lines carry it, and the
time it entered the queue, for the "age of the oldest job" metric and the
once-per-period guard of periodic jobs (taskflow.jobs).

This module imports neither Django settings nor huey.contrib.djhuey: djhuey loads
these classes while it reads settings.HUEY.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import structlog
from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Task
from huey.storage import SqliteStorage
from redis.exceptions import RedisError

# The keyword argument a job's task carries its metadata in (taken off before the
# job's own function is called: taskflow.jobs).
JOB_META = "_job_meta"


def stamp(task: Task) -> None:
    """Record the enqueuing request id (kept across retries) and the enqueue time."""
    meta = dict(task.kwargs.get(JOB_META) or {})
    if "request_id" not in meta:
        meta["request_id"] = structlog.contextvars.get_contextvars().get("request_id")
    meta["enqueued_at"] = time.time()
    task.kwargs[JOB_META] = meta


class QueueUnavailable(RuntimeError):
    """The queue's store (Redis, or the SQLite file) refused the job: it was not queued.
    Callers in a request decide: tell the person to try again, or go on without it."""


# What a store raises when it cannot be reached or written (redis-py's connection and
# timeout errors are subclasses of its RedisError).
_STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, sqlite3.OperationalError)


class _StampingQueue:
    """Mixed in before a Huey class."""

    def enqueue(self, task: Any) -> Any:
        # Only TaskFlow's jobs accept the metadata keyword (taskflow.jobs sets
        # carries_job_meta); groups and chords enqueue their members one by one.
        if isinstance(task, Task) and getattr(task, "carries_job_meta", False):
            stamp(task)
        try:
            return super().enqueue(task)  # type: ignore[misc]
        except _STORE_ERRORS as exc:
            raise QueueUnavailable(f"job queue unavailable: {exc}") from exc


class LazySqliteStorage(SqliteStorage):
    """Huey's SQLite store, but the file (and var/) is created on first use instead of
    when Django starts: a process that never enqueues, such as a web instance on a
    read-only filesystem, never touches it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["create_tables"] = False
        super().__init__(*args, **kwargs)

    def _create_connection(self) -> sqlite3.Connection:
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        # Runs under the storage's lock (BaseSqlStorage.db), so straight on ``conn``.
        for statement in self.ddl:
            conn.execute(statement)
        return conn


class SqliteQueue(_StampingQueue, SqliteHuey):
    """The embedded queue: one SQLite file that every worker on this machine shares."""

    storage_class = LazySqliteStorage


class RedisQueue(_StampingQueue, PriorityRedisHuey):
    """The production queue: a Redis sorted set (priorities, then FIFO)."""


def redis_url_with_timeouts(url: str) -> str:
    """``url`` with socket timeouts unless it sets its own: an unreachable Redis must fail
    an enqueue or a /metrics scrape within seconds, not hang it. The read timeout stays
    above the worker's 1-second blocking wait for the next job."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", "2")
    query.setdefault("socket_timeout", "5")
    query.setdefault("health_check_interval", "30")
    return urlunsplit(parts._replace(query=urlencode(query)))
