"""Real workers (`manage.py run_huey` processes) on the embedded SQLite queue and on
a real redis-server, sending through a real SMTP server that the test starts."""

from __future__ import annotations

import time

import pytest
import structlog
from huey.storage import PriorityRedisStorage, SqliteStorage

from taskflow.email import deliver_email, send_email
from tests.jobs.conftest import enqueue_into, wait_until

# Worker processes start Django and the consumer: seconds each on a busy machine.
pytestmark = pytest.mark.slow


def _send_and_receive(smtp_server, worker, request_id: str) -> None:
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        send_email(to=["ana@example.com"], subject="Your reminder", body="Pay rent")

    wait_until(lambda: smtp_server.messages, timeout=60, what="the email at the SMTP server")
    assert smtp_server.messages[0]["Subject"] == "Your reminder"
    assert smtp_server.envelopes[0][1] == ["ana@example.com"]
    (sent,) = wait_until(lambda: worker.named("email_sent"), timeout=30, what="email_sent")
    assert sent["request_id"] == request_id
    assert sent["job"] == "deliver_email"


def test_worker_on_the_sqlite_queue_sends_email_with_the_request_id(
    tmp_path, smtp_server, start_worker
):
    queue_file = tmp_path / "jobs.sqlite3"
    worker = start_worker(JOBS_SQLITE_PATH=str(queue_file), EMAIL_URL=smtp_server.url)

    with enqueue_into(SqliteStorage("taskflow", filename=str(queue_file))):
        _send_and_receive(smtp_server, worker, "req-sqlite-0001")


def test_worker_on_redis_sends_email_with_the_request_id(redis_server, smtp_server, start_worker):
    worker = start_worker(REDIS_URL=redis_server.url, EMAIL_URL=smtp_server.url)

    with enqueue_into(PriorityRedisStorage("taskflow", url=redis_server.url)):
        _send_and_receive(smtp_server, worker, "req-redis-00001")


def test_email_refused_twice_is_retried_with_backoff_and_arrives_once(
    tmp_path, smtp_server, start_worker, monkeypatch, migrated_sqlite
):
    smtp_server.refuse_first = 2  # "451 try again later", twice
    # The retry policy travels with the job: the enqueuer's 1 s, doubling (not 30 s).
    monkeypatch.setattr(deliver_email.task_class, "default_retry_delay", 1)
    queue_file = tmp_path / "jobs.sqlite3"
    # A migrated database: the worker's own periodic jobs (the reminder sweep, each
    # minute) must find their tables, or their failures would mix with the email's.
    worker = start_worker(
        JOBS_SQLITE_PATH=str(queue_file),
        EMAIL_URL=smtp_server.url,
        DATABASE_URL=f"sqlite:///{migrated_sqlite}",
    )

    with enqueue_into(SqliteStorage("taskflow", filename=str(queue_file))):
        send_email(to=["ana@example.com"], subject="Retry me", body="text")
        wait_until(lambda: smtp_server.messages, timeout=60, what="the email")
        wait_until(lambda: worker.named("email_sent"), timeout=30, what="email_sent")

    failures = [f for f in worker.named("job_failed") if "451" in f.get("error", "")]
    assert smtp_server.attempts == 3
    assert len(smtp_server.messages) == 1
    assert [f["retries_left"] for f in failures] == [6, 5]
    # Both retries waited in the schedule (1 s, then 2 s), not in the queue.
    requeued = [e["event"] for e in worker.events() if "to schedule, eta" in e["event"]]
    assert len(requeued) == 2


def _wait_past_midnight_utc(margin: float = 60.0) -> None:
    # The claim is per UTC day: two workers enqueueing on either side of midnight
    # would rightly run once each. Start clear of it (sleeps at most `margin`).
    into_day = time.time() % 86400
    if into_day > 86400 - margin:
        time.sleep(86400 - into_day + 1)


def test_two_workers_run_a_periodic_job_once_per_period(
    redis_server, migrated_sqlite, start_worker
):
    _wait_past_midnight_utc()
    # Every minute, so that both schedulers enqueue it as soon as they start.
    env = {
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
        "PRUNE_SCHEDULE": "* * * * *",
    }
    workers = [start_worker(f"worker{n}", **env) for n in range(2)]

    def outcomes() -> list[str]:
        return [
            entry["event"]
            for worker in workers
            for entry in worker.events()
            if entry.get("event") in ("periodic_job_ran", "periodic_job_skipped")
            # The workers run other periodic jobs too (the reminder sweep, each minute).
            and "prune" in entry.get("job", "")
        ]

    wait_until(lambda: len(outcomes()) >= 2, timeout=60, what="both workers' prune jobs")
    assert sorted(outcomes())[:2] == ["periodic_job_ran", "periodic_job_skipped"]
    assert outcomes().count("periodic_job_ran") == 1
    pruned = [e for w in workers for e in w.named("pruned_expired")]
    assert len(pruned) == 1
