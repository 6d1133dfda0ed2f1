"""taskflow.middleware.LazyMessageMiddleware: the message storage is built only when a
message is read or added, and messages still reach the next page."""

from __future__ import annotations

import pytest
from django.utils.functional import empty

pytestmark = pytest.mark.django_db


def test_an_api_request_builds_no_message_storage(api_client):
    response = api_client.get("/api/tasks/")
    assert response.status_code == 200
    assert response.wsgi_request._messages._wrapped is empty
    assert "messages" not in response.cookies


def test_a_message_added_during_a_page_is_shown_on_it(client, user):
    client.force_login(user)
    # A stale cursor: the list page warns and shows the first page (tasks/views.py).
    response = client.get("/tasks/?cursor=not-a-cursor")
    assert response.status_code == 200
    assert "That page link is no longer valid; showing the first page." in response.text
    assert response.wsgi_request._messages._wrapped is not empty


def test_a_message_added_before_a_redirect_is_shown_on_the_next_page(client, user):
    client.force_login(user)
    response = client.post("/tasks/filters/", {"name": "At home", "query": "tag=home"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Filter “At home” saved." in page.text
    # Shown once: the page that showed it stored nothing for the one after.
    assert "Filter “At home” saved." not in client.get(response["Location"]).text
