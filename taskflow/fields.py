"""Serializer fields whose OpenAPI schema says exactly what they accept.

DRF's CharField turns JSON numbers into strings (0 -> "0"), refuses NUL characters and,
when it trims, a value that is only whitespace; none of that shows in the schema
drf-spectacular derives from it. A generated client trusts the schema, and the fuzz
suite (tests/reliability) checks both directions, so these fields take only JSON
strings and carry the refusals as a ``pattern`` (a RegexValidator drf-spectacular
turns into one; the server checks the same regex).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from taskflow.ids import ID_LENGTH, ID_PATTERN

# Exactly what str.strip() (DRF's trimming) removes, spelled out: a schema's \s is
# ECMAScript's, which leaves out \x1c-\x1f and \x85 and adds \ufeff, so a client (make
# fuzz) took "\x1c" for a non-blank value that the server trimmed to nothing (400).
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def pattern(*, blank_refused: bool, forbid: str = "") -> str:
    """No NUL (PostgreSQL cannot store it; DRF refuses it already) nor any of ``forbid``;
    with ``blank_refused``, at least one character that is not whitespace (trimming
    would leave nothing)."""
    chars = "\\x00" + forbid
    if blank_refused:
        return rf"^[^{chars}]*[^{chars}{WHITESPACE}][^{chars}]*$"
    return rf"^[^{chars}]*$"


class _PatternValidator(RegexValidator):
    """The pattern the schema shows; a NUL is left to DRF's own validator (one message)."""

    def __call__(self, value: Any) -> None:
        if "\x00" in str(value):
            return
        super().__call__(value)


class StrictCharField(serializers.CharField):
    """A CharField that takes JSON strings only, with its refusals in the schema."""

    def __init__(self, *, forbid: str = "", **kwargs: Any) -> None:
        """``forbid``: characters (regex-safe inside [...]) the value may not contain."""
        super().__init__(**kwargs)
        blank_refused = self.trim_whitespace and not self.allow_blank
        message = f"Must not contain {forbid!r}." if forbid else "Enter a valid value."
        self.validators.append(
            _PatternValidator(pattern(blank_refused=blank_refused, forbid=forbid), message)
        )

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength counts what the client sent: DRF checks max_length after
        # trimming, so "x" * max + "\n" passed (make fuzz: schema-violating data accepted).
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class IdField(StrictCharField):
    """An id in a request body: a JSON string shaped like our ids (a 26-character ULID,
    ``taskflow.ids``); the schema carries the pattern, the server checks the same."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=ID_LENGTH, **kwargs)
        # First: drf-spectacular shows the first pattern (StrictCharField's NUL check,
        # which this one implies, stays behind it).
        self.validators.insert(0, RegexValidator(ID_PATTERN.pattern, "Enter a valid id."))


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes JSON true/false only (DRF's also takes 0, 1, "yes"...,
    which the schema's `boolean` does not allow)."""

    def to_internal_value(self, data: Any) -> bool:
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)
