"""Writes of accounts: registration, profile, password, token revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F

from accounts import revocation, selectors
from accounts.models import User, normalize_email

PROFILE_FIELDS = ("name", "email", "bio")


EMAIL_TAKEN = "email_taken"


def _email_taken_error() -> ValidationError:
    return ValidationError(
        {"email": ValidationError("A user with this email already exists.", code=EMAIL_TAKEN)}
    )


def is_email_taken_error(exc: ValidationError) -> bool:
    """Whether ``exc`` says only "this address is taken" (registration can then answer
    as for a new address, when email verification hides taken addresses)."""
    errors = getattr(exc, "error_dict", {})
    return list(errors) == ["email"] and all(e.code == EMAIL_TAKEN for e in errors["email"])


def _check_email_free(email: str, *, exclude_pk: str | None = None) -> None:
    if selectors.email_taken(email, exclude_pk=exclude_pk):
        raise _email_taken_error()


def user_register(*, email: str, password: str, name: str = "") -> User:
    email = normalize_email(email)
    user = User(email=email, name=(name or "").strip())
    user.full_clean(exclude=["password"], validate_unique=False)
    # The password is judged before the address is looked up, so a weak password gets
    # the same answer for a new and a taken address.
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    _check_email_free(email)
    user.set_password(password)
    try:
        user.save(force_insert=True)
    except IntegrityError:
        raise _email_taken_error() from None
    return user


def user_update_profile(*, user: User, changes: dict[str, Any]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    if (
        "email" in changes
        and normalize_email(changes["email"]) != user.email
        and settings.ACCOUNT_EMAIL_VERIFICATION != "none"
    ):
        # With verification on, a new address is used only once it confirmed
        # (/accounts/email/: a link to the new address, a notice to the old).
        raise ValidationError(
            {"email": "Change your email at /accounts/email/: the new address confirms it."}
        )
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
        raise _email_taken_error() from None
    if "email" in changes:
        # allauth looks users up by these rows too (password reset): the old address
        # must not keep reaching the account.
        EmailAddress.objects.filter(user=user).exclude(email=user.email).delete()
    return user


def user_revoke_all_tokens(*, user: User) -> None:
    """Sign out everywhere: every JWT and every browser session of the user."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


def user_set_password(*, user: User, password: str) -> None:
    """The one place a password is set (change, reset, allauth's forms): every browser
    session and every JWT of the user ends with it, on every instance (the generation is
    in the database; sessions hash it)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    user_revoke_all_tokens(user=user)


def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": "Your old password was entered incorrectly."})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user_set_password(user=user, password=new_password)


def user_reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a reset link's uid and token (allauth's reset email).

    The token is Django's (PASSWORD_RESET_TIMEOUT: one hour) and hashes the password, so
    it works once. Any bad uid or token gives the same error."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import url_str_to_user_pk

    invalid = ValidationError({"token": "This reset link is invalid, used or expired."})
    try:
        pk = url_str_to_user_pk(uid)
    except (ValueError, TypeError, OverflowError):
        raise invalid from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user_set_password(user=user, password=new_password)
    return user


def revocations_prune_expired(*, now: datetime | None = None) -> int:
    """Forget revocation records past their token's lifetime (``prune_expired``)."""
    return revocation.prune_expired(now=now)
