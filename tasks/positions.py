"""Sortable position keys for cards and columns (fractional indexing).

A key is a string; cards sort by ``(position, id)``. ``key_between(a, b)`` returns a
key strictly between two neighbours, so a move writes one row. The scheme follows
rocicorp's fractional-indexing (an integer part, then a fraction), with two changes:

- Only ``0-9a-z``: for these characters every backend's string order agrees
  (SQLite's BINARY, MongoDB's binary compare, PostgreSQL under C, and locale
  collations such as en_US, whose first level puts digits before letters and ignores
  case, so they would sort ``"Z"`` after ``"a"``). The PyPI port (fractional-indexing)
  uses upper case for its length headers, so its keys can sort differently there.
- The integer part has a fixed width (6 base-36 digits): appending or prepending
  steps it by one (a billion appends before it fills), so keys at the ends stay
  short; only repeated inserts into the same gap grow the fraction, by about one
  character per five inserts. A key longer than ``KEY_SOFT_MAX`` asks the caller to
  rebalance the column (tasks.board).

The fraction never ends in ``"0"``, so there is always room before any key.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
HEAD = 6
MAX_INT = BASE**HEAD - 1
# A new key longer than this makes the caller rebalance its column.
KEY_SOFT_MAX = 48
# The database column's length (a key is never written longer).
KEY_MAX = 255


class NoKeyBetween(ValueError):
    """No key fits (neighbours equal, out of order, or at the very bottom)."""


def _int_key(value: int) -> str:
    chars = []
    for _ in range(HEAD):
        value, index = divmod(value, BASE)
        chars.append(DIGITS[index])
    return "".join(reversed(chars))


def is_valid_key(key: object) -> bool:
    return (
        isinstance(key, str)
        and HEAD <= len(key) <= KEY_MAX
        and all(char in DIGITS for char in key)
        and not key[HEAD:].endswith("0")
    )


def _split(key: str) -> tuple[int, str]:
    if not is_valid_key(key):
        raise NoKeyBetween(f"Not a position key: {key!r}.")
    return int(key[:HEAD], BASE), key[HEAD:]


def _mid_fraction(a: str, b: str | None) -> str:
    """A non-empty fraction strictly between fractions ``a`` < ``b`` (None: 1.0)."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else "0") == b[n]:
            n += 1
        if n:
            return b[:n] + _mid_fraction(a[n:], b[n:])
    low = DIGITS.index(a[0]) if a else 0
    high = DIGITS.index(b[0]) if b is not None else BASE
    if high - low > 1:
        return DIGITS[(low + high) // 2]
    if b is not None and len(b) > 1:
        return b[0]
    return DIGITS[low] + _mid_fraction(a[1:], None)


def key_between(a: str | None, b: str | None) -> str:
    """A key strictly between ``a`` and ``b`` (None: the start or the end).

    Raises NoKeyBetween when ``a >= b`` (equal keys after concurrent moves) or nothing
    fits below ``b``: the caller rebalances and asks again."""
    if a is None and b is None:
        return _int_key(BASE**HEAD // 2)
    if a is None:
        high, fraction = _split(b)  # type: ignore[arg-type]
        if high > 0:
            return _int_key(high - 1)
        if not fraction:
            raise NoKeyBetween("No key fits before the first key.")
        return _int_key(0) + _mid_fraction("", fraction)
    low, low_fraction = _split(a)
    if b is None:
        if low < MAX_INT:
            return _int_key(low + 1)
        return _int_key(low) + _mid_fraction(low_fraction, None)
    high, high_fraction = _split(b)
    if a >= b:
        raise NoKeyBetween(f"Keys out of order: {a!r} >= {b!r}.")
    if low == high:
        return _int_key(low) + _mid_fraction(low_fraction, high_fraction)
    if high - low > 1:
        return _int_key((low + high) // 2)
    return _int_key(low) + _mid_fraction(low_fraction, None)


def spread_keys(count: int) -> list[str]:
    """``count`` short, evenly spaced, increasing keys (a rebalanced column), centred
    so that prepends and appends both have room."""
    step = max(1, min(BASE**3, MAX_INT // (count + 2)))
    start = (MAX_INT - step * (count - 1)) // 2
    return [_int_key(start + i * step) for i in range(count)]
