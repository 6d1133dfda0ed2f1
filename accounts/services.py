"""Writes of accounts: registration, profile, password, token revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F

from accounts import revocation, selectors
from accounts.models import User, normalize_email
from accounts.preferences import DEFAULT_TIMEZONE, is_valid_timezone

PROFILE_FIELDS = ("name", "email", "bio", "timezone", "week_start", "date_format")


def _check_email_free(email: str, *, exclude_pk: str | None = None) -> None:
    if selectors.email_taken(email, exclude_pk=exclude_pk):
        raise ValidationError({"email": "A user with this email already exists."})


def user_register(*, email: str, password: str, name: str = "", timezone: str = "") -> User:
    """Create an account. ``timezone`` is the browser's guess at registration: a name
    that is not an IANA zone (or none) means UTC, changeable on the profile."""
    email = normalize_email(email)
    zone = timezone if is_valid_timezone(timezone) else DEFAULT_TIMEZONE
    user = User(email=email, name=(name or "").strip(), timezone=zone)
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
    """Sign out everywhere: every JWT and every browser session of the user."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


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
    """Forget revocation records past their token's lifetime (``prune_expired``)."""
    return revocation.prune_expired(now=now)
