"""Reads of accounts. Other apps look users up here, never through User.objects."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, LoginSession, User, normalize_email


def user_by_email(email: str) -> User | None:
    """The user with this email (case and surrounding spaces ignored), or None."""
    return User.objects.filter(email=normalize_email(email)).first()


def email_taken(email: str, *, exclude_pk: str | None = None) -> bool:
    """Whether another user already has this (normalised) email."""
    taken = User.objects.filter(email=normalize_email(email))
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def user_count() -> int:
    return User.objects.count()


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that were not revoked (expired ones included, marked so)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def api_token_of(user: User, token_id: object) -> ApiToken:
    """One live token of the user; another user's, a revoked or a missing one: 404."""
    token = api_tokens_of(user).filter(pk=str(token_id)).first()
    if token is None:
        raise Http404("No such token.")
    return token


def login_sessions_of(user: User) -> QuerySet[LoginSession]:
    """The user's browser sessions and refresh families that can still be used."""
    return LoginSession.objects.filter(
        user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
    )


def login_session_of(user: User, session_id: object) -> LoginSession:
    row = login_sessions_of(user).filter(pk=str(session_id)).first()
    if row is None:
        raise Http404("No such session.")
    return row
