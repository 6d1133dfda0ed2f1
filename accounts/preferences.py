"""A user's preferences: time (IANA time zone, first day of the week, date format) and
display (theme, list density, start page).

The zone decides what "today" and "overdue" mean for the user: pages and the API
activate it for the request (``UserTimezoneMiddleware`` for browser sessions,
``RevocableJWTAuthentication`` for tokens), so ``timezone.localdate()`` and
``timezone.localtime()`` anywhere below speak the user's zone.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from datetime import date, tzinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import resolve_url
from django.utils import timezone

DEFAULT_TIMEZONE = "UTC"
TIMEZONE_MAX_LENGTH = 64


class WeekStart(models.TextChoices):
    MONDAY = "monday", "Monday"
    SUNDAY = "sunday", "Sunday"


class DateFormat(models.TextChoices):
    ISO = "iso", "2026-12-31 (ISO)"
    DMY = "dmy", "31/12/2026 (day first)"
    MDY = "mdy", "12/31/2026 (month first)"


# Django date-format strings per choice (django.utils.dateformat): what each choice means.
DATE_PATTERNS = {DateFormat.ISO: "Y-m-d", DateFormat.DMY: "d/m/Y", DateFormat.MDY: "m/d/Y"}
# The same layouts for str.format (year, month, day). The patterns hold digits only, no
# month or day names, so this writes what Django's formatter would in every language,
# at a twentieth of its cost: the task list formats a due date on each row
# (tests/time/test_preferences.py compares the two).
_DATE_LAYOUTS = {
    DateFormat.ISO: "{0:04d}-{1:02d}-{2:02d}",
    DateFormat.DMY: "{2:02d}/{1:02d}/{0:04d}",
    DateFormat.MDY: "{1:02d}/{2:02d}/{0:04d}",
}


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
    layout = _DATE_LAYOUTS.get(choice, _DATE_LAYOUTS[DateFormat.ISO])
    return layout.format(value.year, value.month, value.day)


# --- Display preferences (SPEC §12) ---------------------------------------------------


class Theme(models.TextChoices):
    SYSTEM = "system", "Same as the system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Density(models.TextChoices):
    COMFORTABLE = "comfortable", "Comfortable"
    COMPACT = "compact", "Compact"


class StartPage(models.TextChoices):
    """Where "/" and signing in land. accounts keeps the choice only; the app that owns
    the pages turns it into a URL (``register_start_pages``)."""

    DASHBOARD = "dashboard", "Dashboard"
    TASKS = "tasks", "Task list"
    BOARD = "board", "A project's board"


START_PROJECT_MAX_LENGTH = 26

StartUrl = Callable[[Any], str | None]
ProjectChoices = Callable[[Any], list[tuple[str, str]]]
_start_url: list[StartUrl] = []
_project_choices: list[ProjectChoices] = []


def register_start_pages(*, url: StartUrl, project_choices: ProjectChoices) -> None:
    """Called by the app that owns the pages (tasks, in its AppConfig.ready): ``url(user)``
    is the user's start page (None: the default), ``project_choices(user)`` the
    (id, name) of the projects whose board may be the start page. A second call
    replaces the first (a reloaded AppConfig)."""
    _start_url[:] = [url]
    _project_choices[:] = [project_choices]


def start_url(user: Any) -> str:
    """Where ``user`` lands on "/" and after signing in."""
    url = _start_url[0](user) if _start_url and getattr(user, "is_authenticated", False) else None
    return url or resolve_url(settings.LOGIN_REDIRECT_URL)


def start_project_choices(user: Any) -> list[tuple[str, str]]:
    return _project_choices[0](user) if _project_choices else []
