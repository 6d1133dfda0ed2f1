"""Removing secrets from anything we write down: log events and Sentry events.

Two nets, because either alone leaks: a value is dropped when its key names a secret
(password, token, authorization, cookie...), and any string that *looks* like a
credential (a JWT, a "Bearer ..." header, a password=... pair) is masked wherever it
appears, whatever the key (a refresh token passed as a positional argument, an
exception message quoting a request body).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

FILTERED = "[Filtered]"

_SENSITIVE_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|authori[sz]ation|cookie|session|csrf|"
    r"api[-_]?key|signature|credential|dsn|^refresh$|^access$|^jwt$|^otp$",
    re.IGNORECASE,
)
# Keys that contain a sensitive word but only ever hold harmless data.
_SAFE_KEYS = frozenset({"token_type", "session_was_accessed"})

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_PAIR = re.compile(
    r"(?i)\b((?:old_|new_|raw_)?password|passwd|secret|token|refresh|access|sessionid|csrftoken)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^\s'\",;&}]+)"
)
# The secret in an iCal feed URL (calendars/urls.py): the path itself is the credential.
_FEED = re.compile(r"(/calendar/feed/)[^/?#\s]+(\.ics)")

# Every pattern above needs one of these words: one scan of a harmless string, not four.
_TRIGGER = re.compile(
    r"eyJ|/calendar/feed/|(?i:bearer|basic|token|pass|secret|refresh|access|session|csrf)"
)

_MAX_DEPTH = 12


@lru_cache(maxsize=4096)  # the same few dozen keys come back on every line
def _sensitive_name(key: str) -> bool:
    return key.lower() not in _SAFE_KEYS and bool(_SENSITIVE_KEY.search(key))


def is_sensitive_key(key: object) -> bool:
    return isinstance(key, str) and _sensitive_name(key)


def scrub_text(text: str) -> str:
    """Mask credentials that appear inside free text."""
    if not _TRIGGER.search(text):
        return text
    text = _JWT.sub(FILTERED, text)
    text = _FEED.sub(rf"\g<1>{FILTERED}\g<2>", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {FILTERED}", text)
    return _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{FILTERED}", text)


def scrub(value: Any, *, depth: int = 0) -> Any:
    """A copy of ``value`` with secrets masked; containers are walked, others kept."""
    if depth > _MAX_DEPTH:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED if is_sensitive_key(key) and item else scrub(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Sentry sends headers and cookies as [name, value] pairs.
        if len(value) == 2 and is_sensitive_key(value[0]) and isinstance(value[1], str):
            return [value[0], FILTERED]
        return [scrub(item, depth=depth + 1) for item in value]
    return value
