"""The embedded mode's read memo (taskflow/request_memo.py) across real processes: one
gunicorn, 2 workers x 8 threads, over a SQLite file, with no Redis. Each thread keeps
the user's row and the token's revocation while SQLite reports the database
unchanged. A change written by one worker, or by a separate process, must be seen by
every thread's next request.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
import requests

from tests.reliability.conftest import ROOT, all_at_once, register_and_login

pytestmark = [pytest.mark.slow, pytest.mark.integration]

AT_ONCE = 16  # as many requests as the server has threads: the memo of each is warm
ROUNDS = 3


def statuses(base: str, auth: dict[str, str]) -> Counter:
    """The statuses of ROUNDS x AT_ONCE concurrent requests of the task list."""

    def get(_index: int) -> int:
        return requests.get(f"{base}/api/tasks/", headers=auth, timeout=30).status_code

    seen: Counter = Counter()
    for _ in range(ROUNDS):
        seen.update(all_at_once(AT_ONCE, get))
    return seen


def test_sign_out_everywhere_by_one_worker_is_seen_by_every_thread(gunicorn_sqlite):
    base = gunicorn_sqlite.url
    auth = register_and_login(base, "memo-logout@example.com")
    assert statuses(base, auth) == {200: ROUNDS * AT_ONCE}
    signed_out = requests.post(f"{base}/api/auth/logout-all/", headers=auth, timeout=30)
    assert signed_out.status_code == 204, signed_out.text
    assert statuses(base, auth) == {401: ROUNDS * AT_ONCE}


def test_a_deactivation_by_another_process_is_seen_by_every_thread(gunicorn_sqlite):
    base = gunicorn_sqlite.url
    auth = register_and_login(base, "memo-deactivated@example.com")
    assert statuses(base, auth) == {200: ROUNDS * AT_ONCE}
    code = (
        "from accounts.models import User; "
        "User.objects.filter(email='memo-deactivated@example.com').update(is_active=False)"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=gunicorn_sqlite.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert statuses(base, auth) == {401: ROUNDS * AT_ONCE}
