"""A reminder relative to a due time counts back real minutes from the due moment in
the user's zone, across DST changes (notifications/reminders.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from accounts.models import User
from notifications.reminders import compute_fire_at
from tasks.models import Task


def fire(zone: str, due: date, at: time | None, minutes: int) -> datetime | None:
    return compute_fire_at(
        task=Task(due_date=due, due_time=at),
        user=User(timezone=zone),
        at=None,
        before_due_minutes=minutes,
    )


@pytest.mark.parametrize(
    ("zone", "due", "at", "minutes", "expected_utc"),
    [
        # Berlin springs forward on 2026-03-29 at 02:00 CET -> 03:00 CEST. Due 03:30 CEST
        # (01:30 UTC); 60 real minutes earlier is 00:30 UTC (01:30 CET), not "02:30".
        ("Europe/Berlin", date(2026, 3, 29), time(3, 30), 60, datetime(2026, 3, 29, 0, 30)),
        # A day before, across the change: 24 h before 09:00 CEST is 08:00 CET local.
        ("Europe/Berlin", date(2026, 3, 30), time(9, 0), 1440, datetime(2026, 3, 29, 7, 0)),
        # Falls back on 2026-10-25 at 03:00 CEST -> 02:00 CET. Due 03:30 CET (02:30 UTC);
        # 90 real minutes before is 01:00 UTC; wall-clock arithmetic ("02:00") would be
        # ambiguous and, read as CEST, an hour early (00:00 UTC).
        ("Europe/Berlin", date(2026, 10, 25), time(3, 30), 90, datetime(2026, 10, 25, 1, 0)),
        # No due time: 09:00 local that day (CET, UTC+1).
        ("Europe/Berlin", date(2026, 12, 24), None, 0, datetime(2026, 12, 24, 8, 0)),
        # New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT.
        ("America/New_York", date(2026, 3, 8), time(3, 15), 30, datetime(2026, 3, 8, 6, 45)),
        # Lord Howe moves by 30 minutes (+10:30 -> +11 on 2026-10-04 at 02:00).
        ("Australia/Lord_Howe", date(2026, 10, 4), time(3, 0), 60, datetime(2026, 10, 3, 15, 0)),
        # Kathmandu: +05:45, no DST.
        ("Asia/Kathmandu", date(2026, 6, 1), time(10, 0), 15, datetime(2026, 6, 1, 4, 0)),
    ],
)
def test_relative_reminders_across_zones_and_dst(zone, due, at, minutes, expected_utc):
    assert fire(zone, due, at, minutes) == expected_utc.replace(tzinfo=UTC)


def test_a_due_time_inside_the_spring_gap_reads_with_the_offset_before_the_change():
    # 02:30 does not exist in Berlin on 2026-03-29; fold=0 reads it as CET (UTC+1).
    assert fire("Europe/Berlin", date(2026, 3, 29), time(2, 30), 0) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


def test_no_due_date_no_firing_time():
    assert fire("Europe/Berlin", None, None, 10) is None
