"""Cookie-less token reads of the API skip the session store, and answer exactly as
the full browser middleware does (taskflow/middleware_browser.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends import cached_db
from django.test import Client, RequestFactory

from accounts.tokens import issue_tokens
from taskflow.middleware_browser import is_token_read

pytestmark = pytest.mark.django_db

# A cookie the app never reads: it sends a request down the full middleware path.
UNRELATED_COOKIE = "unrelated=1"


@pytest.fixture
def sessions_built(monkeypatch) -> list[Any]:
    built: list[Any] = []
    original = cached_db.SessionStore.__init__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(cached_db.SessionStore, "__init__", spy)
    return built


def _headers(response: Any) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.items() if k != "X-Request-ID")


@pytest.mark.parametrize(
    "path", ["/api/tasks/", "/api/tasks/stats/", "/api/tasks/?search=a", "/api/nothing-here/"]
)
def test_a_token_read_answers_as_with_a_cookie_without_building_a_session(
    user, task, sessions_built, path
):
    bearer = f"Bearer {issue_tokens(user)['access']}"

    fast = Client().get(path, HTTP_AUTHORIZATION=bearer)
    assert sessions_built == []
    full = Client().get(path, HTTP_AUTHORIZATION=bearer, HTTP_COOKIE=UNRELATED_COOKIE)
    assert len(sessions_built) == 1

    assert (fast.status_code, fast.content) == (full.status_code, full.content)
    assert _headers(fast) == _headers(full)
    assert "Cookie" in fast["Vary"]


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Basic YTpi", "Token tf_nope"])
def test_a_refused_token_read_answers_as_with_a_cookie(sessions_built, authorization):
    fast = Client().get("/api/tasks/", HTTP_AUTHORIZATION=authorization)
    full = Client().get(
        "/api/tasks/", HTTP_AUTHORIZATION=authorization, HTTP_COOKIE=UNRELATED_COOKIE
    )

    assert fast.status_code == 401
    assert (fast.status_code, fast.content) == (full.status_code, full.content)
    assert _headers(fast) == _headers(full)
    assert len(sessions_built) == 1  # the request with a cookie only


def test_a_browser_session_with_a_token_keeps_the_full_path(user, sessions_built):
    browser = Client()
    browser.force_login(user)
    sessions_built.clear()

    response = browser.get(
        "/api/tasks/", HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user)['access']}"
    )

    assert response.status_code == 200
    assert sessions_built


BEARER = {"HTTP_AUTHORIZATION": "Bearer x"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("get", "/api/tasks/", {}, True),
        ("head", "/api/tasks/stats/", {"HTTP_AUTHORIZATION": "Token tf_x"}, True),
        ("get", "/api/tasks/", {"HTTP_ACCEPT": "*/*"}, True),
        ("get", "/api/tasks/", {"HTTP_AUTHORIZATION": ""}, False),
        ("post", "/api/tasks/", {}, False),
        ("get", "/api/tasks/", {"HTTP_COOKIE": "a=1"}, False),
        ("get", "/api/tasks/", {"HTTP_ACCEPT": "text/html"}, False),
        ("get", "/api/tasks/", {"HTTP_ACCEPT": "text/*"}, False),
        ("get", "/api/tasks/?format=api", {}, False),
        ("get", "/tasks/", {}, False),
    ],
)
def test_which_requests_are_token_reads(method, path, headers, expected):
    request = getattr(RequestFactory(), method)(path, **{**BEARER, **headers})

    assert is_token_read(request) is expected
