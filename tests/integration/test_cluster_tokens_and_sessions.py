"""Personal API tokens and the sessions list across instances: a revocation through
one instance holds on every other at once, and losing Redis does not undo it."""

from __future__ import annotations

import pytest
import requests

from tests.factories import DEFAULT_PASSWORD
from tests.integration.conftest import TIMEOUT, bearer, new_account

pytestmark = pytest.mark.integration


def status_of(url: str, headers: dict[str, str]) -> int:
    return requests.get(f"{url}/api/tasks/", headers=headers, timeout=TIMEOUT).status_code


def test_a_token_revoked_through_instance_1_is_refused_on_2_and_3(cluster, fresh_redis):
    one, two, three = cluster.instance_urls
    _, jwt = new_account(one)
    created = requests.post(
        f"{one}/api/auth/tokens/",
        json={"name": "ci", "scope": "read"},
        headers=bearer(jwt),
        timeout=TIMEOUT,
    ).json()
    token = {"Authorization": f"Token {created['token']}"}
    before = [status_of(url, token) for url in (two, three)]
    revoked = requests.delete(
        f"{one}/api/auth/tokens/{created['id']}/", headers=bearer(jwt), timeout=TIMEOUT
    )
    after = [status_of(url, token) for url in (two, three)]
    fresh_redis.flushall()  # the shared cache forgets: the database still says revoked
    after_cache_loss = [status_of(url, token) for url in (one, two, three)]
    assert (before, revoked.status_code, after, after_cache_loss) == (
        [200, 200],
        204,
        [401, 401],
        [401, 401, 401],
    )


def test_a_refresh_family_ended_through_instance_1_is_refused_on_2(cluster, fresh_redis):
    one, two, _ = cluster.instance_urls
    email, phone = new_account(one)
    laptop = requests.post(
        f"{two}/api/auth/login/",
        json={"email": email, "password": DEFAULT_PASSWORD},
        timeout=TIMEOUT,
    )
    assert laptop.status_code == 200, laptop.text
    sessions = requests.get(
        f"{two}/api/auth/sessions/", headers=bearer(phone), timeout=TIMEOUT
    ).json()
    phone_family = next(s["id"] for s in sessions if s["current"])
    before = status_of(two, bearer(phone))
    ended = requests.delete(
        f"{one}/api/auth/sessions/{phone_family}/", headers=bearer(laptop.json()), timeout=TIMEOUT
    )
    after = [status_of(url, bearer(phone)) for url in (one, two)]
    laptop_still = status_of(two, bearer(laptop.json()))
    assert (len(sessions), before, ended.status_code, after, laptop_still) == (
        2,
        200,
        204,
        [401, 401],
        200,
    )
