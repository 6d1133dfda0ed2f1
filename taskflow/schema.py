"""drf-spectacular postprocessing: responses that every operation of a kind can get.

Per-view decorators document what a view itself answers; these come from layers in
front of every view, so they are added here once rather than repeated (and forgotten)
on each operation. The fuzz suite (tests/reliability/test_api_fuzz_schemathesis.py)
fails on any status code the schema does not declare.
"""

from __future__ import annotations

from typing import Any

_ERROR = '{"detail": "...", "code": "..."}'
# Raised by layers every operation passes through.
_ALWAYS = {
    # DRF's per-user throttle, or the login/registration limiter (taskflow.ratelimit).
    "429": "Too many requests; see Retry-After. " + _ERROR,
}
_AUTHENTICATED = {
    "401": "Not authenticated, or the token was rejected. " + _ERROR,
    "403": "Session (cookie) authentication without a valid CSRF token. " + _ERROR,
}
_WITH_BODY = {
    "400": "Invalid input: a field map, or " + _ERROR + " for a malformed body.",
    "413": "The request body is larger than 1 MB. " + _ERROR,
    "415": "The body is not application/json. " + _ERROR,
}


def declare_common_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the responses every operation of its kind can get, where not yet declared."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            extra = dict(_ALWAYS)
            if any(requirement for requirement in operation.get("security", [{}])):
                extra.update(_AUTHENTICATED)
            if "requestBody" in operation:
                extra.update(_WITH_BODY)
            for code, description in extra.items():
                responses.setdefault(code, {"description": description})
    return result


def _blank_alternatives_any_of(node: Any) -> None:
    """drf-spectacular writes a CharField with allow_blank and a pattern as
    ``oneOf: [{pattern}, {maxLength: 0}]``; when the pattern admits "" too (ours do),
    "" matches both and a strict validator refuses it. ``anyOf`` says what is meant."""
    if isinstance(node, dict):
        branches = node.get("oneOf")
        if isinstance(branches, list) and {"type": "string", "maxLength": 0} in branches:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_alternatives_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _blank_alternatives_any_of(value)


def blank_strings_any_of(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    _blank_alternatives_any_of(result.get("components", {}))
    return result
