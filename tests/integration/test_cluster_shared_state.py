"""State that must hold on every instance: JWTs, revocations, login limits, stats."""

from __future__ import annotations

import time

import pytest
import requests

from tests.integration.conftest import TIMEOUT, bearer, new_account

pytestmark = pytest.mark.integration


def get(url: str, **kwargs):
    return requests.get(url, timeout=TIMEOUT, **kwargs)


def post(url: str, **kwargs):
    return requests.post(url, timeout=TIMEOUT, **kwargs)


def test_a_jwt_issued_by_instance_1_works_on_instances_2_and_3(cluster, fresh_redis):
    one, two, three = cluster.instance_urls
    email, tokens = new_account(one)
    answers = [get(f"{url}/api/auth/me/", headers=bearer(tokens)) for url in (two, three)]
    assert [(a.status_code, a.json()["email"]) for a in answers] == [(200, email), (200, email)]


def test_logout_through_instance_1_rejects_the_access_token_on_2_and_3(cluster, fresh_redis):
    one, two, three = cluster.instance_urls
    _, tokens = new_account(one)
    # Both instances now hold a cached "not revoked" answer for this token in Redis.
    before = [
        get(f"{url}/api/auth/me/", headers=bearer(tokens)).status_code for url in (two, three)
    ]
    logout = post(
        f"{one}/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens)
    )
    after = [get(f"{url}/api/auth/me/", headers=bearer(tokens)).status_code for url in (two, three)]
    refresh = post(f"{three}/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert (before, logout.status_code, after, refresh.status_code) == (
        [200, 200],
        204,
        [401, 401],
        401,
    )


def test_the_21st_login_is_refused_on_every_instance_whatever_x_forwarded_for_says(
    cluster, fresh_redis, fresh_login_window
):
    def wrong(i: int) -> dict[str, str]:
        # Another account each time: this measures the client network's bucket, not the
        # per-account one (10 failures; test_one_account_is_refused_on_every_instance).
        return {"email": f"nobody{i}@example.com", "password": "not-the-password"}

    # Through nginx (round robin over the three instances), each try claiming another
    # client address: nginx appends the real one, and only that one is trusted.
    first_twenty = [
        post(
            f"{cluster.nginx_url}/api/auth/login/",
            json=wrong(i),
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        ).status_code
        for i in range(20)
    ]
    through_nginx = [
        post(
            f"{cluster.nginx_url}/api/auth/login/",
            json=wrong(20 + i),
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        for i in range(3)
    ]
    direct = [
        post(f"{url}/api/auth/login/", json=wrong(30 + i))
        for i, url in enumerate(cluster.instance_urls)
    ]
    assert first_twenty == [401] * 20
    assert [r.status_code for r in through_nginx + direct] == [429] * 6
    assert all(int(r.headers["Retry-After"]) > 0 for r in through_nginx + direct)


def test_one_account_is_refused_on_every_instance_after_10_failures_from_10_addresses(
    cluster, fresh_redis, fresh_login_window
):
    # Straight to the instances (TRUSTED_PROXY_COUNT=1: the X-Forwarded-For entry is the
    # client, as nginx would have written it), round robin, another address each time.
    def attempt(i: int, url: str) -> requests.Response:
        return post(
            f"{url}/api/auth/login/",
            json={"email": "target@example.com", "password": f"guess {i}"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )

    urls = cluster.instance_urls
    first_ten = [attempt(i, urls[i % len(urls)]).status_code for i in range(10)]
    refused = [attempt(10 + i, url) for i, url in enumerate(urls)]
    assert first_ten == [401] * 10
    assert [r.status_code for r in refused] == [429] * len(urls)
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)


def test_a_task_written_through_instance_2_changes_stats_read_through_instance_3(
    cluster, fresh_redis
):
    one, two, three = cluster.instance_urls
    _, tokens = new_account(one)
    stats_url = f"{three}/api/tasks/stats/"
    before = [get(stats_url, headers=bearer(tokens)).json()["total"] for _ in range(2)]
    created = post(f"{two}/api/tasks/", json={"title": "From two"}, headers=bearer(tokens))
    after = get(stats_url, headers=bearer(tokens)).json()
    assert (before, created.status_code) == ([0, 0], 201)
    assert (after["total"], after["by_status"]["todo"]) == (1, 1)


API_USER_RATE = 1200  # a minute: the production default the cluster runs with
THROTTLE_WORKERS = 3 * 2  # instances x gunicorn workers (devservers.cluster defaults)


def test_the_api_rate_holds_across_instances_with_each_process_counting_in_leases(
    cluster, fresh_redis
):
    # Each worker takes its slots of the user's Redis counter a few at a time
    # (taskflow.throttling): together they never allow more than the rate, and a worker
    # wastes at most LEASE_MAX - 1 = 7 slots it holds unused.
    from taskflow.throttling import LEASE_MAX

    one, two, three = cluster.instance_urls
    _, tokens = new_account(one)
    # The throttle's window is the clock's minute: start with 30 s of it left at least.
    left = 60 - time.time() % 60
    if left < 30:
        time.sleep(left + 1)
    window = int(time.time() // 60)
    sessions = [(requests.Session(), url) for url in (one, two, three)]
    statuses, retry_after = [], []
    for n in range(API_USER_RATE + 100):
        session, url = sessions[n % 3]
        answer = session.get(f"{url}/api/tasks/stats/", headers=bearer(tokens), timeout=TIMEOUT)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            retry_after.append(int(answer.headers["Retry-After"]))
    assert int(time.time() // 60) == window, "the run crossed a window: rerun"
    allowed = statuses.count(200)
    assert statuses.count(429) == len(statuses) - allowed
    assert API_USER_RATE - THROTTLE_WORKERS * (LEASE_MAX - 1) <= allowed <= API_USER_RATE
    assert retry_after
    assert all(0 < seconds <= 60 for seconds in retry_after)
