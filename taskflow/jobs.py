"""Background jobs: how TaskFlow declares, runs and watches them (docs/architecture.md).

    from taskflow.jobs import job, periodic_job

    @job()                                  # retries with exponential backoff
    def deliver_reminder(*, reminder_id: str) -> None: ...

    deliver_reminder(reminder_id=r.id)      # enqueues; a worker runs it

    @periodic_job(crontab(minute="0", hour="3"), period=timedelta(days=1))
    def prune() -> None: ...                # once a day across all workers

The rules every job follows (Huey delivers a job at most once per enqueue: a worker
killed mid-job loses it, and a job may also be enqueued twice by the code that
triggers it):
- A job carries ids, never objects, and reloads what it needs.
- It checks state before acting and claims its work with a conditional update
  (``filter(pk=..., sent_at=None).update(sent_at=now)`` and a row count of 1) or a
  unique key, so that running it twice, or on two workers at once, has the effect
  of running it once.
- Work that must survive a killed worker is recorded in the database first and
  picked up by a periodic sweep, which is itself safe to repeat.

Periodic jobs are enqueued by the scheduler of every worker process ("consumer"):
with several consumers each enqueues its own copy. ``periodic_job`` lets only the
first copy of each period run, with a claim written next to the queue itself
(``put_if_empty``: an INSERT on SQLite, HSETNX on Redis) — every consumer of a queue
shares its store, on one machine or many, which a per-process cache would not.

Each job's log lines carry the request id of the request that enqueued it
(taskflow.queue stamps it, the pre-execute hook below binds it), the job's name and
its id. Failures are counted in the queue's store, so /metrics on any instance shows
the same queue-wide figures (``JobQueueCollector``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from huey import signals
from huey.api import Task
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from taskflow.queue import JOB_META

logger = structlog.get_logger("taskflow.jobs")

# Counters in the queue's store (shared by every worker and web instance).
FAILED_ATTEMPTS = "taskflow:failed_attempts"  # every run that raised or timed out
FAILED = "taskflow:failed"  # jobs that gave up: failed with no retry left
# How many of the next jobs /metrics reads to find the oldest one (bounded work).
OLDEST_SCAN = 500


def queue() -> Any:
    """The Huey instance (settings.HUEY): SqliteQueue or RedisQueue, or memory in tests."""
    return HUEY


def job(
    *,
    retries: int = 5,
    retry_delay: float | None = None,
    backoff: float = 2.0,
    priority: int | None = None,
    name: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a job. Calling the result enqueues it: ``deliver(reminder_id=...)``.

    A failed run is retried ``retries`` times, the first after ``retry_delay`` seconds
    (settings.JOBS_RETRY_DELAY by default), each next one ``backoff`` times later.
    """

    def decorator(fn: Callable[..., Any]) -> Any:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(JOB_META, None)
            return fn(*args, **kwargs)

        return db_task(
            retries=retries,
            retry_delay=settings.JOBS_RETRY_DELAY if retry_delay is None else retry_delay,
            retry_backoff=backoff,
            priority=priority,
            name=name,
            carries_job_meta=True,
        )(run)

    return decorator


def periodic_job(
    schedule: Callable[[Any], bool],
    *,
    period: timedelta,
    retries: int = 2,
    retry_delay: float | None = None,
    backoff: float = 2.0,
    name: str | None = None,
) -> Callable[[Callable[[], Any]], Any]:
    """Declare a job that the workers' schedulers enqueue when ``schedule`` (a huey
    ``crontab``) matches, and that runs at most once per ``period`` however many
    workers enqueued it. The period should cover the schedule's interval."""

    def decorator(fn: Callable[[], Any]) -> Any:
        job_name = name or fn.__name__

        @functools.wraps(fn)
        def run(*, task: Task | None = None, **kwargs: Any) -> Any:
            meta = kwargs.get(JOB_META) or {}
            enqueued_at = meta.get("enqueued_at") or time.time()
            task_id = task.id if task is not None else "local"
            if not claim_period(job_name, enqueued_at=enqueued_at, period=period, owner=task_id):
                logger.info("periodic_job_skipped", reason="already run this period")
                return None
            logger.info("periodic_job_ran")
            return fn()

        return db_periodic_task(
            schedule,
            retries=retries,
            retry_delay=settings.JOBS_RETRY_DELAY if retry_delay is None else retry_delay,
            retry_backoff=backoff,
            name=name,
            context=True,
            carries_job_meta=True,
        )(run)

    return decorator


def _period_key(name: str, index: int) -> str:
    return f"taskflow:period:{name}:{index}"


