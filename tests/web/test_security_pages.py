"""The API tokens and sessions pages: work without JavaScript, show a token once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, LoginSession

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:api-tokens")
SESSIONS = reverse("accounts:sessions")
DASHBOARD = reverse("tasks:dashboard")


def test_create_shows_the_token_once_and_it_works(web, user):
    created = web.post(TOKENS, {"name": "backup", "scope": "write", "expires_in": "30"})
    raw = re.search(r'value="(tf_[0-9a-f]{12}_[^"]+)"', created.content.decode())[1]
    again = web.get(TOKENS).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    assert "shown only this once" in created.content.decode()
    assert raw not in again
    assert "backup" in again
    assert ApiToken.objects.get().scope == "write"
    assert api.get("/api/tasks/").status_code == 200


def test_create_errors_are_inline(web):
    response = web.post(TOKENS, {"name": "", "scope": "root"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scope"}


def test_revoke_from_the_page(web, user):
    token, raw = services.api_token_create(user=user, name="old")
    response = web.post(reverse("accounts:api-token-revoke", args=[token.pk]))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert response["Location"] == TOKENS
    assert api.get("/api/tasks/").status_code == 401


def test_another_users_token_cannot_be_revoked_from_the_page(other_web, user):
    token, _ = services.api_token_create(user=user, name="mine")
    assert other_web.post(reverse("accounts:api-token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_sessions_page_lists_and_signs_out_another_browser(web, user, password):
    elsewhere = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Firefox/128.0")
    elsewhere.post(reverse("accounts:login"), {"email": user.email, "password": password})
    page = web.get(SESSIONS).content.decode()
    other = LoginSession.objects.get(marker=elsewhere.session["_tf_login_session"])
    response = web.post(reverse("accounts:session-revoke", args=[other.pk]))
    assert "Firefox on Windows" in page
    assert "(this session)" in page
    assert response["Location"] == SESSIONS
    assert elsewhere.get(DASHBOARD).status_code == 302
    assert web.get(DASHBOARD).status_code == 200


def test_password_change_keeps_this_session_listed(web, user, password):
    web.post(
        reverse("accounts:profile"),
        {
            "form": "password",
            "old_password": password,
            "new_password": "a brand new secret 42",
            "new_password_again": "a brand new secret 42",
        },
    )
    page = web.get(SESSIONS).content.decode()
    assert page.count("(this session)") == 1
    assert LoginSession.objects.filter(ended_at__isnull=True).count() == 1


@pytest.mark.parametrize("url", [TOKENS, SESSIONS])
def test_pages_need_sign_in(anon, url):
    assert anon.get(url)["Location"].startswith(reverse("accounts:login"))


def test_revoke_needs_post(web, user):
    token, _ = services.api_token_create(user=user, name="x")
    assert web.get(reverse("accounts:api-token-revoke", args=[token.pk])).status_code == 405
