"""The iCal feed at a per-user secret URL: the API that shows and rotates the URL, the
feed read back with two parsers (icalendar and vobject), time zones and DST, access."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.test import Client

from calendars.models import CalendarFeed
from projects import roles
from projects import services as project_services
from taskflow.scrub import scrub_text
from tasks import services
from tasks.models import Priority, Status
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

SECRET_URL = re.compile(r"^http://testserver/calendar/feed/([0-9a-f]{64})\.ics$")


@pytest.fixture(autouse=True)
def _fresh_vobject_zones():
    """vobject keeps the first VTIMEZONE it read per TZID for the whole process: each
    test must read its own feed's definition."""
    zones = vars(vobject.icalendar)["__tzidMap"]
    zones.clear()
    yield
    zones.clear()


def _task(user, title, due, **fields):
    return services.task_create(actor=user, title=title, due_date=due, **fields)[0]


def _url(client) -> str:
    response = client.get("/api/calendar/feed/")
    assert response.status_code == 200
    url = response.json()["url"]
    assert SECRET_URL.match(url)
    return url.removeprefix("http://testserver")


def _fetch(path: str, query: str = "") -> bytes:
    response = Client().get(path + query)  # no session: the secret is the credential
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_api_creates_the_url_once_and_rotating_revokes_the_old(api_client, user):
    first = _url(api_client)
    assert _url(api_client) == first  # the same URL on every call
    assert CalendarFeed.objects.filter(user=user).count() == 1
    _fetch(first)
    response = api_client.post("/api/calendar/feed/rotate/")
    assert response.status_code == 200
    rotated = response.json()["url"].removeprefix("http://testserver")
    assert rotated != first
    assert _url(api_client) == rotated
    assert Client().get(first).status_code == 404  # at once: the lookup reads the database
    _fetch(rotated)


def test_the_secret_is_not_stored(api_client, user):
    secret = SECRET_URL.match("http://testserver" + _url(api_client))[1]
    row = CalendarFeed.objects.values().get(user=user)
    assert all(secret not in str(value) for value in row.values())


@pytest.mark.parametrize(
    "secret",
    ["0" * 64, "nope", "A" * 64, "0" * 63, "0" * 65, "%00", "..%2f..%2fetc"],
)
def test_a_wrong_secret_is_404(api_client, secret):
    _url(api_client)
    assert Client().get(f"/calendar/feed/{secret}.ics").status_code == 404


def test_signed_out_api_calls_are_401(anon_client):
    assert anon_client.get("/api/calendar/feed/").status_code == 401
    assert anon_client.post("/api/calendar/feed/rotate/").status_code == 401


def test_the_page_shows_the_url_and_rotates_it(api_client, user):
    web = Client()
    web.force_login(user)
    path = _url(api_client)
    html = web.get("/calendar/").content.decode()
    assert f'value="http://testserver{path}"' in html
    response = web.post("/calendar/feed/rotate/")
    assert response.status_code == 302
    assert response["Location"] == "/calendar/#subscribe"
    assert Client().get(path).status_code == 404
    assert _url(api_client) != path
    assert web.get("/calendar/feed/rotate/").status_code == 405


