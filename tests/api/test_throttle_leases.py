"""The throttle's leases (taskflow.throttling): a process reserves several slots of the
shared counter in one increment. Several processes (each its own ``Leases``) share one
real Redis here; together they never allow more than the limit in a window."""

from __future__ import annotations

import random
import socket
import threading
from types import SimpleNamespace

import pytest
from rest_framework.throttling import SimpleRateThrottle

from taskflow import throttling
from taskflow.throttling import LEASE_MAX, LEASES_KEPT, FixedWindowUserRateThrottle, Leases
from tests.backends.conftest import redis_caches

LIMIT = 1200


@pytest.fixture
def rate(monkeypatch):
    def set_rate(value: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": value})

    set_rate(f"{LIMIT}/min")
    return set_rate


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 600.0}  # the start of a one-minute window
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", lambda self: now["t"])
    return now


@pytest.fixture
def reservations(monkeypatch):
    """The sizes of the increments sent to the counter, in order."""
    sizes: list[int] = []
    reserve = FixedWindowUserRateThrottle._reserve

    def counted(self, key, size):
        sizes.append(size)
        return reserve(self, key, size)

    monkeypatch.setattr(FixedWindowUserRateThrottle, "_reserve", counted)
    return sizes


@pytest.fixture(params=["locmem", "redis"])
def counter(request, settings):
    """The counter's cache: the embedded mode's, and a real Redis shared by the
    "processes" of a test."""
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CACHES = redis_caches(server.url)
    return request.param


@pytest.fixture
def redis(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)


def ask(store: Leases, user: str = "u1") -> bool:
    """One request of ``user`` through a process whose leases are ``store``."""
    throttle = FixedWindowUserRateThrottle()
    throttle.leases = store
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=user))
    return throttle.allow_request(request, None)


def test_one_process_allows_exactly_the_limit(counter, rate, clock, reservations):
    store = Leases()
    assert [ask(store) for _ in range(LIMIT)] == [True] * LIMIT
    # 1, 2, 4, then 8 at a time: one increment for every 8 requests or so.
    assert reservations[:4] == [1, 2, 4, LEASE_MAX]
    assert len(reservations) <= LIMIT // LEASE_MAX + 4
    within = len(reservations)
    assert [ask(store) for _ in range(100)] == [False] * 100
    # At most one increment finds the window full; the rest are refused here.
    assert len(reservations) <= within + 1


def test_processes_together_never_pass_the_limit(redis, rate, clock):
    stores = [Leases() for _ in range(3)]
    pick = random.Random(15)
    allowed = sum(ask(pick.choice(stores)) for _ in range(LIMIT + 300))
    # Each process may waste what it holds unused, never allow more.
    assert LIMIT - len(stores) * (LEASE_MAX - 1) <= allowed <= LIMIT
    assert not any(ask(store) for store in stores)


def test_threads_of_several_processes_never_pass_the_limit(redis, rate, clock):
    stores = [Leases(), Leases()]
    allowed: list[bool] = []
    lock = threading.Lock()

    def client(store: Leases) -> None:
        mine = [ask(store) for _ in range(200)]
        with lock:
            allowed.extend(mine)

    threads = [threading.Thread(target=client, args=(s,)) for s in stores for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(allowed) == 1600
    assert LIMIT - len(stores) * (LEASE_MAX - 1) <= sum(allowed) <= LIMIT


def test_a_small_limit_is_counted_request_by_request(counter, rate, clock, reservations):
    rate("100/min")  # under LEASE_SHARE * 2: a lease of one
    stores = [Leases(), Leases()]
    answers = [ask(stores[n % 2]) for n in range(110)]
    assert answers == [True] * 100 + [False] * 10
    assert set(reservations) == {1}


def test_the_next_window_starts_with_a_lease_of_one(counter, rate, clock, reservations):
    store = Leases()
    for _ in range(LIMIT + 1):
        ask(store)
    assert ask(store) is False
    clock["t"] += 60
    reservations.clear()
    assert [ask(store) for _ in range(3)] == [True] * 3
    assert reservations == [1, 2]


def test_users_are_counted_apart(counter, rate, clock):
    store = Leases()
    assert all(ask(store, "u1") for _ in range(LIMIT))
    assert ask(store, "u1") is False
    assert ask(store, "u2") is True


def test_an_unreachable_counter_fails_open(settings, rate, clock):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/0")
    store = Leases()
    assert all(ask(store) for _ in range(5))
    assert len(store) == 0  # nothing granted: the next request asks again


def test_the_store_keeps_a_bounded_number_of_keys():
    store = Leases()
    for n in range(LEASES_KEPT + 50):
        store.grant(f"k{n}", reserved=4, valid=4, cap=LEASE_MAX, expires=0.0)  # expired
    assert len(store) <= LEASES_KEPT
    live = Leases()
    for n in range(LEASES_KEPT + 50):
        live.grant(f"k{n}", reserved=4, valid=4, cap=LEASE_MAX, expires=float("inf"))
    assert len(live) <= LEASES_KEPT  # none expired: all dropped, slots wasted, none added


def test_the_default_store_is_the_module_one():
    assert FixedWindowUserRateThrottle.leases is throttling.leases
