"""Helpers shared by the task commands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts import selectors
from accounts.models import User


def user_by_email(email: str) -> User:
    """The user for a command's --user, or a CommandError naming the email."""
    user = selectors.user_by_email(email)
    if user is None:
        raise CommandError(f"No user with email {email!r}.")
    return user


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)
