"""Writes of accounts: registration, profile, password, token revocation, personal API
tokens and the sessions page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from accounts import login_sessions, personal_tokens, revocation, selectors
from accounts.models import ApiToken, LoginSession, User, normalize_email
from accounts.preferences import DEFAULT_TIMEZONE, is_valid_timezone
from taskflow.ids import is_valid_id

PROFILE_FIELDS = ("name", "email", "bio", "timezone", "week_start", "date_format")
PREFERENCE_FIELDS = ("theme", "density", "start_page", "start_project_id")


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


def user_register(*, email: str, password: str, name: str = "", timezone: str = "") -> User:
    """Create an account. ``timezone`` is the browser's guess at registration: a name
    that is not an IANA zone (or none) means UTC, changeable on the profile."""
    email = normalize_email(email)
    zone = timezone if is_valid_timezone(timezone) else DEFAULT_TIMEZONE
    user = User(email=email, name=(name or "").strip(), timezone=zone)
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


def user_update_preferences(*, user: User, changes: dict[str, Any]) -> User:
    """Theme, density, start page (the page's form checked the start project against
    the user's projects; the start page falls back to the dashboard if it goes)."""
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=changed)
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
    """The one place a password is set (change, reset, allauth's forms, seed_demo):
    validated, saved, and every JWT, browser session and API token of the user ended, on
    every instance (a password reset must lock out whoever held the old one). ``field``
    names the form field in the ValidationError."""
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
    user_set_password(user=user, password=new_password, field="new_password")
    return user


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
