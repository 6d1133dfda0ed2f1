"""Redis stopped: pages and API answer from the database (never a 500); Redis back:
caching resumes on every instance without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.integration.conftest import TIMEOUT, bearer, new_account

pytestmark = pytest.mark.integration

PAGES = ["/", "/accounts/login/", "/accounts/register/", "/admin/login/", "/healthz"]


def statuses(urls: list[str], **kwargs) -> list[int]:
    return [requests.get(url, timeout=TIMEOUT, **kwargs).status_code for url in urls]


def test_api_and_pages_keep_answering_while_redis_is_down(cluster, fresh_redis, redis_restored):
    _, tokens = new_account(cluster.nginx_url)
    auth = bearer(tokens)
    instances = cluster.instance_urls
    cluster.stop_redis()

    pages = statuses([f"{base}{page}" for base in instances for page in PAGES])
    api = statuses([f"{base}/api/tasks/" for base in instances], headers=auth)
    created = [
        requests.post(
            f"{base}/api/tasks/", json={"title": "Offline"}, headers=auth, timeout=TIMEOUT
        )
        for base in instances
    ]
    totals = [
        requests.get(f"{base}/api/tasks/stats/", headers=auth, timeout=TIMEOUT).json()["total"]
        for base in instances
    ]
    email = requests.get(f"{cluster.nginx_url}/api/auth/me/", headers=auth, timeout=TIMEOUT)
    ready = [requests.get(f"{base}/readyz", timeout=TIMEOUT) for base in instances]

    assert pages == [200] * len(pages)
    assert api == [200, 200, 200]
    assert [r.status_code for r in created] == [201, 201, 201]
    assert totals == [3, 3, 3]
    assert email.status_code == 200
    assert [(r.status_code, r.json()["failed"]) for r in ready] == [(503, ["cache"])] * 3
    logs = "".join(Path(cluster.root, f"app{i}.log").read_text() for i in range(3))
    assert "Exception ignored" in logs  # django-redis logs every error it swallowed


def test_caching_resumes_when_redis_returns_without_a_restart(cluster, fresh_redis, redis_restored):
    _, tokens = new_account(cluster.nginx_url)
    auth = bearer(tokens)
    pids = cluster.instance_pids()
    cluster.stop_redis()
    offline = statuses([f"{base}/api/tasks/stats/" for base in cluster.instance_urls], headers=auth)
    cluster.start_redis()

    online = statuses([f"{base}/api/tasks/stats/" for base in cluster.instance_urls], headers=auth)
    ready = statuses([f"{base}/readyz" for base in cluster.instance_urls])
    # The per-scope version keys (stats:v:<scope>) are not entries.
    cached = [key.decode() for key in fresh_redis.keys("*stats:*") if b"stats:v:" not in key]
    assert (offline, online, ready) == ([200] * 3, [200] * 3, [200] * 3)
    assert len(cached) == 1  # one per-user stats entry, shared by the three instances
    assert cluster.instance_pids() == pids


def test_login_limit_falls_back_to_each_instance_while_redis_is_down(
    cluster, fresh_redis, redis_restored, fresh_login_window
):
    cluster.stop_redis()
    one = cluster.instance_urls[0]

    def wrong(i: int) -> dict[str, str]:
        return {"email": f"nobody{i}@example.com", "password": "not-the-password"}

    # Another account each time: the client network's bucket (20), not the account's.
    # Each worker process of the instance now counts alone, and the kernel decides
    # which one accepts each connection: with 20 * workers + 1 tries at least one
    # worker sees its 21st, and no worker can refuse before the 21st try overall.
    answers = [
        requests.post(f"{one}/api/auth/login/", json=wrong(i), timeout=TIMEOUT).status_code
        for i in range(20 * cluster.state.workers + 1)
    ]
    assert answers[:20] == [401] * 20
    assert 429 in answers
