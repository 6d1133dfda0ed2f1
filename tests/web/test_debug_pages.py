"""Django's DEBUG error pages keep their inline CSS (and the 500 page its toggles) under
`make run`; with DEBUG off every error page keeps the strict policy."""

import sys

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views.debug import technical_404_response, technical_500_response

from taskflow.security import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def _policy(response: HttpResponse) -> dict[str, list[str]]:
    return _directives(response["Content-Security-Policy"])


def test_debug_404_page_may_use_its_inline_style(anon, settings):
    settings.DEBUG = True
    response = anon.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found at" in response.content
    assert b"<style>" in response.content
    assert "'unsafe-inline'" in _policy(response)["style-src"]


def test_production_404_page_keeps_the_strict_policy(anon, settings):
    settings.DEBUG = False
    response = anon.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found at" not in response.content
    assert _policy(response)["style-src"] == ["'self'"]
    assert _policy(response)["script-src"] == ["'self'"]


def test_other_pages_stay_strict_in_debug(anon, settings):
    settings.DEBUG = True
    response = anon.get("/accounts/login/")
    assert _policy(response)["style-src"] == ["'self'"]
    assert _policy(response)["script-src"] == ["'self'"]


def _through_middleware(make_response) -> HttpResponse:
    request = RequestFactory().get("/tasks/boom/")
    return ContentSecurityPolicyMiddleware(lambda req: make_response(req))(request)


def _technical_500(request) -> HttpResponse:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info())


def test_debug_500_page_may_use_its_inline_style_and_toggles(settings):
    settings.DEBUG = True
    policy = _policy(_through_middleware(_technical_500))
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" in policy["script-src"]


@pytest.mark.parametrize(
    "make_response",
    [_technical_500, lambda request: technical_404_response(request, Http404("x"))],
)
def test_technical_pages_never_relax_the_policy_with_debug_off(settings, make_response):
    settings.DEBUG = False
    policy = _policy(_through_middleware(make_response))
    assert policy["style-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
