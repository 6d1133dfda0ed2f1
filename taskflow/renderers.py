"""Response renderers for the API."""

from __future__ import annotations

from typing import Any, NoReturn

import orjson
from rest_framework import renderers

# Types orjson would write otherwise than DRF's encoder (dates and times: DRF turns a
# UTC offset into "Z"; dataclasses: DRF iterates them) go to ``_not_encoded`` with the
# types it cannot write at all (Decimal, lazy translations, query sets, bytes).
_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _not_encoded(value: Any) -> NoReturn:
    raise TypeError(type(value).__name__)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, the common case encoded by orjson.

    What the views answer is dicts, lists, strings, numbers, booleans and None: orjson
    writes them as DRF's compact ``json.dumps`` does, about 20 times faster (132 µs
    against 7 for a page of 20 tasks, a twentieth of the request: docs/performance.md,
    "Round 20 (issue 15)"). Anything else goes to DRF's own ``render``, unchanged: an
    indent (``Accept: application/json; indent=4``, the browsable API), the settings
    ``COMPACT_JSON`` off or ``UNICODE_JSON`` off, and a value of any other type, a key
    that is not a string or an integer beyond 64 bits (orjson refuses them). Floats
    written with an exponent read the same but are spelt differently (``1e-5`` for
    Python's ``1e-05``); the API returns none."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if (
            data is not None
            and self.compact
            and not self.ensure_ascii
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        ):
            try:
                body = orjson.dumps(data, default=_not_encoded, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                # As DRF's: U+2028 and U+2029 escaped, so that the body is also valid
                # JavaScript.
                body = body.replace(_LINE_SEPARATOR, b"\\u2028")
                return body.replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)