def claim_period(name: str, *, enqueued_at: float, period: timedelta, owner: str) -> bool:
    """True for the first claimant of the period containing ``enqueued_at`` (and for
    that claimant's own retries), False for every other."""
    seconds = period.total_seconds()
    index = int(enqueued_at // seconds)
    key = _period_key(name, index)
    store = queue()
    if not store.put_if_empty(key, owner):
        return store.get(key, peek=True) == owner
    # The claims of the two previous periods are no longer needed; deleting them keeps
    # the store bounded (the SQLite store has no expiry, Redis's only from 7.4).
    for old in (index - 1, index - 2):
        store.delete(_period_key(name, old))
    return True


# --- hooks: log context and failure counts ------------------------------------------------


@HUEY.pre_execute(name="taskflow.bind_log_context")
def _bind_log_context(task: Task) -> None:
    meta = task.kwargs.get(JOB_META) or {}
    task._log_tokens = structlog.contextvars.bind_contextvars(  # type: ignore[attr-defined]
        request_id=meta.get("request_id"), job=task.name, job_id=task.id
    )


@HUEY.post_execute(name="taskflow.unbind_log_context")
def _unbind_log_context(task: Task, value: Any, exception: BaseException | None) -> None:
    tokens = getattr(task, "_log_tokens", None)
    if tokens is not None:
        # Reset, not clear: in immediate mode the job ran inside a request's context.
        structlog.contextvars.reset_contextvars(**tokens)
        del task._log_tokens


@HUEY.signal(signals.SIGNAL_ERROR, signals.SIGNAL_TIMEOUT)
def _count_failure(signal: str, task: Task, exc: BaseException | None = None) -> None:
    # Sent before the retry is scheduled: ``task.retries`` is what is left.
    final = not task.retries
    store = queue().storage
    store.incr(FAILED_ATTEMPTS)
    if final:
        store.incr(FAILED)
    logger.warning(
        "job_failed",
        error=repr(exc) if exc is not None else signal,
        retries_left=task.retries,
        gave_up=final,
    )


# --- /metrics ------------------------------------------------------------------------------


def oldest_job_age(now: float | None = None) -> float:
    """Seconds the oldest of the next OLDEST_SCAN waiting jobs has waited (0 if none)."""
    now = time.time() if now is None else now
    stamps = [
        (task.kwargs.get(JOB_META) or {}).get("enqueued_at")
        for task in queue().pending(limit=OLDEST_SCAN)
    ]
    known = [stamp for stamp in stamps if stamp is not None]
    return max(0.0, now - min(known)) if known else 0.0


class JobQueueCollector(Collector):
    """Queue-wide figures read from the queue's store at scrape time. Every instance
    reports the same values: aggregate them with max(), not sum()."""

    def describe(self) -> Iterator[Any]:
        # Names only: registering must not touch the queue (prometheus_client calls
        # collect() when describe() is missing).
        return iter(self._families())

    def collect(self) -> Iterator[Any]:
        up, queued, scheduled, oldest, attempts, failed = self._figures()
        families = self._families()
        for family, value in zip(
            families, (up, queued, scheduled, oldest, attempts, failed), strict=True
        ):
            family.add_metric([], value)
        return iter(families)

    @staticmethod
    def _families() -> list[Any]:
        return [
            GaugeMetricFamily("taskflow_jobs_queue_up", "1 if the job queue answered."),
            GaugeMetricFamily("taskflow_jobs_queued", "Jobs waiting for a worker."),
            GaugeMetricFamily(
                "taskflow_jobs_scheduled", "Jobs waiting for their time (retries, delays)."
            ),
            GaugeMetricFamily(
                "taskflow_jobs_oldest_age_seconds",
                "How long the oldest waiting job has been in the queue.",
            ),
            CounterMetricFamily(
                "taskflow_jobs_failed_attempts", "Job runs that raised or timed out."
            ),
            CounterMetricFamily(
                "taskflow_jobs_failed", "Jobs that failed with no retry left (given up)."
            ),
        ]

    @staticmethod
    def _figures() -> tuple[float, ...]:
        store = queue()
        try:
            return (
                1.0,
                float(store.pending_count()),
                float(store.scheduled_count()),
                oldest_job_age(),
                # incr by 0 reads a counter: the storage API has no plain read.
                float(store.storage.incr(FAILED_ATTEMPTS, 0)),
                float(store.storage.incr(FAILED, 0)),
            )
        except Exception:  # Redis or the queue file unreachable: say so, don't fail
            logger.warning("job_queue_unavailable", exc_info=True)
            return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


JOB_QUEUE_COLLECTOR = JobQueueCollector()
