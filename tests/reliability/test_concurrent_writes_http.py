"""Concurrent writes through real HTTP against gunicorn (2 workers x 8 threads, SQLite
in WAL mode): idempotent creates and optimistic concurrency (If-Match) hold up when
requests really overlap.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
import requests

from tests.reliability.conftest import all_at_once, register_and_login
from tests.reliability.figures import status_classes, write_figures

pytestmark = [pytest.mark.slow, pytest.mark.integration]

THREADS = 20
IDEMPOTENCY_ROUNDS = 5
RMW_ATTEMPTS = 60  # per writer: bounds the read-modify-write retry loop


@pytest.fixture(scope="module")
def auth(gunicorn_sqlite) -> dict[str, str]:
    return register_and_login(gunicorn_sqlite.url, "concurrency@example.com")


def _titles(base: str, auth: dict[str, str], search: str) -> list[dict]:
    page = requests.get(
        f"{base}/api/tasks/", params={"search": search, "page_size": 100}, headers=auth, timeout=30
    )
    assert page.status_code == 200
    return page.json()["results"]


def test_same_idempotency_key_and_body_at_once_creates_exactly_one_task(gunicorn_sqlite, auth):
    base = gunicorn_sqlite.url
    statuses: list[int] = []
    duplicates = 0
    for round_no in range(IDEMPOTENCY_ROUNDS):
        key = str(uuid.uuid4())
        body = {"title": f"idem-{key}", "tags": ["retry"], "priority": "high"}

        def post(_index: int, key: str = key, body: dict = body) -> requests.Response:
            return requests.post(
                f"{base}/api/tasks/",
                json=body,
                headers={**auth, "Idempotency-Key": key},
                timeout=60,
            )

        responses = all_at_once(THREADS, post)
        statuses += [r.status_code for r in responses]
        assert [r.status_code for r in responses] == [201] * THREADS, round_no
        assert len({r.json()["id"] for r in responses}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") != "true" for r in responses) == 1
        stored = _titles(base, auth, f"idem-{key}")
        duplicates += len(stored) - 1
        assert len(stored) == 1

    other_body = requests.post(
        f"{base}/api/tasks/",
        json={"title": "something else"},
        headers={**auth, "Idempotency-Key": key},
        timeout=30,
    )
    assert other_body.status_code == 422
    write_figures(
        "idempotent_creates",
        {
            "rounds": IDEMPOTENCY_ROUNDS,
            "concurrent_posts_per_round": THREADS,
            "tasks_created": IDEMPOTENCY_ROUNDS,
            "duplicates": duplicates,
            "same_key_other_body_status": other_body.status_code,
            **status_classes(statuses),
        },
    )


def test_twenty_patches_with_one_if_match_exactly_one_wins(gunicorn_sqlite, auth):
    base = gunicorn_sqlite.url
    created = requests.post(f"{base}/api/tasks/", json={"title": "contended"}, headers=auth)
    url = f"{base}{created.headers['Location']}"
    etag = requests.get(url, headers=auth, timeout=30).headers["ETag"]

    def patch(index: int) -> requests.Response:
        return requests.patch(
            url, json={"title": f"writer {index}"}, headers={**auth, "If-Match": etag}, timeout=60
        )

    responses = all_at_once(THREADS, patch)
    codes = Counter(r.status_code for r in responses)
    winner = next(r.json() for r in responses if r.status_code == 200)
    final = requests.get(url, headers=auth, timeout=30).json()

    assert codes == {200: 1, 412: THREADS - 1}
    assert final["title"] == winner["title"]
    assert final["version"] == 2
    write_figures(
        "if_match_patches",
        {
            "concurrent_patches": THREADS,
            "lost_updates": int(final["title"] != winner["title"]),
            "final_version": final["version"],
            **status_classes(list(codes.elements())),
        },
    )


def test_read_modify_write_with_if_match_loses_no_update(gunicorn_sqlite, auth):
    """20 writers each append their own line with read + PATCH If-Match, retrying on
    412: every line arrives and the version counts each successful write once."""
    base = gunicorn_sqlite.url
    created = requests.post(f"{base}/api/tasks/", json={"title": "shared log"}, headers=auth)
    url = f"{base}{created.headers['Location']}"
    lock = threading.Lock()
    statuses: list[int] = []

    def append_line(index: int) -> int:
        session = requests.Session()
        for _ in range(RMW_ATTEMPTS):
            current = session.get(url, headers=auth, timeout=60)
            line = f"line {index}"
            body = {"description": current.json()["description"] + line + "\n"}
            reply = session.patch(
                url, json=body, headers={**auth, "If-Match": current.headers["ETag"]}, timeout=60
            )
            with lock:
                statuses.extend([current.status_code, reply.status_code])
            if reply.status_code != 412:
                return reply.status_code
        return 412

    results = all_at_once(THREADS, append_line)
    final = requests.get(url, headers=auth, timeout=30).json()
    lines = final["description"].splitlines()

    assert results == [200] * THREADS
    assert sorted(lines) == sorted(f"line {i}" for i in range(THREADS))
    assert final["version"] == 1 + THREADS
    write_figures(
        "if_match_read_modify_write",
        {
            "writers": THREADS,
            "acknowledged_writes": results.count(200),
            "lost_updates": THREADS - len(set(lines)),
            "final_version": final["version"],
            "conflicts_412": statuses.count(412),
            **status_classes(statuses),
        },
    )
