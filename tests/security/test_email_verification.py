"""Issue 14: email verification at registration and confirmed email change.

ACCOUNT_EMAIL_VERIFICATION is read per request by allauth and by accounts.verification,
so each test sets the mode it is about.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

STRONG = "a fine passphrase 42"


def _register_page(client: Client, email: str):
    return client.post(
        "/accounts/register/", {"email": email, "password": STRONG, "password_again": STRONG}
    )


def _confirm_link(message) -> str:
    return re.search(r"https?://\S*/accounts/confirm-email/\S+/", message.body).group(0)


@pytest.fixture
def mandatory(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def test_mandatory_registration_signs_in_only_after_the_link(db, mandatory):
    browser = Client()
    response = _register_page(browser, "New@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert browser.get("/tasks/").status_code == 302  # not signed in
    # Signing in before confirming sends the user back to "check your email".
    login = browser.post("/accounts/login/", {"email": "new@example.com", "password": STRONG})
    assert login["Location"] == "/accounts/confirm-email/"
    assert browser.get("/tasks/").status_code == 302
    link = _confirm_link(mail.outbox[0])
    assert browser.post(link.split("testserver", 1)[1]).status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    login = browser.post("/accounts/login/", {"email": "new@example.com", "password": STRONG})
    assert browser.get("/tasks/").status_code == 200


def test_mandatory_registration_does_not_reveal_a_taken_address(user, mandatory):
    new = _register_page(Client(), "someone.new@example.com")
    taken = _register_page(Client(), user.email)
    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    assert User.objects.filter(email=user.email).count() == 1
    # The owner of the taken address is told, without a confirmation link.
    to_owner = [m for m in mail.outbox if m.to == [user.email]]
    assert len(to_owner) == 1
    assert "confirm-email" not in to_owner[0].body


def test_mandatory_api_registration_answers_the_same_and_login_waits(user, mandatory):
    api = APIClient()
    new = api.post(
        "/api/auth/register/", {"email": "api.new@example.com", "password": STRONG}, format="json"
    )
    taken = api.post(
        "/api/auth/register/", {"email": user.email, "password": STRONG}, format="json"
    )
    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json()
    login = api.post(
        "/api/auth/login/", {"email": "api.new@example.com", "password": STRONG}, format="json"
    )
    assert login.status_code == 403
    assert login.json()["code"] == "email_not_verified"


def test_without_verification_registration_is_as_before(db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    browser = Client()
    assert _register_page(browser, "plain@example.com")["Location"] == "/dashboard/"
    assert mail.outbox == []


def test_email_change_is_confirmed_by_the_new_address_and_told_to_the_old(user, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    browser = Client()
    browser.force_login(user)
    # The profile form cannot switch the address directly any more.
    direct = browser.post(
        "/accounts/profile/",
        {"form": "profile", "name": "Alice", "email": "alice.new@example.com", "bio": ""},
    )
    assert direct.status_code == 400
    user.refresh_from_db()
    assert user.email == "alice@example.com"

    response = browser.post(
        "/accounts/email/", {"action_add": "", "email": "alice.new@example.com"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "alice@example.com"  # not before the new address confirms
    to_new = [m for m in mail.outbox if m.to == ["alice.new@example.com"]]
    link = _confirm_link(to_new[-1])
    mail.outbox.clear()
    assert browser.post(link.split("testserver", 1)[1]).status_code == 302
    user.refresh_from_db()
    assert user.email == "alice.new@example.com"
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]  # the notice to the old
    # The old address no longer reaches the account (password reset).
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()


def test_password_login_still_works_for_users_without_email_rows(user, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    browser = Client()
    response = browser.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert browser.get("/tasks/").status_code == 200
