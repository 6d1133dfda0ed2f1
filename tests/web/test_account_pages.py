import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = reverse("accounts:register")
LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")
DASHBOARD = reverse("tasks:dashboard")


def test_landing_page_for_visitors(anon):
    response = anon.get("/")
    assert response.status_code == 200
    assert b"Create a free account" in response.content


def test_landing_redirects_signed_in_users_to_dashboard(web):
    assert web.get("/")["Location"] == DASHBOARD


def test_register_creates_account_and_signs_in(anon):
    response = anon.post(
        REGISTER,
        {
            "name": "Carol",
            "email": "Carol@Example.com",
            "password": DEFAULT_PASSWORD,
            "password_again": DEFAULT_PASSWORD,
        },
    )
    assert response["Location"] == DASHBOARD
    assert User.objects.get(email="carol@example.com").name == "Carol"
    assert anon.get(DASHBOARD).status_code == 200


def test_register_errors_keep_typed_values(anon, user):
    response = anon.post(
        REGISTER,
        {"name": "Dup", "email": user.email, "password": "123", "password_again": "456"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password_again"] == ["The two passwords differ."]
    assert b'value="Dup"' in response.content
    assert f'value="{user.email}"'.encode() in response.content


def test_register_shows_service_errors_on_fields(anon, user):
    response = anon.post(
        REGISTER,
        # A strong password: the password is judged before the address is looked up.
        {
            "email": user.email.upper(),
            "password": "a fine passphrase 42",
            "password_again": "a fine passphrase 42",
        },
    )
    assert "already exists" in " ".join(response.context["form"].errors["email"])
    assert User.objects.count() == 1


def test_register_weak_password_is_refused(anon):
    response = anon.post(
        REGISTER, {"email": "new@example.com", "password": "12345678", "password_again": "12345678"}
    )
    assert "This password is entirely numeric." in response.context["form"].errors["password"]
    assert not User.objects.filter(email="new@example.com").exists()


def test_login_signs_in_and_follows_safe_next(anon, user):
    response = anon.post(
        LOGIN + "?next=/tasks/", {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/tasks/"


def test_login_ignores_offsite_next(anon, user):
    response = anon.post(
        LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == DASHBOARD


def test_login_failure_keeps_email_and_says_why(anon, user):
    response = anon.post(LOGIN, {"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert b"Email or password is incorrect." in response.content
    assert f'value="{user.email}"'.encode() in response.content
    assert anon.get(DASHBOARD).status_code == 302


def test_login_page_is_rate_limited_with_a_429_page(anon, user, settings):
    settings.LOGIN_RATE = "3/m"
    for _ in range(3):
        anon.post(LOGIN, {"email": user.email, "password": "wrong"})
    response = anon.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert b"Too many attempts" in response.content
    assert anon.get(DASHBOARD).status_code == 302


def test_login_limit_is_shared_with_the_api_login(anon, anon_client, user, settings):
    settings.LOGIN_RATE = "3/m"
    for _ in range(3):
        anon_client.post("/api/auth/login/", {"email": user.email, "password": "x"}, format="json")
    response = anon.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_logout_needs_post(web):
    assert web.get(reverse("accounts:logout")).status_code == 405
    response = web.post(reverse("accounts:logout"))
    assert response["Location"] == "/"
    assert web.get(DASHBOARD).status_code == 302


def test_profile_page_shows_and_saves_details(web, user):
    assert web.get(PROFILE).status_code == 200
    response = web.post(
        PROFILE, {"form": "profile", "name": "Alice B", "email": "ALICE2@example.com", "bio": "Hi"}
    )
    assert response["Location"] == PROFILE
    user.refresh_from_db()
    assert (user.name, user.email, user.bio) == ("Alice B", "alice2@example.com", "Hi")


def test_profile_errors_keep_typed_values(web, user, other_user):
    response = web.post(
        PROFILE, {"form": "profile", "name": "Typed", "email": other_user.email, "bio": "x" * 201}
    )
    assert response.status_code == 400
    form = response.context["profile_form"]
    assert set(form.errors) == {"bio"}
    assert b'value="Typed"' in response.content
    response = web.post(PROFILE, {"form": "profile", "name": "", "email": other_user.email})
    assert "already exists" in " ".join(response.context["profile_form"].errors["email"])
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def test_password_change_keeps_this_session_and_ends_the_others(web, user):
    elsewhere = Client()
    elsewhere.force_login(user)
    api = client_for(user)
    response = web.post(
        PROFILE,
        {
            "form": "password",
            "old_password": DEFAULT_PASSWORD,
            "new_password": "a brand new secret 42",
            "new_password_again": "a brand new secret 42",
        },
    )
    assert response["Location"] == PROFILE
    assert web.get(DASHBOARD).status_code == 200
    assert elsewhere.get(DASHBOARD).status_code == 302
    assert api.get("/api/auth/me/").status_code == 401


def test_password_change_with_wrong_old_password_is_an_inline_error(web):
    response = web.post(
        PROFILE,
        {
            "form": "password",
            "old_password": "nope",
            "new_password": "a brand new secret 42",
            "new_password_again": "a brand new secret 42",
        },
    )
    assert response.status_code == 400
    assert response.context["password_form"].errors["old_password"] == [
        "Your old password was entered incorrectly."
    ]


def test_sign_out_everywhere_ends_sessions_and_tokens(web, user):
    elsewhere = Client()
    elsewhere.force_login(user)
    api = client_for(user)
    response = web.post(reverse("accounts:sign-out-everywhere"))
    assert response["Location"] == LOGIN
    assert web.get(DASHBOARD).status_code == 302
    assert elsewhere.get(DASHBOARD).status_code == 302
    assert api.get("/api/auth/me/").status_code == 401


@pytest.mark.parametrize("url", [PROFILE, DASHBOARD])
def test_account_pages_need_sign_in(anon, url):
    response = anon.get(url)
    assert response["Location"] == f"{LOGIN}?next={url}"


def test_signed_in_users_skip_register_and_login(web):
    assert web.get(REGISTER)["Location"] == DASHBOARD
    assert web.get(LOGIN)["Location"] == DASHBOARD


def test_register_page_is_rate_limited(anon, settings):
    settings.LOGIN_RATE = "2/m"
    for number in range(2):
        anon.post(REGISTER, {"email": f"x{number}@example.com", "password": "1"})
    response = anon.post(
        REGISTER,
        {
            "email": "late@example.com",
            "password": DEFAULT_PASSWORD,
            "password_again": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 429
    assert b'value="late@example.com"' in response.content
    assert not User.objects.filter(email="late@example.com").exists()
