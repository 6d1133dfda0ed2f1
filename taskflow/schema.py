"""drf-spectacular customisation: the schema class and the postprocessing hooks.

Per-view decorators document what a view itself answers; the responses here come from
layers in front of every view, so they are added once rather than repeated (and
forgotten) on each operation. The fuzz suite
(tests/reliability/test_api_fuzz_schemathesis.py) fails on any status code the schema
does not declare.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, extend_schema

_ERROR = '{"detail": "...", "code": "..."}'
# Raised by layers every operation passes through.
_ALWAYS = {
    # DRF's content negotiation, before authentication: an Accept header that names
    # no media type the operation answers with (make test's fuzzing sent "Accept: L").
    "406": "The Accept header names no media type this operation answers with "
    "(application/json, or the types it lists). " + _ERROR,
    # DRF's per-user throttle, or the login/registration limiter (taskflow.ratelimit).
    "429": "Too many requests: wait the seconds the Retry-After header gives, then try "
    "again. " + _ERROR,
}
_AUTHENTICATED = {
    "401": "You are not signed in: no credentials were sent, or the token has expired, "
    "was revoked or is not valid. Sign in again (or refresh the access token). " + _ERROR,
    "403": "Signed in with the browser session, but the CSRF token is missing or wrong. " + _ERROR,
}
_WITH_BODY = {
    "400": "Invalid input: a field map, or " + _ERROR + " for a malformed body.",
    "413": "The request body is larger than 1 MB. " + _ERROR,
    "415": "The body is not application/json. " + _ERROR,
}
# For views that declare their 401 themselves: the same words as the added ones.
NOT_SIGNED_IN = OpenApiResponse(description=_AUTHENTICATED["401"])
# The Authorize dialog and each operation list schemes in this order: the JWT is what
# a person trying the API gets from the login operation.
SECURITY_ORDER = ("jwtAuth", "personalToken", "cookieAuth")


class AutoSchema(openapi.AutoSchema):
    """Operations are described only by what extend_schema says.

    drf-spectacular falls back to the view's or a base class's docstring, which is
    written for developers (and a mixin's docstring reached every view using it)."""

    def get_description(self) -> str:  # type: ignore[override]
        return ""


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


def operation_doc(
    tag: str, summary: str, description: str, *, methods: list[str] | None = None
) -> Any:
    """The text a reader of the API docs sees for one operation: a short imperative
    summary (the heading), what it does and answers in plain words, and its group.

    Per-app ``api_docs`` modules apply these with ``extend_schema_view``; the shape
    (parameters, bodies, responses) stays in the view's own ``extend_schema``."""
    return extend_schema(summary=summary, description=description, tags=[tag], methods=methods)


def _security_rank(name: str) -> int:
    return SECURITY_ORDER.index(name) if name in SECURITY_ORDER else len(SECURITY_ORDER)


def order_security(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The JWT scheme first: in components (the Authorize dialog's order, alphabetical
    otherwise, which put the session cookie first) and in every operation."""
    components = result.get("components", {})
    if "securitySchemes" in components:
        schemes = components["securitySchemes"]
        components["securitySchemes"] = {
            name: schemes[name] for name in sorted(schemes, key=_security_rank)
        }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "security" in operation:
                operation["security"] = sorted(
                    operation["security"],
                    key=lambda requirement: min(map(_security_rank, requirement), default=99),
                )
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
