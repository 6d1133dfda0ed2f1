"""Writes of accounts: registration, profile, password, token revocation, personal API
tokens and the sessions page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from accounts import login_sessions, personal_tokens, revocation, selectors
from accounts.models import ApiToken, LoginSession, User, normalize_email
from taskflow.ids import is_valid_id

PROFILE_FIELDS = ("name", "email", "bio")


def _check_email_free(email: str, *, exclude_pk: str | None = None) -> None:
    if selectors.email_taken(email, exclude_pk=exclude_pk):
        raise ValidationError({"email": "A user with this email already exists."})


def user_register(*, email: str, password: str, name: str = "") -> User:
    email = normalize_email(email)
    user = User(email=email, name=(name or "").strip())
    user.full_clean(exclude=["password"])
    _check_email_free(email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    try:
        user.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"email": "A user with this email already exists."}) from None
    return user


def user_update_profile(*, user: User, changes: dict[str, Any]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    for name, value in changes.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if "email" in changes:
        user.email = normalize_email(user.email)
    user.full_clean(exclude=["password"])
    if "email" in changes:
        _check_email_free(user.email, exclude_pk=user.pk)
    try:
        user.save(update_fields=list(changes))
    except IntegrityError:
        raise ValidationError({"email": "A user with this email already exists."}) from None
    return user


def user_revoke_all_tokens(*, user: User) -> None:
    """Sign out everywhere: every JWT, browser session and personal API token of the
    user. The generation bump alone refuses them all on every instance (each check
    compares it); the rows are closed so the lists say so."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
    now = timezone.now()
    LoginSession.objects.filter(user=user, ended_at__isnull=True).update(ended_at=now)
    live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    ApiToken.objects.filter(pk__in=[t.pk for t in live]).update(revoked_at=now)
    personal_tokens.mark_revoked(live, now=now)


def user_set_password(*, user: User, password: str, field: str = "password") -> None:
    """The one way to set an existing account's password: validated, saved, and every
    JWT and browser session of the user ended (a password reset must lock out whoever
    held the old one). ``field`` names the form field in the ValidationError."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    user_revoke_all_tokens(user=user)


def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": "Your old password was entered incorrectly."})
    user_set_password(user=user, password=new_password, field="new_password")


def revocations_prune_expired(*, now: datetime | None = None) -> int:
    """Forget revocation records past their token's lifetime, and sessions-list rows of
    sessions that expired (``prune_expired``)."""
    now = now or timezone.now()
    sessions, _ = LoginSession.objects.filter(expires_at__lt=now).delete()
    return revocation.prune_expired(now=now) + sessions


MAX_LIVE_TOKENS = 50


def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    project_id: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new personal API token and its full text, which is never readable again."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the token a name."
    if scope not in ApiToken.Scope.values:
        errors["scope"] = "Choose read or write."
    if project_id and not is_valid_id(project_id):
        errors["project"] = "No such project."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if selectors.api_tokens_of(user).count() >= MAX_LIVE_TOKENS:
        errors["non_field_errors"] = f"At most {MAX_LIVE_TOKENS} tokens; revoke one first."
    if errors:
        raise ValidationError(errors)
    raw, prefix, secret_hash = personal_tokens.generate()
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        project_id=project_id or None,
        expires_at=expires_at,
        prefix=prefix,
        secret_hash=secret_hash,
        generation=user.token_generation,
    )
    token.full_clean()
    token.save(force_insert=True)
    return token, raw


def api_token_revoke(*, user: User, token_id: str) -> None:
    """Revoke one of the user's tokens on every instance at once (404 if not theirs)."""
    token = selectors.api_token_of(user, token_id)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    personal_tokens.mark_revoked([token], now=now)


def login_session_end(*, user: User, session_id: str) -> None:
    """End one browser session or refresh family of the user, on every instance."""
    login_sessions.end(selectors.login_session_of(user, session_id))
