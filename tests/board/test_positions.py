"""Position keys (tasks.positions): always strictly between their neighbours, in the
alphabet every backend sorts alike, short at the ends of a column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.positions import (
    DIGITS,
    KEY_SOFT_MAX,
    NoKeyBetween,
    is_valid_key,
    key_between,
    spread_keys,
)

# Each step inserts at an index of the current list (clamped), like a card dropped
# anywhere on a column.
steps = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=300)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(steps)
def test_any_sequence_of_inserts_keeps_keys_ordered_and_valid(indexes):
    keys: list[str] = []
    for raw in indexes:
        index = raw % (len(keys) + 1)
        low = keys[index - 1] if index else None
        high = keys[index] if index < len(keys) else None
        key = key_between(low, high)
        assert is_valid_key(key)
        assert low is None or low < key
        assert high is None or key < high
        keys.insert(index, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(DIGITS), min_size=0, max_size=8), st.integers(0, 36**6 - 1))
def test_a_key_fits_between_any_two_valid_keys(fraction, head):
    low = _int(head) + "".join(fraction).rstrip("0")
    high = key_between(low, None)
    middle = key_between(low, high)
    assert low < middle < high


def _int(value: int) -> str:
    out = ""
    for _ in range(6):
        value, index = divmod(value, 36)
        out = DIGITS[index] + out
    return out


def test_only_lowercase_and_digits_so_every_collation_agrees():
    # PostgreSQL's locale collations sort "Z" after "a"; these characters sort the same
    # under C, en_US, SQLite BINARY and MongoDB's binary compare.
    assert DIGITS == "0123456789abcdefghijklmnopqrstuvwxyz"
    assert "".join(sorted(DIGITS)) == DIGITS


def test_appending_and_prepending_keep_keys_short():
    key = key_between(None, None)
    for _ in range(20_000):
        key = key_between(key, None)
    assert len(key) == 6
    for _ in range(20_000):
        key = key_between(None, key)
    assert len(key) == 6


def test_inserting_into_one_gap_grows_keys_until_a_rebalance_is_due():
    low, high = key_between(None, None), None
    high = key_between(low, None)
    inserts = 0
    while len(high) <= KEY_SOFT_MAX:
        high = key_between(low, high)
        inserts += 1
    # About five inserts per character: a rebalance is rare (hundreds of inserts).
    assert inserts > 150


def test_equal_or_reversed_neighbours_ask_for_a_rebalance():
    key = key_between(None, None)
    with pytest.raises(NoKeyBetween):
        key_between(key, key)
    with pytest.raises(NoKeyBetween):
        key_between(key_between(key, None), key)
    with pytest.raises(NoKeyBetween):
        key_between(None, "000000")
    with pytest.raises(NoKeyBetween):
        key_between("NOT A KEY", None)


def test_spread_keys_are_short_ordered_and_leave_room_at_both_ends():
    for count in (0, 1, 3, 1_000, 20_000):
        keys = spread_keys(count)
        assert keys == sorted(keys)
        assert len(set(keys)) == count
        assert all(len(k) == 6 for k in keys)
        if keys:
            assert len(key_between(None, keys[0])) == 6
            assert len(key_between(keys[-1], None)) == 6
