"""One JSON log line per request, with the request id echoed in X-Request-ID."""

from __future__ import annotations

import pytest
from django.test import Client

from taskflow.request_log import choose_request_id

pytestmark = pytest.mark.django_db


def test_one_request_line_whose_request_id_matches_the_response_header(api_client, json_logs):
    response = api_client.get("/api/tasks/?search=secretive")

    lines = json_logs.events("request_finished")
    assert len(lines) == 1
    line = lines[0]
    assert response["X-Request-ID"] == line["request_id"]
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["route"] == "api/tasks/"
    assert line["path"] == "/api/tasks/"  # the query string is never logged
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)
    assert line["db_queries"] >= 1
    assert "secretive" not in json_logs.text


def test_request_line_names_the_authenticated_user(api_client, user, json_logs):
    api_client.get("/api/auth/me/")

    assert json_logs.events("request_finished")[0]["user_id"] == user.pk


def test_route_is_the_url_pattern_not_the_path(api_client, task, json_logs):
    api_client.get(f"/api/tasks/{task.pk}/")

    line = json_logs.events("request_finished")[0]
    assert task.pk not in line["route"]
    assert line["route"] == "api/tasks/<pk>/"


def test_proxy_request_id_is_kept_when_sane(json_logs):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="nginx-3f2a9c41e7")

    assert response["X-Request-ID"] == "nginx-3f2a9c41e7"
    assert json_logs.events("request_finished")[0]["request_id"] == "nginx-3f2a9c41e7"


def test_forged_request_id_is_replaced(json_logs):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID='x" status=200 injected')

    assert response["X-Request-ID"] != 'x" status=200 injected'
    assert len(response["X-Request-ID"]) == 32
    assert "injected" not in json_logs.text


def test_unmatched_urls_share_one_route_label(json_logs):
    Client().get("/no/such/page/12345")

    line = json_logs.events("request_finished")[0]
    assert (line["status"], line["route"], line["level"]) == (404, "<unmatched>", "warning")


def test_unhandled_exception_logs_one_failure_line_with_the_request_id(settings, json_logs):
    settings.ROOT_URLCONF = "tests.observability.urls"
    client = Client(raise_request_exception=False)

    response = client.get("/test-boom/page/")

    assert response.status_code == 500
    failed = json_logs.events("request_failed")
    assert len(failed) == 1
    assert failed[0]["request_id"] == response["X-Request-ID"]
    assert failed[0]["status"] == 500
    assert failed[0]["route"] == "test-boom/page/"
    assert failed[0]["exception"][0]["exc_type"] == "DeliberateError"
    assert json_logs.events("request_finished") == []


@pytest.mark.parametrize(
    "incoming",
    [None, "", "short", "a" * 129, "has space in it", "new\nline-0123456", "-leading-dash"],
)
def test_choose_request_id_generates_for_missing_or_odd_values(incoming):
    chosen = choose_request_id(incoming)

    assert chosen != incoming
    assert len(chosen) == 32


@pytest.mark.parametrize(
    "incoming", ["0f8e1c2a-5b7d-4c3e-9a1b-2c3d4e5f6a7b", "req:abc.def_123", "a" * 128]
)
def test_choose_request_id_keeps_sane_values(incoming):
    assert choose_request_id(incoming) == incoming
