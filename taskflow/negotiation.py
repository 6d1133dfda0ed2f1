"""Content negotiation for the API."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the commonest request answered before any parsing.

    No format asked for (neither a URL suffix nor ``?format=``) and an Accept header
    that is absent, ``*/*`` or exactly the first renderer's media type (what API clients
    send): the first renderer, with its media type, as DRF's own choice. DRF's parses
    the header and ranks its media types against every renderer first (~40 µs, 2 to 3% of
    a cached stats request: docs/performance.md, "Round 20 (issue 15)"). Anything else is
    DRF's, unchanged."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        if renderers and not format_suffix:
            first = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if (accept == "*/*" or accept == first.media_type) and (
                self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            ):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
