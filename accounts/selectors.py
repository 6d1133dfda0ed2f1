"""Reads of accounts. Other apps look users up here, never through User.objects."""

from __future__ import annotations

from accounts.models import User, normalize_email


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