def test_a_timed_repeating_task_parses_back_with_both_parsers_across_dst(api_client, user):
    user.timezone = "Europe/Berlin"
    user.week_start = "sunday"
    user.save()
    task = _task(
        user,
        "Stand-up",
        date(2027, 3, 26),
        due_time=time(9),
        repeat="FREQ=DAILY;COUNT=5",
        priority=Priority.HIGH,
        tags=["work", "team"],
        description="Ten minutes.",
    )
    body = _fetch(_url(api_client))
    event = _events(body)["Stand-up"]
    start = event.decoded("dtstart")
    assert start == datetime(2027, 3, 26, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event["rrule"] == {"FREQ": ["DAILY"], "COUNT": [5], "WKST": ["SU"]}
    assert str(event["uid"]) == f"{task.pk}@taskflow"
    assert int(event["priority"]) == 1
    assert "Ten minutes." in str(event["description"])
    assert str(event["url"]) == f"http://testserver/tasks/{task.pk}/"
    calendar = icalendar.Calendar.from_ical(body)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    # The second parser expands the rule: 09:00 in Berlin every day, the UTC hour
    # moving when the clocks go forward on 28 March.
    parsed = vobject.readOne(body.decode())
    (vevent,) = [v for v in parsed.vevent_list if v.summary.value == "Stand-up"]
    occurrences = list(vevent.getrruleset())
    assert [o.astimezone(ZoneInfo("Europe/Berlin")).hour for o in occurrences] == [9] * 5
    assert [o.astimezone(UTC).hour for o in occurrences] == [8, 8, 7, 7, 7]
    assert [o.day for o in occurrences] == [26, 27, 28, 29, 30]


@pytest.mark.parametrize(
    ("zone", "due", "utc_hours"),
    [
        ("America/New_York", date(2026, 10, 30), [13, 13, 14, 14]),  # back on 1 Nov
        ("Australia/Lord_Howe", date(2027, 4, 2), [22, 22, 22, 22]),  # +11 -> +10:30
        ("Asia/Kathmandu", date(2027, 3, 26), [3, 3, 3, 3]),  # +05:45 all year
    ],
)
def test_due_times_keep_their_wall_clock_time_in_each_zone(api_client, user, zone, due, utc_hours):
    user.timezone = zone
    user.save()
    _task(user, "Daily", due, due_time=time(9), repeat="FREQ=DAILY")
    parsed = vobject.readOne(_fetch(_url(api_client)).decode())
    rules = parsed.vevent.getrruleset()
    occurrences = [o for _, o in zip(range(4), rules, strict=False)]
    local = [o.astimezone(ZoneInfo(zone)) for o in occurrences]
    assert [(o.hour, o.minute) for o in local] == [(9, 0)] * 4
    assert [o.astimezone(UTC).hour for o in occurrences] == utc_hours


def test_an_all_day_task_is_an_all_day_event_and_until_stays_a_date(api_client, user):
    _task(user, "Bins", date(2026, 12, 1), repeat="FREQ=WEEKLY;UNTIL=20261222")
    body = _fetch(_url(api_client))
    event = _events(body)["Bins"]
    assert event.decoded("dtstart") == date(2026, 12, 1)
    assert event.decoded("dtend") == date(2026, 12, 2)
    assert event["rrule"]["UNTIL"] == [date(2026, 12, 22)]
    vevent = vobject.readOne(body.decode()).vevent
    assert [o.day for o in vevent.getrruleset()] == [1, 8, 15, 22]


def test_until_on_a_timed_task_is_the_end_of_that_day_in_utc(api_client, user):
    user.timezone = "Asia/Kathmandu"
    user.save()
    _task(user, "Pills", date(2026, 12, 1), due_time=time(8), repeat="FREQ=DAILY;UNTIL=20261203")
    body = _fetch(_url(api_client))
    assert "UNTIL=20261203T181459Z" in body.decode()  # 23:59:59 +05:45
    vevent = vobject.readOne(body.decode()).vevent
    assert len(list(vevent.getrruleset())) == 3


def test_uids_are_stable_and_done_or_undated_tasks_are_absent(api_client, user):
    kept = _task(user, "Kept", date(2026, 12, 5))
    _task(user, "Finished", date(2026, 12, 5), status=Status.DONE)
    _task(user, "Someday", None)
    path = _url(api_client)
    first, second = _events(_fetch(path)), _events(_fetch(path))
    assert sorted(first) == ["Kept"]
    assert str(first["Kept"]["uid"]) == str(second["Kept"]["uid"]) == f"{kept.pk}@taskflow"


def test_the_feed_lists_only_visible_tasks_and_a_removed_members_feed_drops_them(api_client, user):
    stranger = UserFactory(email="stranger@example.com")
    _task(stranger, "Not mine", date(2026, 12, 5))
    owner = UserFactory(email="owner@example.com")
    project = project_services.project_create(actor=owner, name="Shared")
    add_member(project, owner, user, "viewer")
    _task(owner, "Shared task", date(2026, 12, 6), project_id=project.pk)
    _task(user, "Mine", date(2026, 12, 7))
    path = _url(api_client)
    assert sorted(_events(_fetch(path))) == ["Mine", "Shared task"]
    assert sorted(_events(_fetch(path, f"?project={project.pk}"))) == ["Shared task"]
    assert b"X-WR-CALNAME:TaskFlow \xc2\xb7 Shared" in _fetch(path, f"?project={project.pk}")
    project_services.member_remove(
        actor=owner, membership=roles.get_membership_for(owner, project.pk), user_id=user.pk
    )
    assert sorted(_events(_fetch(path))) == ["Mine"]
    assert Client().get(f"{path}?project={project.pk}").status_code == 404
    # The stranger's own feed never shows the user's tasks, nor theirs to the user.
    assert sorted(_events(_fetch(_url(client_for(stranger))))) == ["Not mine"]


@pytest.mark.parametrize("project", ["nope", "0" * 26, "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
def test_an_unknown_project_in_the_feed_is_404(api_client, project):
    assert Client().get(f"{_url(api_client)}?project={project}").status_code == 404


def test_a_deactivated_users_feed_is_404(api_client, user):
    path = _url(api_client)
    user.is_active = False
    user.save()
    assert Client().get(path).status_code == 404


def test_the_secret_never_reaches_the_logs(api_client):
    path = _url(api_client)
    assert scrub_text(f"GET {path}?project=x") == "GET /calendar/feed/[Filtered].ics?project=x"


def test_two_first_calls_end_with_one_feed(user):
    from calendars import services as calendar_services

    first = calendar_services.feed_for(user=user)
    CalendarFeed.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(1))
    assert calendar_services.feed_for(user=user).pk == first.pk
    # The insert a racing caller would make is refused by the unique user column.
    second = calendar_services.feed_for(user=UserFactory())
    assert second.pk != first.pk
    assert CalendarFeed.objects.count() == 2


def test_nginx_logs_the_feed_path_without_its_secret():
    """deploy/nginx.conf logs a rewritten request line (checked by hand against a real
    nginx: `"GET /calendar/feed/[Filtered].ics?project=x HTTP/1.1" 502`); here, that the
    log format uses it and that its pattern masks the secret (PCRE and Python agree on
    this pattern once the named groups are spelled the Python way)."""
    conf = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    assert '"$taskflow_logged_request" $status' in conf
    pattern = re.search(r'"~(\^\(\?<head>.*\$)" "\$\{head\}\[Filtered\]\$\{tail\}"', conf)[1]
    line = f"GET /calendar/feed/{'a' * 64}.ics?project=x HTTP/1.1"
    match = re.match(pattern.replace("(?<", "(?P<"), line)
    assert f"{match['head']}[Filtered]{match['tail']}" == (
        "GET /calendar/feed/[Filtered].ics?project=x HTTP/1.1"
    )
