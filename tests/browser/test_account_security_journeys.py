"""Issue 14 in a real browser: password reset read from a real SMTP server, TOTP set-up
and sign-in with pyotp's codes, passkey registration and passwordless sign-in with
Chromium's virtual authenticator (DevTools protocol, WebAuthn domain)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest

from tests.browser.helpers import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.smtp import link_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a brand new passphrase 7"


def _fresh_totp_code(secret: str) -> str:
    """A code with at least 5 seconds of its 30-second step left (one bounded wait)."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.5)
    return pyotp.TOTP(secret).now()


def _confirm_access(page, check_a11y) -> None:
    """allauth asks for the password again before a second factor is added."""
    page.wait_for_url("**/accounts/reauthenticate/**")
    check_a11y(page)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")


def test_password_reset_journey_reads_the_email_from_smtp(page, check_a11y, smtp_server):
    user = UserFactory(email="reset.me@example.com")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    check_a11y(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Reset My Password").click()
    page.wait_for_url("**/password/reset/done/")
    check_a11y(page)
    assert len(smtp_server) == 1
    link = link_in(smtp_server[0], "/password/reset/key/")
    page.goto(urlsplit(link).path)
    page.wait_for_url(re.compile(r"/password/reset/key/.+-set-password/$"))
    check_a11y(page)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change Password").click()
    page.wait_for_url("**/password/reset/key/done/")
    sign_in(page, user.email, NEW_PASSWORD)
    # The link worked once.
    _sign_out(page)
    page.goto(urlsplit(link).path)
    assert page.get_by_text("Bad Token").is_visible()
    assert not page.errors, page.errors  # console errors include CSP violations


def test_totp_set_up_then_sign_in_with_a_code(page, check_a11y):
    user = UserFactory(email="totp@example.com")
    sign_in(page, user.email)
    page.goto("/accounts/2fa/")
    check_a11y(page)
    page.goto("/accounts/2fa/totp/activate/")
    _confirm_access(page, check_a11y)
    page.wait_for_url("**/2fa/totp/activate/")
    check_a11y(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(_fresh_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/2fa/recovery-codes/")
    check_a11y(page)
    _sign_out(page)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/2fa/authenticate/")
    check_a11y(page)
    page.get_by_label("Code").fill(_fresh_totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    assert not page.errors, page.errors


def test_passkey_registration_and_passwordless_sign_in(page, check_a11y, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is plain http
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    user = UserFactory(email="passkey@example.com")
    sign_in(page, user.email)
    page.goto("/accounts/2fa/webauthn/add/")
    _confirm_access(page, check_a11y)
    page.wait_for_url("**/2fa/webauthn/add/")
    check_a11y(page)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r"/2fa/(recovery-codes|webauthn)/"))
    assert not page.errors, page.errors
    _sign_out(page)

    page.goto("/accounts/login/")
    check_a11y(page)
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url("**/dashboard/")
    assert not page.errors, page.errors
