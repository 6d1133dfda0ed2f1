"""CSRF on every form: each POST form found on every page carries a token, and its
target refuses a POST without one. Session-authenticated API writes need it too."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self.forms.append({"action": attributes.get("action") or "", "token": False})
        if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["token"] = True


def _post_forms(client: Client, url: str) -> list[dict]:
    page = client.get(url)
    assert page.status_code == 200, url
    parser = _Forms()
    parser.feed(page.content.decode())
    return [{**form, "action": form["action"] or url, "page": url} for form in parser.forms]


@pytest.fixture
def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _all_forms(signed_in: Client, user) -> list[dict]:
    task = TaskFactory(owner=user, title="csrf target")
    services.api_token_create(user=user, name="csrf target")  # a revoke form to check
    pages = [
        reverse("tasks:dashboard"),
        reverse("tasks:list"),
        reverse("tasks:create"),
        reverse("tasks:detail", kwargs={"task_id": task.pk}),
        reverse("tasks:edit", kwargs={"task_id": task.pk}),
        reverse("tasks:delete", kwargs={"task_id": task.pk}),
        reverse("accounts:profile"),
        reverse("accounts:api-tokens"),
        reverse("accounts:sessions"),
        reverse("calendars:month"),
    ]
    forms = [form for url in pages for form in _post_forms(signed_in, url)]
    anonymous = Client(enforce_csrf_checks=True)
    for url in (reverse("accounts:login"), reverse("accounts:register")):
        forms += _post_forms(anonymous, url)
    return forms


def test_every_post_form_carries_a_token(signed_in, user):
    forms = _all_forms(signed_in, user)
    assert len(forms) >= 8
    assert [form for form in forms if not form["token"]] == []


def test_every_form_target_refuses_a_post_without_token(signed_in, user):
    targets = sorted({form["action"] for form in _all_forms(signed_in, user)})
    refused = {url: signed_in.post(url, {"title": "forged"}).status_code for url in targets}
    assert refused == dict.fromkeys(targets, 403)


def test_admin_login_refuses_a_post_without_token(db):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(reverse("admin:login"), {"username": "a", "password": "b"}).status_code == 403
    )


def test_session_authenticated_api_write_needs_the_token(signed_in):
    without = signed_in.post("/api/tasks/", {"title": "forged"}, content_type="application/json")
    page = signed_in.get(reverse("tasks:create"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    with_token = signed_in.post(
        "/api/tasks/", {"title": "mine"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert without.status_code == 403
    assert with_token.status_code == 201
