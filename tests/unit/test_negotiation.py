"""The API's content negotiation (taskflow.negotiation): DRF's choice for every
request, the commonest answered without parsing the Accept header (docs/performance.md,
"Round 20 (issue 15)")."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory

from taskflow.negotiation import ContentNegotiation
from taskflow.renderers import JSONRenderer

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]
ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "text/html",
    "application/json; indent=4",
    "text/html, application/json;q=0.9",
    "application/*",
    "application/json, */*",
    "*/*;q=0.8",
]
QUERIES = ["", "?format=json", "?format=api", "?page=2"]


def _request(accept: str | None, query: str) -> Request:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get("/api/tasks/" + query, **headers))


def _choice(negotiation, accept, query, renderers=RENDERERS, suffix=None):
    try:
        renderer, media_type = negotiation.select_renderer(
            _request(accept, query), renderers, suffix
        )
    except NotAcceptable:
        return "406"
    return type(renderer), media_type


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_choice_is_drfs(accept, query):
    assert _choice(ContentNegotiation(), accept, query) == _choice(
        DefaultContentNegotiation(), accept, query
    )


@pytest.mark.parametrize("suffix", ["json", "api"])
def test_a_format_suffix_is_drfs_choice(suffix):
    assert _choice(ContentNegotiation(), None, "", suffix=suffix) == _choice(
        DefaultContentNegotiation(), None, "", suffix=suffix
    )


def test_no_renderer_is_drfs_406():
    assert _choice(ContentNegotiation(), None, "", renderers=[]) == "406"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_the_commonest_requests_skip_drfs_parsing(accept, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("DRF's negotiation ran")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", refuse)
    assert _choice(ContentNegotiation(), accept, "") == (JSONRenderer, "application/json")


def test_the_api_negotiates_with_it():
    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is ContentNegotiation
