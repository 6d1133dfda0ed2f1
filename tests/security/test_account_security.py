"""Issue 14: password reset, the second factor on every password door, API tickets.

Reset emails are read from a real SMTP server (tests/smtp.py); TOTP codes are computed
with pyotp at a fixed instant (allauth's clock is pinned, so no test can straddle a
30-second step).
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pyotp
import pytest
from allauth.account.forms import default_token_generator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.forms import SECOND_FACTOR_ELSEWHERE
from accounts.tokens import issue_tokens
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.smtp import link_in

AUTH = "/api/auth"
NEW_PASSWORD = "a brand new passphrase 7"
NOW = 1_800_000_015  # the middle of a TOTP step
SECRET = pyotp.random_base32()


@pytest.fixture
def frozen_totp_clock(monkeypatch):
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: NOW))


def totp_code(at: int = NOW) -> str:
    return pyotp.TOTP(SECRET).at(at)


@pytest.fixture
def mfa_user(db, frozen_totp_clock):
    user = UserFactory(email="mfa@example.com", is_staff=True, is_superuser=True)
    totp_auth.TOTP.activate(user, SECRET)
    user.recovery_codes = RecoveryCodes.activate(user).get_unused_codes()
    return user


def _uid_and_token(link: str) -> tuple[str, str]:
    segment = re.search(r"/password/reset/key/([^/]+)/", link).group(1)
    uid, token = segment.split("-", 1)
    return uid, token


def _reset_link(messages) -> str:
    return link_in(messages[-1], "/password/reset/key/")


# --- password reset (API) ----------------------------------------------------------------


def test_reset_email_comes_through_smtp_and_the_link_works_once(smtp_server, user):
    anon = APIClient()
    old = issue_tokens(user)
    response = anon.post(f"{AUTH}/password/reset/", {"email": "ALICE@example.com"}, format="json")
    assert response.status_code == 202
    assert len(smtp_server) == 1
    assert smtp_server[0]["To"] == user.email
    uid, token = _uid_and_token(_reset_link(smtp_server))

    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert anon.post(f"{AUTH}/password/reset/confirm/", confirm, format="json").status_code == 204
    # Reused: refused (the token hashed the old password).
    again = anon.post(f"{AUTH}/password/reset/confirm/", confirm, format="json")
    assert again.status_code == 400
    assert "token" in again.json()
    # Every token of the user ended; the new password signs in.
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    assert anon.get(f"{AUTH}/me/").status_code == 401
    login = APIClient().post(
        f"{AUTH}/login/", {"email": user.email, "password": NEW_PASSWORD}, format="json"
    )
    assert login.status_code == 200


def test_reset_for_an_unknown_address_answers_the_same(user):
    anon = APIClient()
    known = anon.post(f"{AUTH}/password/reset/", {"email": user.email}, format="json")
    unknown = anon.post(f"{AUTH}/password/reset/", {"email": "nobody@example.com"}, format="json")
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 202
    # The unknown address gets a notice, never a link (it has no account to reset).
    to_unknown = [m for m in mail.outbox if m.to == ["nobody@example.com"]]
    assert len(to_unknown) == 1
    assert "/password/reset/key/" not in to_unknown[0].body


def test_expired_reset_link_is_refused(user, monkeypatch):
    APIClient().post(f"{AUTH}/password/reset/", {"email": user.email}, format="json")
    uid, token = _uid_and_token(_reset_link(mail.outbox))
    later = default_token_generator._now() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    response = APIClient().post(f"{AUTH}/password/reset/confirm/", confirm, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "0" * 26, "token": "abc-def", "new_password": NEW_PASSWORD},
        {"uid": "not a uid!", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "", "token": "", "new_password": ""},
    ],
)
def test_bad_reset_confirm_is_a_400(db, body):
    assert (
        APIClient().post(f"{AUTH}/password/reset/confirm/", body, format="json").status_code == 400
    )


def test_reset_requests_are_rate_limited_per_network(db):
    anon = APIClient()
    statuses = [
        anon.post(
            f"{AUTH}/password/reset/", {"email": f"x{i}@example.com"}, format="json"
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [202] * 20
    assert statuses[20] == 429


def test_reset_page_journey_ends_other_sessions(smtp_server, user):
    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get("/tasks/").status_code == 200
    browser = Client()
    assert browser.get("/accounts/password/reset/").status_code == 200
    response = browser.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    link = _reset_link(smtp_server)
    form_page = browser.get(link, follow=True)
    assert form_page.status_code == 200
    done = browser.post(
        form_page.request["PATH_INFO"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    # The other browser's session ended with the password.
    assert elsewhere.get("/tasks/").status_code == 302
    # The link works once.
    assert "password/reset/key" in browser.get(link, follow=True).request["PATH_INFO"]
    assert browser.get(link, follow=True).context["token_fail"]


# --- second factor: the JSON login and its ticket ----------------------------------------


def _login(client: APIClient, user, password: str = DEFAULT_PASSWORD):
    return client.post(f"{AUTH}/login/", {"email": user.email, "password": password}, format="json")


def _ticket(user) -> str:
    response = _login(APIClient(), user)
    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True
    assert "access" not in body
    return body["ticket"]


def test_api_login_of_an_mfa_user_needs_the_ticket_and_a_totp_code(mfa_user):
    ticket = _ticket(mfa_user)
    response = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": ticket, "code": totp_code()}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_a_ticket_works_once(mfa_user):
    ticket = _ticket(mfa_user)
    code = mfa_user.recovery_codes[0]
    first = APIClient().post(f"{AUTH}/login/mfa/", {"ticket": ticket, "code": code}, format="json")
    assert first.status_code == 200
    second = APIClient().post(
        f"{AUTH}/login/mfa/",
        {"ticket": ticket, "code": mfa_user.recovery_codes[1]},
        format="json",
    )
    assert second.status_code == 401
    assert second.json()["code"] == "ticket_not_valid"


def test_a_wrong_code_keeps_the_ticket_and_a_made_up_ticket_is_401(mfa_user):
    ticket = _ticket(mfa_user)
    wrong = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": ticket, "code": "000000"}, format="json"
    )
    assert wrong.status_code == 400
    right = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": ticket, "code": totp_code()}, format="json"
    )
    assert right.status_code == 200
    made_up = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": "x" * 43, "code": totp_code()}, format="json"
    )
    assert made_up.status_code == 401


def test_totp_code_replayed_within_its_step_is_refused(mfa_user):
    code = totp_code()
    first = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": _ticket(mfa_user), "code": code}, format="json"
    )
    assert first.status_code == 200
    replay = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": _ticket(mfa_user), "code": code}, format="json"
    )
    assert replay.status_code == 400


def test_recovery_code_works_once(mfa_user):
    code = mfa_user.recovery_codes[2]
    first = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": _ticket(mfa_user), "code": code}, format="json"
    )
    assert first.status_code == 200
    reuse = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": _ticket(mfa_user), "code": code}, format="json"
    )
    assert reuse.status_code == 400


def test_wrong_password_of_an_mfa_user_gets_no_ticket(mfa_user):
    response = _login(APIClient(), mfa_user, password="wrong")
    assert response.status_code == 401
    assert "ticket" not in response.json()


def test_second_factor_failures_are_limited_per_user(mfa_user):
    ticket = _ticket(mfa_user)
    statuses = [
        APIClient()
        .post(f"{AUTH}/login/mfa/", {"ticket": ticket, "code": "000000"}, format="json")
        .status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 6
    # Past allauth's limit (5 per 5 minutes) even the right code is refused.
    right = APIClient().post(
        f"{AUTH}/login/mfa/", {"ticket": ticket, "code": totp_code()}, format="json"
    )
    assert right.status_code == 400


# --- second factor: the three HTML doors ---------------------------------------------------


def test_login_page_asks_for_the_second_factor(mfa_user):
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"email": mfa_user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert browser.get("/tasks/").status_code == 302  # not signed in yet
    done = browser.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert done.status_code == 302
    assert browser.get("/tasks/").status_code == 200


def test_login_page_without_second_factor_signs_in_at_once(user):
    browser = Client()
    response = browser.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert browser.get("/tasks/").status_code == 200


@pytest.mark.parametrize("door", ["/admin/login/", "/api-auth/login/"])
def test_password_only_doors_send_mfa_users_to_the_login_page(mfa_user, door):
    browser = Client()
    response = browser.post(door, {"username": mfa_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert SECOND_FACTOR_ELSEWHERE in response.content.decode()
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("door", ["/admin/login/", "/api-auth/login/"])
def test_password_only_doors_still_sign_in_users_without_second_factor(db, door):
    staff = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    response = browser.post(door, {"username": staff.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == staff.pk


@pytest.mark.parametrize("path", ["/accounts/2fa/", "/accounts/2fa/webauthn/"])
def test_second_factor_pages_render(user, path):
    # The security-key list is allauth's template, which loads django.contrib.humanize:
    # without that app it answered 500.
    client = Client()
    client.force_login(user)
    assert client.get(path).status_code == 200
