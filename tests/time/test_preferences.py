"""Time preferences: stored and validated through the API and the profile page, taken
from the browser at registration, and activated for every request so that "today" and
"overdue" follow the user's zone (SPEC §9)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as format_date

from accounts.models import User
from accounts.preferences import DATE_PATTERNS, format_user_date
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"
STATS = "/api/tasks/stats/"
PROFILE = reverse("accounts:profile")


def test_preferences_default_to_utc_monday_iso(api_client):
    body = api_client.get(ME).json()
    assert (body["timezone"], body["week_start"], body["date_format"]) == ("UTC", "monday", "iso")


def test_me_patch_saves_preferences(api_client, user):
    response = api_client.patch(
        ME,
        {"timezone": "Asia/Kathmandu", "week_start": "sunday", "date_format": "dmy"},
        format="json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.timezone, user.week_start, user.date_format) == ("Asia/Kathmandu", "sunday", "dmy")


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "europe/berlin"},  # IANA names are case-sensitive
        {"timezone": ""},
        {"timezone": 5},
        {"week_start": "friday"},
        {"date_format": "%Y"},
    ],
)
def test_me_patch_refuses_bad_preferences_with_the_field(api_client, user, body):
    response = api_client.patch(ME, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(body)
    user.refresh_from_db()
    assert (user.timezone, user.week_start, user.date_format) == ("UTC", "monday", "iso")


def test_api_register_takes_a_timezone(anon_client):
    response = anon_client.post(
        "/api/auth/register/",
        {"email": "z@example.com", "password": DEFAULT_PASSWORD, "timezone": "America/New_York"},
        format="json",
    )
    assert response.status_code == 201
    assert User.objects.get(email="z@example.com").timezone == "America/New_York"
    response = anon_client.post(
        "/api/auth/register/",
        {"email": "y@example.com", "password": DEFAULT_PASSWORD, "timezone": "Nowhere/Land"},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("Australia/Lord_Howe", "Australia/Lord_Howe"), ("", "UTC"), ("Not/AZone", "UTC")],
)
def test_register_page_keeps_the_browser_zone_else_utc(sent, stored):
    response = Client().post(
        reverse("accounts:register"),
        {
            "email": "carol@example.com",
            "password": DEFAULT_PASSWORD,
            "password_again": DEFAULT_PASSWORD,
            "timezone": sent,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="carol@example.com").timezone == stored


def test_register_page_has_the_hidden_field_and_its_static_script():
    page = Client().get(reverse("accounts:register")).content.decode()
    assert 'name="timezone"' in page
    assert "data-browser-timezone" in page
    assert "js/timezone" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_profile_page_saves_preferences_and_refuses_unknown_zones(web, user):
    page = web.get(PROFILE)
    assert b'name="timezone"' in page.content
    assert b'value="UTC"' in page.content
    base = {"form": "profile", "name": "Alice", "email": user.email}
    response = web.post(
        PROFILE, {**base, "timezone": "Europe/Berlin", "week_start": "sunday", "date_format": "mdy"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.timezone, user.week_start, user.date_format) == ("Europe/Berlin", "sunday", "mdy")
    response = web.post(PROFILE, {**base, "timezone": "Berlin"})
    assert response.status_code == 400
    assert set(response.context["profile_form"].errors) == {"timezone"}
    assert b'value="Berlin"' in response.content
    user.refresh_from_db()
    assert user.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("choice", "text"), [("iso", "2026-12-05"), ("dmy", "05/12/2026"), ("mdy", "12/05/2026")]
)
def test_dates_are_formatted_in_the_users_format(choice, text):
    assert format_user_date(date(2026, 12, 5), User(date_format=choice)) == text


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_dates_are_formatted_as_djangos_date_formatter_would(language):
    """format_user_date writes the layouts itself (it runs once per row of the list);
    Django's formatter, given each choice's pattern, is the reference."""
    days = [date(1, 1, 1), date(999, 9, 9), date(2024, 2, 29), date(9999, 12, 31)]
    days += [date(2026, month, day) for month in range(1, 13) for day in (1, 9, 10, 28)]
    with translation.override(language):
        for choice, pattern in DATE_PATTERNS.items():
            user = User(date_format=choice)
            for day in days:
                assert format_user_date(day, user) == format_date(day, pattern), (choice, day)
    assert format_user_date(date(2026, 1, 2), User(date_format="")) == "2026-01-02"
    assert format_user_date(None, User(date_format="dmy")) == ""


# 2026-06-01 12:00 UTC is already 2 June on Kiritimati (+14) and still 1 June in
# Pago Pago (-11): one task due on 1 June is "due today" for one user, overdue for the
# other, whichever way they ask (API token or browser session).
NOON_UTC = datetime(2026, 6, 1, 12, 0)


@pytest.mark.parametrize(
    ("zone", "overdue", "due_today"),
    [("Pacific/Kiritimati", 1, 0), ("Pacific/Pago_Pago", 0, 1), ("UTC", 0, 1)],
)
def test_stats_today_and_overdue_follow_the_users_zone(clock, zone, overdue, due_today):
    owner = UserFactory(timezone=zone)
    TaskFactory(owner=owner, due_date=date(2026, 6, 1))
    api = client_for(owner)
    clock(NOON_UTC)
    body = api.get(STATS).json()
    assert (body["overdue"], body["due_today"]) == (overdue, due_today)
    browser = Client()
    browser.force_login(owner)
    stats = browser.get(reverse("tasks:dashboard")).context["stats"]
    assert (stats["overdue"], stats["due_today"]) == (overdue, due_today)


def test_cached_stats_are_not_shared_across_zones(clock, user, settings):
    settings.STATS_CACHE_TTL = 60
    TaskFactory(owner=user, due_date=date(2026, 6, 1))
    clock(NOON_UTC)
    api = client_for(user)
    assert api.get(STATS).json()["due_today"] == 1
    api.patch(ME, {"timezone": "Pacific/Kiritimati"}, format="json")
    body = api.get(STATS).json()
    assert (body["overdue"], body["due_today"]) == (1, 0)


def test_the_zone_does_not_leak_into_the_next_request(clock, user):
    from django.utils import timezone

    user.timezone = "Asia/Kathmandu"
    user.save()
    client_for(user).get(STATS)
    assert timezone.get_current_timezone_name() == "UTC"
