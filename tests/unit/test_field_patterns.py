"""taskflow.fields: the schema's patterns say exactly what the server accepts."""

from __future__ import annotations

import re

from taskflow.fields import pattern


def test_the_blank_pattern_refuses_exactly_what_trimming_empties():
    # Every character but NUL and the surrogates, alone: the pattern (which a client
    # reads with ECMAScript's rules, here Python's: the class is spelled out, so both
    # agree) matches it exactly when DRF's strip() leaves something.
    compiled = re.compile(pattern(blank_refused=True))
    disagree = [
        hex(code)
        for code in range(1, 0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and bool(compiled.fullmatch(chr(code))) != bool(chr(code).strip())
    ]
    assert disagree == []


def test_the_blank_pattern_uses_no_shorthand_whose_meaning_differs_by_engine():
    assert "\\s" not in pattern(blank_refused=True)
