"""django-allauth's hooks, pointed at TaskFlow's own rules.

- Passwords are set by accounts.services.user_set_password (the one place that also
  ends every session and token of the user), whether allauth resets or changes them.
- Email goes out through taskflow.email.send_message (queued; the one sending path).
- allauth's own signup page is not used: /accounts/register/ registers (it keeps the
  look, the limits and the service), and hands verification to allauth.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from accounts import preferences, services
from taskflow.client_ip import client_network
from taskflow.email import send_message


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # DefaultAccountAdapter.send_mail, with our sending function instead of msg.send().
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        send_message(self.render_mail(template_prefix, email, ctx))

    def set_password(self, user: AbstractBaseUser, password: str, commit: bool = True) -> None:
        # allauth's forms validated the password already (AUTH_PASSWORD_VALIDATORS).
        services.user_set_password(user=user, password=password)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # allauth's own sign-ins without a ?next= (a passkey, a confirmed email) land on
        # the user's start page too, like /accounts/login/ (accounts.preferences).
        return preferences.start_url(request.user)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # /accounts/register/ is the one registration page

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own limits (reset per address, second-factor failures) key on the
        # same client network as ours: TRUSTED_PROXY_COUNT, IPv6 grouped per /64.
        return client_network(None, request)
