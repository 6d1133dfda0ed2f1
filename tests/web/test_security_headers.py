import re

import pytest
from django.urls import reverse

from taskflow.security import build_policy
from tasks import services

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/register/"])
def test_public_pages_send_security_headers(anon, url):
    response = anon.get(url)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_have_no_inline_script(web, user):
    task = services.task_create(actor=user, title="x")[0]
    for url in [
        "/dashboard/",
        "/tasks/",
        "/tasks/new/",
        f"/tasks/{task.pk}/",
        "/accounts/profile/",
    ]:
        response = web.get(url)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()) == []
        assert re.findall(r"\son[a-z]+=", response.content.decode()) == []
        assert re.findall(r"\sstyle=", response.content.decode()) == []


def test_swagger_ui_loads_its_init_script_from_a_url(web):
    page = web.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "'unsafe-inline'" not in _directives(page["Content-Security-Policy"])["script-src"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1)
    init = web.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in init.content


def test_extra_script_sources_hook(settings):
    settings.CSP_EXTRA_SCRIPT_SRC = ["https://browser.sentry-cdn.com"]
    settings.CSP_EXTRA_CONNECT_SRC = ["https://o1.ingest.sentry.io"]
    policy = _directives(build_policy("/dashboard/"))
    assert policy["script-src"] == ["'self'", "https://browser.sentry-cdn.com"]
    assert policy["connect-src"] == ["'self'", "https://o1.ingest.sentry.io"]


def test_docs_and_admin_get_inline_styles_only():
    policy = _directives(build_policy("/api/docs/"))
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tasks:create", {"title": "x", "status": "todo", "priority": "low"}),
        ("tasks:bulk", {"ids": ["x"], "action": "delete"}),
        ("accounts:profile", {"form": "profile", "email": "a@example.com"}),
        ("accounts:logout", {}),
        ("accounts:sign-out-everywhere", {}),
    ],
)
def test_forms_refuse_posts_without_csrf_token(csrf_web, name, data):
    response = csrf_web.post(reverse(name), data)
    assert response.status_code == 403
    assert b"This form has expired" in response.content


@pytest.mark.parametrize("name", ["tasks:edit", "tasks:delete", "tasks:set-status"])
def test_task_forms_refuse_posts_without_csrf_token(csrf_web, user, name):
    task = services.task_create(actor=user, title="Keep")[0]
    response = csrf_web.post(reverse(name, args=[task.pk]), {"title": "Hacked", "status": "done"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.title, task.status, task.version) == ("Keep", "todo", 1)


def test_login_and_register_refuse_posts_without_csrf_token(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("accounts:login"), {"email": "a@b.c"}).status_code == 403
    assert client.post(reverse("accounts:register"), {"email": "a@b.c"}).status_code == 403


def test_a_form_with_its_token_is_accepted(csrf_web):
    page = csrf_web.get(reverse("tasks:create"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    data = {"title": "ok", "status": "todo", "priority": "low", "csrfmiddlewaretoken": token}
    assert csrf_web.post(reverse("tasks:create"), data).status_code == 302
