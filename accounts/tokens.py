"""Issuing, rotating and revoking JWTs (simplejwt mechanics, TaskFlow's own state).

Every token carries two extra claims:
- ``sid``: the login session; access and refresh tokens of one login share it, and
  logging out revokes it, which rejects the session's access tokens at once;
- ``gen``: the user's token generation; logout-all and password change bump it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token

from accounts import login_sessions, revocation
from accounts.models import LoginSession, RevokedToken, User

SESSION_CLAIM = "sid"
GENERATION_CLAIM = "gen"


class TokenRejected(exceptions.AuthenticationFailed):
    default_detail = "Token is invalid, expired or revoked."
    default_code = "token_not_valid"


def _expiry(token: Token) -> datetime:
    return datetime.fromtimestamp(token["exp"], tz=UTC)


def issue_tokens(
    user: User, *, session_id: str | None = None, request: HttpRequest | None = None
) -> dict[str, str]:
    """A token pair; without ``session_id`` a new refresh family, listed on the
    sessions page with the device and address of ``request``."""
    if session_id is None:
        session_id = uuid.uuid4().hex
        login_sessions.record_family(user, session_id, request)
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = session_id
    refresh[GENERATION_CLAIM] = user.token_generation
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def check_token_state(token: Token, user: User, *, found: dict[str, Any] | None = None) -> None:
    """Reject a signature-valid token whose session or generation was revoked.
    ``found``: cache entries already read (``revocation.is_revoked``)."""
    session_id = token.get(SESSION_CLAIM)
    if token.get(GENERATION_CLAIM) != user.token_generation or not session_id:
        raise TokenRejected()
    if revocation.is_revoked(session_id, found=found):
        raise TokenRejected()


def parse_refresh(raw: Any) -> tuple[RefreshToken, User]:
    if not isinstance(raw, str) or not raw:
        raise TokenRejected()
    try:
        token = RefreshToken(raw)
    except TokenError:
        raise TokenRejected() from None
    user = User.objects.filter(
        **{api_settings.USER_ID_FIELD: token.get(api_settings.USER_ID_CLAIM)}, is_active=True
    ).first()
    if user is None:
        raise TokenRejected()
    check_token_state(token, user)
    return token, user


def rotate(raw: Any, *, request: HttpRequest | None = None) -> dict[str, str]:
    """Trade a refresh token for a new pair. A refresh token works once: a second use
    means it was stolen or replayed, so its whole session is ended."""
    token, user = parse_refresh(raw)
    first_use = revocation.revoke(
        jti=token["jti"], kind=RevokedToken.Kind.REFRESH, user_id=user.pk, expires_at=_expiry(token)
    )
    if not first_use:
        end_session(token, user)
        raise TokenRejected()
    login_sessions.family_rotated(token[SESSION_CLAIM], request)
    return issue_tokens(user, session_id=token[SESSION_CLAIM])


def end_session(token: Token, user: User) -> None:
    LoginSession.objects.filter(marker=token[SESSION_CLAIM], ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    revocation.revoke(
        jti=token[SESSION_CLAIM],
        kind=RevokedToken.Kind.SESSION,
        user_id=user.pk,
        # A session lives as long as its newest refresh token could.
        expires_at=datetime.now(tz=UTC) + api_settings.REFRESH_TOKEN_LIFETIME,
    )
