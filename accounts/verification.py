"""Email verification at registration (ACCOUNT_EMAIL_VERIFICATION), handed to allauth.

- ``none``: registration signs in at once and says when an address is taken.
- ``optional``: a link is sent, the user is signed in at once (so a taken address
  still shows, as with ``none``).
- ``mandatory``: the user signs in only after following the link; a taken address
  gets the same answer as a new one, and its owner an "account already exists" email.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.utils import complete_signup, has_verified_email, setup_user_email
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import User


def enabled() -> bool:
    return settings.ACCOUNT_EMAIL_VERIFICATION != "none"


def hides_taken_addresses() -> bool:
    return settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"


def start(request: HttpRequest, user: User) -> HttpResponse:
    """Record the address (unverified), send the link, and sign in or say "check your
    email" as the setting says (the page's answer)."""
    setup_user_email(request, user, [])
    return complete_signup(
        request, user, settings.ACCOUNT_EMAIL_VERIFICATION, settings.LOGIN_REDIRECT_URL
    )


def send_link(request: HttpRequest, user: User) -> None:
    """Record the address (unverified) and send the link (the API's way)."""
    address = setup_user_email(request, user, [])
    if address is not None:
        address.send_confirmation(request, signup=True)


def notify_taken_address(request: HttpRequest, email: str) -> None:
    get_adapter(request).send_account_already_exists_mail(email)


def answer_taken_address(request: HttpRequest, email: str) -> HttpResponse:
    notify_taken_address(request, email)
    return redirect("account_email_verification_sent")


def login_blocked(user: User) -> bool:
    """Mandatory verification and no verified address: no sign-in yet."""
    return hides_taken_addresses() and not has_verified_email(user)
