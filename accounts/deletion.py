""" "Delete my account" (SPEC §7, §10): the one write path, shared by the page and
``DELETE /api/auth/me/``.

1. Prove it: the password (counted by the login limiter, like every password door),
   then a TOTP or recovery code when the user has one (``second_factor.needs_code``).
2. Check the guards other apps registered (``accounts.data``): while the user is the
   only owner of a shared project the answer is "transfer first", nothing written.
3. ``start``: one single-row update turns the account off (inactive, unusable
   password, a tombstone address that frees the real one) — from then on every JWT,
   personal token and browser session is refused on every instance, because each
   check loads the user and refuses an inactive one; then tokens and sessions are
   closed in their lists and browser sessions deleted from the session store.
4. ``finish``: every app's eraser (projects: Inbox and solo projects deleted, other
   projects left; tasks: created tasks handed over), then the user row, whose
   deletion cascades to the rest (tokens, sessions, memberships, factors, addresses).

No step needs a transaction (MongoDB has none): a crash after 3 leaves an account
that nobody can use or see as a member-to-be, with the tombstone address marking it;
``finish_pending`` (the daily prune job) reruns 4 for such accounts, and each eraser
only finds what is left. The user row goes last, so a half-done deletion is never
lost track of.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import data, second_factor, services
from accounts.models import LoginSession, User, normalize_email
from taskflow import ratelimit
from taskflow.exceptions import ApplicationError

TOMBSTONE_DOMAIN = "deleted.invalid"


class SecondFactorRequired(ApplicationError):
    status = 400
    code = "mfa_required"
    default_detail = "Enter a code from your authenticator app or a recovery code."


class TransferFirst(ApplicationError):
    status = 409
    code = "transfer_first"
    default_detail = (
        "You are the only owner of shared projects: make another member owner of each "
        "(or remove its other members) before deleting your account."
    )

    def __init__(self, blockers: list[data.Blocker]) -> None:
        super().__init__()
        self.blockers = blockers


def tombstone_email(user_id: str) -> str:
    return f"deleted-{user_id.lower()}@{TOMBSTONE_DOMAIN}"


def check_credentials(
    *, user: User, password: str, code: str = "", request: HttpRequest | None = None
) -> None:
    """The password, then the second factor. Wrong passwords count in the login
    limiter's buckets (per network and per account): LoginRateLimited when spent."""
    attempt = ratelimit.login_attempt(request, normalize_email(user.email))
    if not user.check_password(password or ""):
        raise ValidationError({"password": "Your password was entered incorrectly."})
    attempt.succeeded()
    if second_factor.needs_code(user):
        if not code:
            raise SecondFactorRequired()
        second_factor.verify_code(user=user, code=code)


def account_delete(
    *,
    user: User,
    password: str,
    code: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Delete ``user`` and everything they own, after the checks above. Raises
    ValidationError (password, code), SecondFactorRequired, TransferFirst or
    LoginRateLimited, having written nothing."""
    check_credentials(user=user, password=password, code=code, request=request)
    blockers = data.deletion_blockers(user)
    if blockers:
        raise TransferFirst(blockers)
    start(user=user)
    finish(user=user)


def start(*, user: User) -> None:
    """Turn the account off everywhere at once (see the module's docstring, step 3)."""
    User.objects.filter(pk=user.pk).update(
        is_active=False, email=tombstone_email(user.pk), password=make_password(None)
    )
    user.is_active, user.email = False, tombstone_email(user.pk)
    # allauth looks addresses up here (reset, sign-up): the real one is free again.
    EmailAddress.objects.filter(user_id=user.pk).delete()
    services.user_revoke_all_tokens(user=user)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    keys = LoginSession.objects.filter(user_id=user.pk, kind=LoginSession.Kind.BROWSER)
    for key in keys.exclude(session_key="").values_list("session_key", flat=True):
        store.delete(key)


def finish(*, user: User) -> None:
    """Erase the user's data in every app, then the user row (step 4). Rerunnable."""
    data.run_erasers(user)
    User.objects.filter(pk=user.pk).delete()


def pending() -> list[User]:
    """Accounts whose deletion started but did not finish (a crash): inactive, and the
    address is exactly their own tombstone (someone who registered an address at
    deleted.invalid and was deactivated by an admin is not one of them)."""
    candidates = User.objects.filter(
        is_active=False, email__endswith=f"@{TOMBSTONE_DOMAIN}"
    ).order_by("pk")
    return [user for user in candidates if user.email == tombstone_email(user.pk)]


def finish_pending() -> int:
    """Finish every interrupted deletion; returns how many. Safe to run any time."""
    found = pending()
    for user in found:
        finish(user=user)
    return len(found)


def blockers_of(user: Any) -> list[data.Blocker]:
    """What the user must resolve first (the page lists it before asking anything)."""
    return data.deletion_blockers(user)
