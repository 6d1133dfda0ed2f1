"""taskflow.ids: the one id type (ULID strings)."""

from __future__ import annotations

from unittest import mock

import pytest

from taskflow import ids


@pytest.fixture(autouse=True)
def _restore_last_id():
    # These tests move the clock (also ahead): the rest of the process keeps real time.
    saved = ids._last
    yield
    ids._last = saved


def test_ids_made_in_one_millisecond_follow_creation_order():
    # Frozen clock: every id falls in the same millisecond, so only the monotonic
    # random part orders them (without it "newest first" was a coin toss).
    with mock.patch.object(ids.time, "time_ns", return_value=1_780_000_000_000_000_000):
        made = [ids.new_id() for _ in range(200)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(ids.is_valid_id(value) for value in made)


def test_a_clock_that_steps_back_does_not_reorder_ids():
    with mock.patch.object(ids.time, "time_ns", return_value=1_790_000_000_000_000_000):
        first = ids.new_id()
    with mock.patch.object(ids.time, "time_ns", return_value=1_789_000_000_000_000_000):
        second = ids.new_id()
    assert second > first


def test_ids_keep_the_millisecond_in_their_first_ten_characters():
    with mock.patch.object(ids.time, "time_ns", return_value=1_800_000_000_000_000_000):
        earlier = ids.new_id()
    with mock.patch.object(ids.time, "time_ns", return_value=1_800_000_000_001_000_000):
        later = ids.new_id()
    assert earlier[:10] < later[:10]
