"""The kill-a-worker proof (issue 13): many reminders fall due, a real worker process
is killed with SIGKILL in the middle of delivering one (its SMTP conversation is
open), two fresh workers take over, and the real SMTP server has received exactly one
email per reminder; every reminder has exactly one in-app notification.

How the reminder whose delivery was cut off comes back: its claim expires after the
lease (REMINDER_LEASE_SECONDS, 10 s here) and the next sweep takes it again
(notifications/delivery.py). Every wait is bounded."""

from __future__ import annotations

import asyncio
import email
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest

from devservers import pid_alive
from tests.jobs.conftest import wait_until
from tests.production import ROOT, production_env
from tests.smtp import serving

pytestmark = pytest.mark.slow

REMINDERS = 30
HOLD_AT = 10  # the SMTP conversation during which the worker is killed
LEASE = 10

SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from notifications import reminders
from notifications.tasks import sweep
from tasks import services

ana = User.objects.create_user("ana@example.com", None, name="Ana")
for n in range({REMINDERS}):
    task, _ = services.task_create(actor=ana, title=f"Task {{n:02d}}")
    reminders.reminder_create(actor=ana, task=task, at=timezone.now() - timedelta(seconds=1))
print(sweep())
"""

SWEEP = "from notifications.tasks import sweep; print(sweep())"

STATE = """
import json
from notifications.models import Notification, Reminder
print(json.dumps({
    "unsent": Reminder.objects.filter(sent_at__isnull=True).count(),
    "notifications": sorted(Notification.objects.values_list("title", flat=True)),
    "attempts": sorted(Reminder.objects.values_list("attempts", flat=True)),
}))
"""


class HoldingInbox:
    """Accepts every message, except that it holds the HOLD_AT-th conversation open
    (no answer to DATA) until released, then refuses it: a message the server never
    accepted was not delivered."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.attempts = 0
        self.held = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts == HOLD_AT:
            self.held.set()
            for _ in range(1200):  # at most 120 s
                if self.released.is_set():
                    break
                await asyncio.sleep(0.1)
            return "451 4.3.0 Not accepted"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def manage_shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_killing_a_worker_mid_delivery_still_sends_each_reminder_once(
    tmp_path, migrated_sqlite, start_worker
):
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, database)
    inbox = HoldingInbox()
    with serving(inbox) as port:
        try:
            env = {
                "DATABASE_URL": f"sqlite:///{database}",
                "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite3"),
                "EMAIL_URL": f"smtp://127.0.0.1:{port}",
                "REMINDER_LEASE_SECONDS": str(LEASE),
            }
            shell_env = production_env(tmp_path, **env)
            assert manage_shell(shell_env, SETUP) == str(REMINDERS)  # all claimed, all queued

            first = start_worker("worker1", **env)
            assert inbox.held.wait(timeout=120), "the worker never reached the held delivery"
            # The worker is inside its SMTP conversation for reminder HOLD_AT: kill -9.
            os.kill(first.pid, signal.SIGKILL)
            wait_until(lambda: not pid_alive(first.pid), timeout=30, what="the worker to die")
            killed_at = time.monotonic()
            first.pid = None  # nothing left to stop
            inbox.released.set()
            assert len(inbox.messages) == HOLD_AT - 1

            # Two fresh workers drain what was still queued...
            second = start_worker("worker2", **env)
            third = start_worker("worker3", **env)
            wait_until(
                lambda: len(inbox.messages) >= REMINDERS - 1,
                timeout=120,
                what="the queued reminders' emails",
            )
            # ...and once the dead worker's claim has expired, a sweep takes its reminder
            # again (the workers' own sweep runs each minute; this one saves the wait).
            time.sleep(max(0.0, killed_at + LEASE + 1 - time.monotonic()))
            manage_shell(shell_env, SWEEP)
            wait_until(lambda: len(inbox.messages) >= REMINDERS, timeout=120, what="the last email")
            wait_until(
                lambda: json.loads(manage_shell(shell_env, STATE))["unsent"] == 0,
                timeout=60,
                what="every reminder marked sent",
            )
            # Anything that would be a duplicate has had its chance: both workers idle, no
            # claim left to expire (all sent), so the count is final.
            time.sleep(2)
            state = json.loads(manage_shell(shell_env, STATE))
        finally:
            inbox.released.set()

    subjects = Counter(message["Subject"] for message in inbox.messages)
    assert len(inbox.messages) == REMINDERS
    assert subjects == Counter(f"Reminder: Task {n:02d}" for n in range(REMINDERS))
    assert len({message["Message-ID"] for message in inbox.messages}) == REMINDERS
    assert state["notifications"] == sorted(f"Reminder: Task {n:02d}" for n in range(REMINDERS))
    # The interrupted reminder was claimed twice; every other one once.
    assert Counter(state["attempts"]) == Counter({1: REMINDERS - 1, 2: 1})
    sent = [e for w in (second, third) for e in w.named("reminder_sent")]
    assert len(sent) == REMINDERS - (HOLD_AT - 1)
