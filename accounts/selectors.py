"""Reads of accounts. Other apps look users up here, never through User.objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


# --- "Your data" exporters (accounts.data; registered in AccountsConfig.ready) ----------


def export_profile(user: User) -> list[dict[str, Any]]:
    """The account itself: never the password hash, the token generation or any
    second-factor secret (only which kinds of factor are on)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    factors = sorted(
        set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
    )
    emails = list(
        EmailAddress.objects.filter(user_id=user.pk).values("email", "verified", "primary")
    )
    return [
        {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "bio": user.bio,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "timezone": user.timezone,
            "week_start": user.week_start,
            "date_format": user.date_format,
            "email_addresses": emails,
            "second_factors": factors,
        }
    ]


def export_api_tokens(user: User) -> Iterator[dict[str, Any]]:
    """Every token of the user, revoked ones too: metadata only, never the hash."""
    rows = ApiToken.objects.filter(user_id=user.pk).order_by("created_at", "id")
    for token in rows.iterator(chunk_size=500):
        yield {
            "id": token.pk,
            "name": token.name,
            "scope": token.scope,
            "project": token.project_id,
            "display": f"tf_{token.prefix}_…",
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "last_used_ip": token.last_used_ip,
            "revoked_at": token.revoked_at,
        }


def export_login_sessions(user: User) -> Iterator[dict[str, Any]]:
    """Browser sessions and API logins: never the session key or the refresh
    family's marker (either could help hijack a live session)."""
    from accounts.login_sessions import describe_device

    rows = LoginSession.objects.filter(user_id=user.pk).order_by("created_at", "id")
    for row in rows.iterator(chunk_size=500):
        yield {
            "id": row.pk,
            "kind": row.kind,
            "device": describe_device(row.user_agent),
            "user_agent": row.user_agent,
            "ip": row.ip,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "expires_at": row.expires_at,
            "ended_at": row.ended_at,
        }
