"""Quick add: the parser, table-driven (what must and must not be parsed), the API
(201, ?preview=true writes nothing) and the page (preview, then Save)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tasks.models import Priority, Task
from tasks.quickadd import parse

# Wednesday 3 June 2026, 10:00 in the user's zone.
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
WED, THU, FRI, MON = date(2026, 6, 3), date(2026, 6, 4), date(2026, 6, 5), date(2026, 6, 8)
H, M, L = Priority.HIGH, Priority.MEDIUM, Priority.LOW

# text -> (title, due_date, due_time, priority, tags, repeat); None = not set.
PHRASES = {
    # dates
    "Buy milk today": ("Buy milk", WED, None, None, [], ""),
    "Buy milk tomorrow": ("Buy milk", THU, None, None, [], ""),
    "Buy milk tmr": ("Buy milk", THU, None, None, [], ""),
    "Pay rent fri": ("Pay rent", FRI, None, None, [], ""),
    "Pay rent friday": ("Pay rent", FRI, None, None, [], ""),
    "Pay rent Friday": ("Pay rent", FRI, None, None, [], ""),
    "Call bank wed": ("Call bank", date(2026, 6, 10), None, None, [], ""),
    "Call bank mon": ("Call bank", MON, None, None, [], ""),
    "Call bank next fri": ("Call bank", FRI, None, None, [], ""),
    "Plan next week": ("Plan", MON, None, None, [], ""),
    "Review next month": ("Review", date(2026, 7, 1), None, None, [], ""),
    "Renew passport in 3 days": ("Renew passport", date(2026, 6, 6), None, None, [], ""),
    "Renew passport in 2 weeks": ("Renew passport", date(2026, 6, 17), None, None, [], ""),
    "Renew passport in 1 month": ("Renew passport", date(2026, 7, 3), None, None, [], ""),
    "File taxes 2026-07-31": ("File taxes", date(2026, 7, 31), None, None, [], ""),
    "Party dec 5": ("Party", date(2026, 12, 5), None, None, [], ""),
    "Party 5 dec": ("Party", date(2026, 12, 5), None, None, [], ""),
    "Party december 5th": ("Party", date(2026, 12, 5), None, None, [], ""),
    "Dentist jan 10": ("Dentist", date(2027, 1, 10), None, None, [], ""),
    "Dentist jun 3": ("Dentist", WED, None, None, [], ""),
    "Leap day feb 29": ("Leap day", date(2028, 2, 29), None, None, [], ""),
    # times
    "Call Ana 9am": ("Call Ana", THU, time(9, 0), None, [], ""),
    "Call Ana 11am": ("Call Ana", WED, time(11, 0), None, [], ""),
    "Call Ana at 5pm": ("Call Ana", WED, time(17, 0), None, [], ""),
    "Call Ana 9:30": ("Call Ana", THU, time(9, 30), None, [], ""),
    "Call Ana 17:00": ("Call Ana", WED, time(17, 0), None, [], ""),
    "Call Ana 12am": ("Call Ana", THU, time(0, 0), None, [], ""),
    "Call Ana 12pm": ("Call Ana", WED, time(12, 0), None, [], ""),
    "Lunch noon fri": ("Lunch", FRI, time(12, 0), None, [], ""),
    "Standup tomorrow at 9:15am": ("Standup", THU, time(9, 15), None, [], ""),
    # priority, tags, mentions
    "Fix leak !high": ("Fix leak", None, None, H, [], ""),
    "Fix leak !low": ("Fix leak", None, None, L, [], ""),
    "Fix leak !medium": ("Fix leak", None, None, M, [], ""),
    "Fix leak !1": ("Fix leak", None, None, H, [], ""),
    "Fix leak !3": ("Fix leak", None, None, L, [], ""),
    "Fix leak #home": ("Fix leak", None, None, None, ["home"], ""),
    "Fix leak #Home #urgent": ("Fix leak", None, None, None, ["home", "urgent"], ""),
    "Ask @ana about it": ("Ask @ana about it", None, None, None, [], ""),
    "Ask @ana and @bob": ("Ask @ana and @bob", None, None, None, [], ""),
    "@ana call the bank fri": ("@ana call the bank", FRI, None, None, [], ""),
    'Mail "@ana" the slides': ("Mail @ana the slides", None, None, None, [], ""),
    # recurrence
    "Water plants every day": ("Water plants", WED, None, None, [], "FREQ=DAILY"),
    "Standup every weekday 9am": (
        "Standup",
        THU,
        time(9, 0),
        None,
        [],
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    ),
    "Gym every monday": ("Gym", MON, None, None, [], "FREQ=WEEKLY;BYDAY=MO"),
    "Gym every mon and thu": ("Gym", THU, None, None, [], "FREQ=WEEKLY;BYDAY=MO,TH"),
    "Report every week": ("Report", WED, None, None, [], "FREQ=WEEKLY"),
    "Water every 2 weeks": ("Water", WED, None, None, [], "FREQ=WEEKLY;INTERVAL=2"),
    "Water every other week": ("Water", WED, None, None, [], "FREQ=WEEKLY;INTERVAL=2"),
    "Backup every 3 days": ("Backup", WED, None, None, [], "FREQ=DAILY;INTERVAL=3"),
    "Invoice every month": ("Invoice", WED, None, None, [], "FREQ=MONTHLY"),
    "Birthday every year": ("Birthday", WED, None, None, [], "FREQ=YEARLY"),
    "Review every last friday": (
        "Review",
        date(2026, 6, 26),
        None,
        None,
        [],
        "FREQ=MONTHLY;BYDAY=-1FR",
    ),
    "Meetup every first monday": (
        "Meetup",
        date(2026, 7, 6),
        None,
        None,
        [],
        "FREQ=MONTHLY;BYDAY=1MO",
    ),
    "Pay rent fri 9am !high #home @ana every month": (
        "Pay rent @ana",
        FRI,
        time(9, 0),
        H,
        ["home"],
        "FREQ=MONTHLY",
    ),
    # must NOT be parsed (names, possessives, quotes, unknown words)
    "Call Friday's plumber": ("Call Friday's plumber", None, None, None, [], ""),
    "Read Tomorrow's News Today": ("Read Tomorrow's News Today", None, None, None, [], ""),
    "Prep Black Friday sale": ("Prep Black Friday sale", None, None, None, [], ""),
    "Watch Tomorrow Never Dies": ("Watch Tomorrow Never Dies", None, None, None, [], ""),
    'Read "next week" report': ("Read next week report", None, None, None, [], ""),
    'Book "Friday" tickets tomorrow': ("Book Friday tickets", THU, None, None, [], ""),
    # only the first date is taken; a second one stays in the title
    "Email the monday team tomorrow": ("Email the team tomorrow", MON, None, None, [], ""),
    "Every step counts": ("Every step counts", None, None, None, [], ""),
    "Fix every bug": ("Fix every bug", None, None, None, [], ""),
    "Bring 5 apples": ("Bring 5 apples", None, None, None, [], ""),
    "Call at home": ("Call at home", None, None, None, [], ""),
    "Room 101": ("Room 101", None, None, None, [], ""),
    "Check 25:00 timer": ("Check 25:00 timer", None, None, None, [], ""),
    "Email me@example.com": ("Email me@example.com", None, None, None, [], ""),
    "Issue #": ("Issue #", None, None, None, [], ""),
    "Wow!": ("Wow!", None, None, None, [], ""),
    "Mark 2026-02-30 as wrong": ("Mark 2026-02-30 as wrong", None, None, None, [], ""),
    "Move meeting fri to mon": ("Move meeting to mon", FRI, None, None, [], ""),
    "in the mood": ("in the mood", None, None, None, [], ""),
}


@pytest.mark.parametrize(("text", "expected"), list(PHRASES.items()), ids=list(PHRASES))
def test_phrase(text, expected):
    got = parse(text, now=NOW)
    assert (got.title, got.due_date, got.due_time, got.priority, got.tags, got.repeat) == expected


def test_the_table_is_big_enough():
    assert len(PHRASES) >= 60


def test_week_start_sunday_moves_next_week():
    assert parse("Plan next week", now=NOW, week_start="sunday").due_date == date(2026, 6, 7)


def test_mentions_are_hints_kept_in_the_title():
    got = parse("Pay rent @ana", now=NOW)
    assert (got.title, got.assignee_hint) == ("Pay rent @ana", "ana")


# text -> (assignee_hint, title_without_hint): what quick add uses when the hint names a
# project member (tests/time/test_quickadd_projects.py resolves them).
MENTIONS = {
    "Pay rent @ana": ("ana", "Pay rent"),
    "@Ana.Lopez call the bank fri": ("Ana.Lopez", "call the bank"),
    "Ask @ana, then @bob": ("ana", "Ask then @bob"),
    "Review @li_wei !high #ops": ("li_wei", "Review"),
    'Mail "@ana" the slides @bob': ("bob", "Mail @ana the slides"),
    "Email me@example.com": (None, "Email me@example.com"),
    "Ping @ with news": (None, "Ping @ with news"),
    "No mention here": (None, "No mention here"),
}


@pytest.mark.parametrize(("text", "expected"), list(MENTIONS.items()), ids=list(MENTIONS))
def test_mention_phrase(text, expected):
    got = parse(text, now=NOW)
    assert (got.assignee_hint, got.title_without_hint) == expected


def test_today_is_the_users_today():
    late = datetime(2026, 6, 3, 23, 30, tzinfo=ZoneInfo("Asia/Kathmandu"))
    assert parse("x tomorrow", now=late).due_date == THU
    assert parse("x 9am", now=late).due_date == THU


QUICK = "/api/tasks/quick/"


@pytest.mark.django_db
def test_api_preview_writes_nothing_and_create_saves(api_client, user):
    text = {"text": "Pay rent fri 9am !high #home @ana every month"}
    preview = api_client.post(f"{QUICK}?preview=true", text, format="json")
    assert preview.status_code == 200
    body = preview.json()
    assert (body["title"], body["priority"], body["tags"], body["repeat"]) == (
        "Pay rent @ana",
        "high",
        ["home"],
        "FREQ=MONTHLY",
    )
    assert (body["due_time"], body["assignee_hint"]) == ("09:00", "ana")
    assert not Task.objects.exists()
    created = api_client.post(QUICK, text, format="json")
    assert created.status_code == 201
    task = created.json()
    assert created["Location"].endswith(f"/api/tasks/{task['id']}/")
    assert {k: task[k] for k in ("title", "due_date", "due_time", "repeat")} == {
        k: body[k] for k in ("title", "due_date", "due_time", "repeat")
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ({"text": "!high #home"}, "", "text"),
        ({"text": ""}, "", "text"),
        ({"text": 5}, "", "text"),
        ({}, "", "text"),
        ({"text": "ok"}, "?preview=yes", "preview"),
    ],
)
def test_api_refuses_bad_quick_adds(api_client, body, query, field):
    response = api_client.post(f"{QUICK}{query}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_page_previews_then_saves(web, user):
    page = web.get(reverse("tasks:list"))
    assert b'id="quick-add"' in page.content
    assert b"js/quickadd" in page.content
    preview = web.post(reverse("tasks:quick-add"), {"text": "Dentist tomorrow 9am #health"})
    assert preview.status_code == 200
    assert "We understood:" in preview.text
    assert "Dentist" in preview.text
    assert not Task.objects.exists()
    saved = web.post(
        reverse("tasks:quick-add"), {"text": "Dentist tomorrow 9am #health", "save": "1"}
    )
    assert saved.status_code == 302
    task = Task.objects.get()
    assert (task.title, task.due_time, task.tags) == ("Dentist", time(9, 0), ["health"])
    bad = web.post(reverse("tasks:quick-add"), {"text": "#only"})
    assert bad.status_code == 400
    assert "title" in bad.text
