"""Fault injection on the local cluster (devservers/cluster.py: PostgreSQL, Redis, 2 gunicorn
instances of 2 workers behind nginx, all on 127.0.0.1).

Clients behave like well-made API clients: every create carries an Idempotency-Key and
is retried with the same key on a connection error or a 5xx (bounded tries). After each
fault every acknowledged task must exist exactly once, and the cluster must recover
without a manual step.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.reliability.conftest import all_at_once, register_and_login
from tests.reliability.figures import status_classes, write_figures

# The first test also waits for the session's cluster to start (minutes on a busy
# 2-core machine), hence the longer timeout.
pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.timeout(900)]

CREATES = 120
CLIENT_THREADS = 4
MAX_TRIES = 25
RETRY_PAUSE = 0.2  # doubled after each failed try, up to RETRY_PAUSE_MAX
RETRY_PAUSE_MAX = 2.0
TIMEOUT = 15


class Stream:
    """Idempotent creates with client retries, counting everything they see."""

    def __init__(self, base: str, auth: dict[str, str], prefix: str) -> None:
        self.base, self.auth, self.prefix = base, auth, prefix
        self.lock = threading.Lock()
        self.statuses: list[int] = []
        self.connection_errors = 0
        self.acknowledged: dict[str, str] = {}  # title -> id
        self.gave_up: list[str] = []

    def create(self, index: int) -> None:
        title = f"{self.prefix}-{index}"
        session = requests.Session()
        headers = {**self.auth, "Idempotency-Key": title}
        for attempt in range(MAX_TRIES):
            # Backoff: after a kill nginx may count every upstream as failed for a few
            # seconds (max_fails / fail_timeout) and answer 502 at once meanwhile.
            pause = min(RETRY_PAUSE * 2**attempt, RETRY_PAUSE_MAX)
            try:
                reply = session.post(
                    f"{self.base}/api/tasks/",
                    json={"title": title},
                    headers=headers,
                    timeout=TIMEOUT,
                )
            except requests.RequestException:
                with self.lock:
                    self.connection_errors += 1
                time.sleep(pause)
                continue
            with self.lock:
                self.statuses.append(reply.status_code)
            if reply.status_code == 201:
                with self.lock:
                    self.acknowledged[title] = reply.json()["id"]
                return
            time.sleep(pause)
        with self.lock:
            self.gave_up.append(title)

    def run(self, count: int) -> None:
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            list(pool.map(self.create, range(count)))

    def wait_for_acks(self, count: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)


def stored_titles(base: str, auth: dict[str, str], prefix: str) -> Counter[str]:
    titles: Counter[str] = Counter()
    for page in range(1, 50):  # bounded: 50 pages of 100
        reply = requests.get(
            f"{base}/api/tasks/",
            params={"search": prefix, "page": page, "page_size": 100},
            headers=auth,
            timeout=TIMEOUT,
        )
        if reply.status_code == 404:  # past the last page
            break
        assert reply.status_code == 200, reply.text
        titles.update(task["title"] for task in reply.json()["results"])
        if not reply.json()["next"]:
            break
    return titles


def integrity(stream: Stream) -> dict[str, int]:
    stored = stored_titles(stream.base, stream.auth, stream.prefix)
    return {
        "acknowledged": len(stream.acknowledged),
        "gave_up": len(stream.gave_up),
        "records_lost": sum(1 for title in stream.acknowledged if stored[title] == 0),
        "duplicates": sum(count - 1 for count in stored.values() if count > 1),
    }


@pytest.fixture(scope="module")
def auth(cluster) -> dict[str, str]:
    # Straight to an instance, with a client address of our own (one trusted proxy):
    # the login-limit tests must not count these attempts.
    return register_and_login(
        cluster.instance_urls[0], "faults@example.com", headers={"X-Forwarded-For": "10.77.0.1"}
    )


def in_background(action: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_concurrent_writes_across_instances_on_postgres(cluster, auth):
    """The concurrency tests of test_concurrent_writes_http.py again, through nginx to
    both instances on PostgreSQL: one key -> one task; one If-Match -> one winner."""
    key = f"across-{uuid.uuid4().hex[:8]}"

    def create(_index: int) -> requests.Response:
        return requests.post(
            f"{cluster.nginx_url}/api/tasks/",
            json={"title": key},
            headers={**auth, "Idempotency-Key": key},
            timeout=TIMEOUT,
        )

    created = all_at_once(20, create)
    url = f"{cluster.nginx_url}{created[0].headers['Location']}"
    etag = requests.get(url, headers=auth, timeout=TIMEOUT).headers["ETag"]

    def patch(index: int) -> requests.Response:
        return requests.patch(
            url, json={"title": f"w{index}"}, headers={**auth, "If-Match": etag}, timeout=TIMEOUT
        )

    stored = stored_titles(cluster.nginx_url, auth, key)
    patched = all_at_once(20, patch)
    final = requests.get(url, headers=auth, timeout=TIMEOUT).json()
    create_codes = [r.status_code for r in created]
    patch_codes = Counter(r.status_code for r in patched)

    assert create_codes == [201] * 20
    assert len({r.json()["id"] for r in created}) == 1
    assert sum(stored.values()) == 1
    assert patch_codes == {200: 1, 412: 19}
    assert final["version"] == 2
    write_figures(
        "cluster_concurrent_writes",
        {
            "concurrent_creates_one_key": status_classes(create_codes),
            "tasks_stored_for_the_key": sum(stored.values()),
            "concurrent_if_match_patches": status_classes(list(patch_codes.elements())),
            "final_version": final["version"],
        },
    )


def test_killed_worker_then_instance_lose_no_acknowledged_create(cluster, auth):
    stream = Stream(cluster.nginx_url, auth, f"kill-{uuid.uuid4().hex[:8]}")
    faults: list[str] = []

    def inject() -> None:
        stream.wait_for_acks(CREATES // 4)
        faults.append(f"SIGKILL worker {cluster.kill_worker(0)} of instance 0")
        stream.wait_for_acks(CREATES // 2)
        cluster.kill_instance(1)
        faults.append("SIGKILL instance 1 (master and workers)")
        stream.wait_for_acks(3 * CREATES // 4)
        cluster.start_instance(1)
        faults.append("instance 1 started again")

    injector = in_background(inject)
    stream.run(CREATES)
    injector.join(timeout=180)
    figures = integrity(stream)

    seen = (figures, Counter(stream.statuses), stream.connection_errors, stream.gave_up[:5])
    assert not injector.is_alive()
    assert len(faults) == 3
    assert figures["acknowledged"] == CREATES, seen
    assert figures["records_lost"] == 0
    assert figures["duplicates"] == 0
    write_figures(
        "fault_kill_worker_and_instance",
        {
            "faults": faults,
            "creates": CREATES,
            "client_threads": CLIENT_THREADS,
            "connection_errors_retried": stream.connection_errors,
            **figures,
            **status_classes(stream.statuses),
        },
    )


def task_traffic(base: str, auth: dict[str, str], rounds: int) -> list[int]:
    """Every task endpoint once per round: create, list, get, patch, stats, delete."""
    codes: list[int] = []
    session = requests.Session()
    for index in range(rounds):
        created = session.post(
            f"{base}/api/tasks/", json={"title": f"traffic {index}"}, headers=auth, timeout=TIMEOUT
        )
        codes.append(created.status_code)
        url = f"{base}/api/tasks/{created.json().get('id', 'missing')}/"
        for method, target, body in (
            ("GET", f"{base}/api/tasks/", None),
            ("GET", url, None),
            ("PATCH", url, {"status": "done"}),
            ("GET", f"{base}/api/tasks/stats/", None),
            ("DELETE", url, None),
        ):
            codes.append(session.request(method, target, json=body, headers=auth).status_code)
    return codes


def failed_logins(urls: list[str], client_ip: str, attempts: int) -> list[int]:
    """Wrong-password logins from ``client_ip`` (as nginx would pass it), round robin."""
    return [
        requests.post(
            f"{urls[i % len(urls)]}/api/auth/login/",
            # Another account each time: the network's bucket, not the account's.
            json={"email": f"faults{i}@example.com", "password": "wrong password"},
            headers={"X-Forwarded-For": client_ip},
            timeout=TIMEOUT,
        ).status_code
        for i in range(attempts)
    ]


def test_redis_outage_keeps_tasks_up_and_login_limit_per_process(cluster, auth):
    instance = cluster.instance_urls[0]
    workers = cluster.state.workers
    cluster.stop_redis()
    try:
        began = time.monotonic()
        during = task_traffic(cluster.nginx_url, auth, rounds=10)
        seconds_during = time.monotonic() - began
        # Each process keeps its own counter while Redis is away: the 21st attempt
        # that one process sees is refused, so at most workers x 20 get through.
        outage_logins = failed_logins([instance], "10.66.0.1", 20 * workers + 1)
    finally:
        cluster.start_redis()
    began = time.monotonic()
    after = task_traffic(cluster.nginx_url, auth, rounds=5)
    seconds_after = time.monotonic() - began
    ready = [requests.get(f"{url}/readyz", timeout=TIMEOUT) for url in cluster.instance_urls]
    shared_logins = failed_logins(cluster.instance_urls, "10.66.0.2", 22)

    assert status_classes(during)["5xx"] == 0
    assert status_classes(after)["5xx"] == 0
    assert outage_logins[:20] == [401] * 20
    assert 429 in outage_logins
    assert [r.status_code for r in ready] == [200, 200]
    assert all(r.json()["checks"]["cache"] for r in ready)
    # Back on Redis without a restart: one limit across both instances again.
    assert shared_logins == [401] * 20 + [429, 429]
    write_figures(
        "fault_redis_outage",
        {
            "faults": ["redis-server stopped", "redis-server started (empty)"],
            "task_requests_during_outage": status_classes(during),
            "task_requests_after": status_classes(after),
            # Every cache call first tries Redis (connect timeout 0.5 s, client retries).
            "ms_per_task_request_during_outage": round(1000 * seconds_during / len(during)),
            "ms_per_task_request_after": round(1000 * seconds_after / len(after)),
            "failed_logins_to_one_instance_during_outage": len(outage_logins),
            "first_429_at_attempt_during_outage": outage_logins.index(429) + 1,
            "first_429_at_attempt_after_recovery_across_instances": shared_logins.index(429) + 1,
        },
    )


def test_postgres_restart_gives_503_then_recovers_without_manual_step(cluster, auth):
    stream = Stream(cluster.nginx_url, auth, f"pg-{uuid.uuid4().hex[:8]}")
    reads: list[tuple[float, int]] = []  # (monotonic time, status; 0 = no answer)
    stop = threading.Event()

    def read_loop() -> None:
        session = requests.Session()
        for _ in range(3000):  # bounded; normally ended by ``stop``
            if stop.is_set():
                return
            try:
                code = session.get(
                    f"{cluster.nginx_url}/api/tasks/", headers=auth, timeout=TIMEOUT
                ).status_code
            except requests.RequestException:
                code = 0
            reads.append((time.monotonic(), code))
            time.sleep(0.02)

    reader = in_background(read_loop)
    writer = in_background(lambda: stream.run(60))
    stream.wait_for_acks(10)
    stopped_at = time.monotonic()
    cluster.stop_postgres()
    time.sleep(3)
    cluster.start_postgres()
    started_at = time.monotonic()
    writer.join(timeout=180)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and [c for _, c in reads[-5:]] != [200] * 5:
        time.sleep(0.1)
    stop.set()
    reader.join(timeout=30)
    figures = integrity(stream)
    ready = [requests.get(f"{url}/readyz", timeout=TIMEOUT) for url in cluster.instance_urls]
    codes = [c for _, c in reads]
    first_200_after_start = next(t for t, c in reads if t > started_at and c == 200)

    assert 503 in codes
    assert set(codes + stream.statuses) <= {200, 201, 503}  # no 500, no 502, no hang
    assert codes[-5:] == [200] * 5
    assert [r.status_code for r in ready] == [200, 200]
    assert figures["acknowledged"] == 60
    assert figures["records_lost"] == 0
    assert figures["duplicates"] == 0
    write_figures(
        "fault_postgres_restart",
        {
            "faults": ["PostgreSQL stopped (fast shutdown) for 3 s", "PostgreSQL started"],
            "reads": status_classes(codes),
            "reads_503_while_down": sum(
                1 for t, c in reads if stopped_at <= t <= started_at and c == 503
            ),
            # Each pooled connection notices the restart once (503), then reconnects.
            "reads_503_after_start": sum(1 for t, c in reads if t > started_at and c == 503),
            "seconds_from_start_to_first_200": round(first_200_after_start - started_at, 2),
            "seconds_database_down": round(started_at - stopped_at, 2),
            "creates": status_classes(stream.statuses),
            "connection_errors_retried": stream.connection_errors,
            **figures,
        },
    )
