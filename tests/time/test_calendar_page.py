"""The calendar page (/calendar/): month grid in the user's zone and week start,
repeating tasks expanded within the month, project filter, access, bad input, "+k more"."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

import pytest

from calendars.selectors import MAX_PER_DAY, occurrence_dates
from projects import roles
from projects import services as project_services
from tasks import services
from tasks.models import Status
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


def _task(user, title, due, *, due_time=None, repeat="", project_id=None, status=Status.TODO):
    return services.task_create(
        actor=user,
        title=title,
        due_date=due,
        due_time=due_time,
        repeat=repeat,
        project_id=project_id,
        status=status,
    )[0]


def _view(web, query=""):
    response = web.get(f"/calendar/{query}")
    assert response.status_code == 200, response.content[:300]
    return response.context["view"]


def _days(view, title):
    """The in-month days on which ``title`` shows (projected occurrences included)."""
    return [
        cell.day
        for week in view.weeks
        for cell in week
        if cell.in_month
        for entry in cell.entries
        if entry.task.title == title
    ]


@pytest.mark.parametrize(
    ("week_start", "first_cell", "first_name"),
    [("monday", date(2026, 11, 30), "Monday"), ("sunday", date(2026, 11, 29), "Sunday")],
)
def test_the_grid_starts_on_the_users_first_day_of_the_week(
    web, user, week_start, first_cell, first_name
):
    user.week_start = week_start
    user.save()
    view = _view(web, "?month=2026-12")  # 1 December 2026 is a Tuesday
    assert view.weeks[0][0].day == first_cell
    assert view.weekday_names[0] == first_name
    assert all(len(week) == 7 for week in view.weeks)
    last = view.weeks[-1][-1].day
    assert last >= date(2026, 12, 31)
    assert (last - first_cell).days % 7 == 6
    response = web.get("/calendar/?month=2026-12")
    assert f'<abbr title="{first_name}">' in response.content.decode().split("<tbody>")[0]


# (zone, the last UTC instant of 31 December 2026 there, the first of 1 January 2027)
NEW_YEAR = [
    ("Europe/Berlin", datetime(2026, 12, 31, 22, 59, 59), datetime(2026, 12, 31, 23, 0)),
    ("America/New_York", datetime(2027, 1, 1, 4, 59, 59), datetime(2027, 1, 1, 5, 0)),
    # Lord Howe is on daylight time (+11) in the southern summer.
    ("Australia/Lord_Howe", datetime(2026, 12, 31, 12, 59, 59), datetime(2026, 12, 31, 13, 0)),
    ("Asia/Kathmandu", datetime(2026, 12, 31, 18, 14, 59), datetime(2026, 12, 31, 18, 15)),
]


@pytest.mark.parametrize(("zone", "before", "after"), NEW_YEAR, ids=[z[0] for z in NEW_YEAR])
def test_this_month_and_today_follow_the_users_zone(web, user, clock, zone, before, after):
    user.timezone = zone
    user.save()
    clock(before.replace(tzinfo=UTC))
    view = _view(web)
    assert (view.first, view.today) == (date(2026, 12, 1), date(2026, 12, 31))
    assert [c.day for w in view.weeks for c in w if c.is_today] == [date(2026, 12, 31)]
    clock(after.replace(tzinfo=UTC))
    view = _view(web)
    assert (view.first, view.today) == (date(2027, 1, 1), date(2027, 1, 1))
    html = web.get("/calendar/").content.decode()
    assert html.count('aria-current="date"') == 1


# A daily 09:00 task through a month with a DST change in the user's zone: every day
# once, none skipped or doubled (due times are wall-clock values).
DST_MONTHS = [
    ("Europe/Berlin", "2027-03", 31),  # clocks go forward on 28 March 2027
    ("America/New_York", "2026-11", 30),  # back on 1 November 2026
    ("Australia/Lord_Howe", "2027-04", 30),  # back half an hour on 4 April 2027
    ("Asia/Kathmandu", "2027-03", 31),  # no DST at +05:45
]


@pytest.mark.parametrize(("zone", "month", "days"), DST_MONTHS, ids=[d[0] for d in DST_MONTHS])
def test_a_daily_task_shows_once_a_day_across_dst_changes(web, user, zone, month, days):
    user.timezone = zone
    user.save()
    year, number = map(int, month.split("-"))
    _task(user, "Stand-up", date(year, number, 1), due_time=time(9), repeat="FREQ=DAILY")
    view = _view(web, f"?month={month}")
    shown = _days(view, "Stand-up")
    assert len(shown) == days
    assert Counter(shown).most_common(1)[0][1] == 1
    html = web.get(f"/calendar/?month={month}").content.decode()
    agenda = html.split('class="cal-agenda"')[1]  # the phone layout: the month's days only
    assert agenda.count("<time>09:00</time> Stand-up") == days


@pytest.mark.parametrize(
    ("rule", "due", "month", "expected"),
    [
        # weekly on Monday and Friday, from Friday 4 December
        ("FREQ=WEEKLY;BYDAY=MO,FR", date(2026, 12, 4), "2026-12", [4, 7, 11, 14, 18, 21, 25, 28]),
        # monthly on the last Friday, from October: the 25th in December
        ("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 10, 30), "2026-12", [25]),
        # COUNT counts the occurrences left, this one included
        ("FREQ=DAILY;COUNT=3", date(2026, 12, 30), "2026-12", [30, 31]),
        ("FREQ=DAILY;COUNT=3", date(2026, 12, 30), "2027-01", [1]),
        ("FREQ=DAILY;UNTIL=20261203", date(2026, 12, 1), "2026-12", [1, 2, 3]),
        ("FREQ=WEEKLY;INTERVAL=2", date(2026, 12, 1), "2026-12", [1, 15, 29]),
        ("FREQ=YEARLY", date(2024, 12, 24), "2026-12", [24]),
        ("", date(2026, 12, 9), "2026-12", [9]),
    ],
)
def test_repeating_tasks_show_their_occurrences_in_the_month(web, user, rule, due, month, expected):
    _task(user, "Series", due, repeat=rule)
    view = _view(web, f"?month={month}")
    assert [d.day for d in _days(view, "Series")] == expected


def test_a_completed_repeating_task_is_not_projected(web, user):
    _task(user, "Done series", date(2026, 12, 1), repeat="FREQ=DAILY", status=Status.DONE)
    view = _view(web, "?month=2026-12")
    assert _days(view, "Done series") == [date(2026, 12, 1)]


def test_expansion_is_bounded_for_a_series_that_started_long_ago():
    # A daily task due 40 years ago: the walk stops instead of stepping 14,600 days.
    assert (
        occurrence_dates("FREQ=DAILY", date(1986, 1, 1), date(2026, 12, 1), date(2026, 12, 31))
        == []
    )
    assert (
        len(occurrence_dates("FREQ=DAILY", date(2026, 1, 1), date(2026, 12, 1), date(2026, 12, 31)))
        == 31
    )


def test_other_peoples_tasks_are_absent_and_a_removed_member_loses_them(web, user):
    stranger = UserFactory(email="stranger@example.com")
    _task(stranger, "Stranger's task", date(2026, 12, 10))
    owner = UserFactory(email="owner@example.com")
    project = project_services.project_create(actor=owner, name="Shared")
    add_member(project, owner, user, "viewer")
    _task(owner, "Shared task", date(2026, 12, 11), project_id=project.pk)
    html = web.get("/calendar/?month=2026-12").content.decode()
    assert "Shared task" in html
    assert "Stranger" not in html
    assert "Shared" in web.get("/calendar/").content.decode()  # offered in the filter
    project_services.member_remove(
        actor=owner, membership=roles.get_membership_for(owner, project.pk), user_id=user.pk
    )
    html = web.get("/calendar/?month=2026-12").content.decode()
    assert "Shared task" not in html
    assert web.get(f"/calendar/?project={project.pk}").status_code == 404


def test_the_project_filter_shows_one_project(web, user):
    project = project_services.project_create(actor=user, name="Garden")
    _task(user, "Plant tulips", date(2026, 12, 3), project_id=project.pk)
    _task(user, "Inbox thing", date(2026, 12, 3))
    view = _view(web, f"?month=2026-12&project={project.pk}")
    assert _days(view, "Plant tulips") == [date(2026, 12, 3)]
    assert _days(view, "Inbox thing") == []
    html = web.get(f"/calendar/?month=2026-12&project={project.pk}").content.decode()
    assert f"month=2027-01&amp;project={project.pk}" in html  # navigation keeps the filter


@pytest.mark.parametrize("project", ["nope", "0" * 26, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "%00"])
def test_an_unknown_or_malformed_project_is_404(web, project):
    assert web.get(f"/calendar/?project={project}").status_code == 404


@pytest.mark.parametrize(
    "month",
    [
        "2026-13",
        "2026-00",
        "abc",
        "",
        "2026-1",
        "0000-01",
        "0001-01",
        "9999-12",
        "\uff12\uff10\uff12\uff16-01",
    ],
)
def test_a_bad_month_is_a_400_page_never_a_500(web, month):
    response = web.get("/calendar/", {"month": month})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_the_first_and_last_accepted_months_have_no_link_beyond(web):
    html = web.get("/calendar/?month=9998-12").content.decode()
    assert 'rel="next"' not in html
    assert 'rel="prev"' in html
    html = web.get("/calendar/?month=0002-01").content.decode()
    assert 'rel="prev"' not in html
    assert 'rel="next"' in html


def test_navigation_links_are_labelled(web):
    html = web.get("/calendar/?month=2026-12").content.decode()
    assert (
        'href="?month=2026-11" rel="prev">\u2039 Nov<span class="visually-hidden">'
        " (previous month, November 2026)</span>"
    ) in html
    assert (
        'href="?month=2027-01" rel="next">Jan \u203a<span class="visually-hidden">'
        " (next month, January 2027)</span>"
    ) in html


def test_a_busy_day_shows_n_tasks_and_a_link_to_the_rest(web, user):
    day = date(2026, 12, 15)
    for i in range(MAX_PER_DAY + 2):
        _task(user, f"Busy {i}", day)
    view = _view(web, "?month=2026-12")
    cell = next(c for w in view.weeks for c in w if c.day == day)
    assert len(cell.shown) == MAX_PER_DAY
    assert cell.more == 2
    assert cell.more_url == "/tasks/?due_after=2026-12-15&due_before=2026-12-15"
    html = web.get("/calendar/?month=2026-12").content.decode()
    assert "+2 more" in html
    listed = web.get(cell.more_url).content.decode()
    assert all(f"Busy {i}" in listed for i in range(MAX_PER_DAY + 2))


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_nav_links_to_the_calendar(web):
    html = web.get("/calendar/").content.decode()
    assert '<a href="/calendar/" aria-current="page">Calendar</a>' in html
    assert '<a href="/calendar/">Calendar</a>' in web.get("/tasks/").content.decode()
