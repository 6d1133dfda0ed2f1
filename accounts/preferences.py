"""A user's time preferences: IANA time zone, first day of the week, date format.

The zone decides what "today" and "overdue" mean for the user: pages and the API
activate it for the request (``UserTimezoneMiddleware`` for browser sessions,
``RevocableJWTAuthentication`` for tokens), so ``timezone.localdate()`` and
``timezone.localtime()`` anywhere below speak the user's zone.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date

DEFAULT_TIMEZONE = "UTC"
TIMEZONE_MAX_LENGTH = 64


class WeekStart(models.TextChoices):
    MONDAY = "monday", "Monday"
    SUNDAY = "sunday", "Sunday"


class DateFormat(models.TextChoices):
    ISO = "iso", "2026-12-31 (ISO)"
    DMY = "dmy", "31/12/2026 (day first)"
    MDY = "mdy", "12/31/2026 (month first)"


# Django date-format strings per choice (django.utils.dateformat).
DATE_PATTERNS = {DateFormat.ISO: "Y-m-d", DateFormat.DMY: "d/m/Y", DateFormat.MDY: "m/d/Y"}


@functools.cache
def available_timezones() -> frozenset[str]:
    # The tzdata package backs this where the system has no zone files (slim images).
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: object) -> bool:
    return isinstance(name, str) and name in available_timezones()


def validate_timezone(name: object) -> None:
    if not is_valid_timezone(name):
        raise ValidationError(
            "Enter a time zone from the IANA database, e.g. Europe/Berlin or UTC.",
            code="invalid_timezone",
        )


def zone_for(user: Any) -> tzinfo:
    """The user's zone; UTC for anonymous users or an unknown stored name."""
    name = getattr(user, "timezone", None) or DEFAULT_TIMEZONE
    if not is_valid_timezone(name):
        name = DEFAULT_TIMEZONE
    return zoneinfo.ZoneInfo(name)


def activate_for(user: Any) -> None:
    """Make ``user``'s zone the current one for the rest of this request."""
    if getattr(user, "is_authenticated", False):
        timezone.activate(zone_for(user))


def format_user_date(value: date | None, user: Any) -> str:
    """``value`` in the user's chosen date format ('' for no date)."""
    if value is None:
        return ""
    choice = getattr(user, "date_format", None) or DateFormat.ISO
    return format_date(value, DATE_PATTERNS.get(choice, DATE_PATTERNS[DateFormat.ISO]))
