"""The cluster's two job workers consume the shared Redis queue: an email enqueued
anywhere is sent once, by one of them, with the enqueuing request id in its log."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.integration

SEND = (
    "import structlog; from taskflow.email import send_email; "
    "structlog.contextvars.bind_contextvars(request_id='req-cluster-0001'); "
    "send_email(to=['ana@example.com'], subject='From the cluster', body='Hello')"
)


def _sent_lines(cluster) -> list[dict]:
    found = []
    for index in range(cluster.state.job_workers):
        log = cluster.root / f"jobworker{index}.log"
        for line in log.read_text().splitlines():
            if '"email_sent"' in line:
                found.append(json.loads(line))
    return found


def test_both_job_workers_run_and_one_sends_the_email(cluster):
    assert all(cluster.status()[f"jobworker{i}"] for i in range(2))

    cluster.manage("shell", "-c", SEND)

    deadline = time.monotonic() + 60
    while not (_sent_lines(cluster) and cluster.mail_dir.is_dir()):
        assert time.monotonic() < deadline, "no worker sent the email within 60 s"
        time.sleep(0.2)
    (sent,) = _sent_lines(cluster)
    (message,) = cluster.mail_dir.iterdir()
    assert "Subject: From the cluster" in message.read_text()
    assert sent["request_id"] == "req-cluster-0001"
