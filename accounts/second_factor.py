"""The second factor of the JSON login: short-lived, single-use tickets.

``POST auth/login/`` with the right password of a user who has a second factor answers
``{"mfa_required": true, "ticket": ...}`` instead of tokens; ``POST auth/login/mfa/``
trades the ticket and a TOTP or recovery code for tokens. The ticket lives in the
default cache (Redis when REDIS_URL is set, so any instance can redeem it) for
MFA_TICKET_SECONDS; only its hash is a cache key. Redeeming deletes it, and only the
request whose delete removed it goes on, so two concurrent uses give one success.
Codes are checked by allauth's own form: TOTP codes are refused when reused within
their window, recovery codes work once, and failures are limited per user.
"""

from __future__ import annotations

import hashlib
import secrets

from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import User


class TicketRejected(Exception):
    """The ticket is unknown, expired or already used."""


def _key(ticket: str) -> str:
    return "mfa-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def user_has_second_factor(user: User) -> bool:
    return is_mfa_enabled(user)


def ticket_issue(*, user: User) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(_key(ticket), user.pk, timeout=settings.MFA_TICKET_SECONDS)
    return ticket


def ticket_redeem(*, ticket: str, code: str) -> User:
    """The user of ``ticket`` once ``code`` is right; the ticket is then spent.

    A wrong code leaves the ticket usable (allauth's per-user limit counts it)."""
    user_pk = cache.get(_key(ticket))
    user = User.objects.filter(pk=user_pk, is_active=True).first() if user_pk else None
    if user is None:
        raise TicketRejected()
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise ValidationError({"code": form.errors.get("code", ["Incorrect code."])})
    if not cache.delete(_key(ticket)):
        raise TicketRejected()  # another request redeemed it first
    # What AuthenticateForm.save() records, minus its session bookkeeping (no session
    # here: the API answers with tokens).
    form.authenticator.record_usage()
    return user


def needs_code(user: User) -> bool:
    """Whether deleting the account asks for a code: a TOTP authenticator or recovery
    codes. A passkey alone cannot type a code (allauth's code form skips WebAuthn), so
    a passkey-only account is confirmed by its password."""
    from allauth.mfa.models import Authenticator

    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES])


def verify_code(*, user: User, code: str) -> None:
    """Check a TOTP or recovery code of ``user`` with allauth's own form (replay of a
    TOTP code and reuse of a recovery code refused, failures limited per user)."""
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise ValidationError({"code": form.errors.get("code", ["Incorrect code."])})
    form.authenticator.record_usage()
