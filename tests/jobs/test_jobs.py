"""Jobs in the test process: enqueue metadata, retries with backoff, the
once-per-period claim, send_email's checks and the queue figures on /metrics."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import structlog
from django.core import mail
from django.test import Client
from huey.storage import MemoryStorage, PriorityRedisStorage, SqliteStorage

from devservers import free_port
from taskflow import jobs
from taskflow.email import send_email
from taskflow.jobs import claim_period, job, queue
from taskflow.queue import JOB_META, QueueUnavailable, SqliteQueue, redis_url_with_timeouts
from tests.jobs.conftest import enqueue_into

# Jobs close stale database connections around each run, as in the worker.
pytestmark = pytest.mark.django_db

seen: list[dict] = []


@job(retries=2, retry_delay=10, backoff=2)
def flaky(*, fail_times: int) -> None:
    """Fails ``fail_times`` times, then succeeds."""
    seen.append(dict(structlog.contextvars.get_contextvars()))
    if len(seen) <= fail_times:
        raise RuntimeError("temporary trouble")


@pytest.fixture(autouse=True)
def _reset_seen():
    seen.clear()


def test_a_job_runs_with_the_request_id_that_enqueued_it_and_leaves_the_request_context():
    with structlog.contextvars.bound_contextvars(request_id="req-1234567890"):
        flaky(fail_times=0)
        after = structlog.contextvars.get_contextvars()

    assert seen[0]["request_id"] == "req-1234567890"
    assert seen[0]["job"] == "flaky"
    assert seen[0]["job_id"]
    # The job's fields are gone again from the request's context (immediate mode).
    assert after == {"request_id": "req-1234567890"}


def test_a_failing_job_is_retried_with_growing_delays_then_succeeds():
    with enqueue_into(MemoryStorage("taskflow")) as huey:
        flaky(fail_times=2)
        task = huey.dequeue()
        delays = []
        for _ in range(3):
            # At the task's own time, as the worker would once the retry is due.
            huey.execute(task, timestamp=task.eta)
            if huey.scheduled_count():
                (task,) = huey.read_schedule(task.eta)
                delays.append(task.retry_delay)
        failures = huey.storage.incr(jobs.FAILED_ATTEMPTS, 0), huey.storage.incr(jobs.FAILED, 0)

    assert len(seen) == 3  # failed, failed, succeeded
    # retry_delay is the delay of the *next* retry: 10 s, then 20 s, then 40 s.
    assert delays == [20, 40]
    assert failures == (2, 0)


def test_a_job_that_keeps_failing_gives_up_and_is_counted():
    with enqueue_into(MemoryStorage("taskflow")) as huey:
        flaky(fail_times=99)
        task = huey.dequeue()
        for _ in range(3):
            huey.execute(task, timestamp=task.eta)
            if huey.scheduled_count():
                (task,) = huey.read_schedule(task.eta)
        leftover = huey.scheduled_count() + huey.pending_count()
        failures = huey.storage.incr(jobs.FAILED_ATTEMPTS, 0), huey.storage.incr(jobs.FAILED, 0)

    assert len(seen) == 3  # the first run and two retries
    assert leftover == 0
    assert failures == (3, 1)


def test_enqueued_jobs_carry_request_id_and_enqueue_time():
    with (
        enqueue_into(MemoryStorage("taskflow")) as huey,
        structlog.contextvars.bound_contextvars(request_id="req-abcdefgh"),
    ):
        flaky(fail_times=0)
        (task,) = huey.pending()

    assert task.kwargs[JOB_META]["request_id"] == "req-abcdefgh"
    assert task.kwargs[JOB_META]["enqueued_at"] > 0


def test_one_claim_per_period_and_the_claimant_may_retry():
    day = timedelta(days=1)
    start = 1_900_000_000 - 1_900_000_000 % 86400  # a midnight UTC

    first = claim_period("prune", enqueued_at=start + 10, period=day, owner="task-a")
    second = claim_period("prune", enqueued_at=start + 50, period=day, owner="task-b")
    retry = claim_period("prune", enqueued_at=start + 99, period=day, owner="task-a")
    next_day = claim_period("prune", enqueued_at=start + 86400 + 5, period=day, owner="task-b")

    assert (first, second, retry, next_day) == (True, False, True, True)


def test_periodic_prune_job_runs_once_per_day():
    from tasks.tasks import prune_expired

    run = prune_expired.call_local  # the function the worker calls, claim included
    assert run(_job_meta={"enqueued_at": 1_900_000_000.0}) is None
    assert queue().storage.peek_data("taskflow:period:prune_expired:21990") is not None


def test_send_email_delivers_through_django_email():
    send_email(
        to=["ana@example.com"],
        subject="Your reminder",
        body="Pay rent",
        html_body="<p>Pay rent</p>",
    )

    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == (
        ["ana@example.com"],
        "Your reminder",
        "Pay rent",
    )
    assert message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"to": [], "subject": "Hi"},
        {"to": ["  "], "subject": "Hi"},
        {"to": ["ana@example.com"], "subject": "Hi\nBcc: eve@example.com"},
        {"to": ["ana@example.com\r\nBcc: eve@example.com"], "subject": "Hi"},
    ],
)
def test_send_email_refuses_bad_messages_before_queueing(kwargs):
    with pytest.raises(ValueError, match=r"recipient|line breaks"):
        send_email(body="text", **kwargs)
    assert mail.outbox == []


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_metrics_show_queue_depth_and_oldest_job(tmp_path, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    with enqueue_into(SqliteStorage("taskflow", filename=str(tmp_path / "q.sqlite3"))):
        for n in range(3):
            send_email(to=[f"user{n}@example.com"], subject="Hi", body="Hello")
        text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()

    assert _metric(text, "taskflow_jobs_queue_up") == 1
    assert _metric(text, "taskflow_jobs_queued") == 3
    assert _metric(text, "taskflow_jobs_scheduled") == 0
    assert _metric(text, "taskflow_jobs_oldest_age_seconds") >= 0
    assert _metric(text, "taskflow_jobs_failed_total") == 0
    assert mail.outbox == []  # queued, not sent: no worker here


def test_metrics_report_an_unreachable_queue_instead_of_failing(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]

    class Down(MemoryStorage):
        def queue_size(self) -> int:
            raise ConnectionError("queue down")

    with enqueue_into(Down("taskflow")):
        response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    assert response.status_code == 200
    assert _metric(response.content.decode(), "taskflow_jobs_queue_up") == 0


def test_redis_url_gets_timeouts_unless_it_sets_its_own():
    url = redis_url_with_timeouts("redis://cache:6379/0?socket_timeout=9")

    assert url.startswith("redis://cache:6379/0?")
    assert "socket_timeout=9" in url
    assert "socket_connect_timeout=2" in url


def test_an_unreachable_redis_queue_refuses_the_job_with_a_clear_error():
    url = redis_url_with_timeouts(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    with (
        enqueue_into(PriorityRedisStorage("taskflow", url=url)),
        pytest.raises(QueueUnavailable),
    ):
        send_email(to=["ana@example.com"], subject="Hi", body="Hello")


def test_the_embedded_queue_creates_its_file_on_first_use_only(tmp_path):
    path = tmp_path / "var" / "jobs.sqlite3"
    embedded = SqliteQueue("taskflow", filename=str(path), results=False)
    before = path.parent.exists()

    embedded.storage.enqueue(b"job")

    assert (before, embedded.pending_count()) == (False, 1)
