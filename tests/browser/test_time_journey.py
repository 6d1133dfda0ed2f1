"""Issue 13's journey, second half (the first, reminders, is test_reminder_journey.py):
Ana completes a weekly task with one click and finds the next occurrence on her list,
sees it in the calendar, subscribes to her iCal feed by fetching its secret URL (parsed
back with icalendar), then makes a new address: the old one is a 404 at once."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest
from playwright.sync_api import expect

from tasks import services
from tasks.models import Status, Task
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_complete_a_weekly_task_see_the_next_one_and_subscribe_to_the_feed(page, user, check_a11y):
    services.task_create(
        actor=user, title="Water plants", due_date=date(2030, 1, 14), repeat="FREQ=WEEKLY;BYDAY=MO"
    )
    sign_in(page, user.email)
    page.goto("/tasks/?status=todo")
    page.get_by_role("button", name="Done: “Water plants”").click()
    expect(page.locator("#live")).to_have_text("“Water plants” done.")

    # The next Monday's occurrence, created once, is on the list after a reload.
    (upcoming,) = Task.objects.filter(title="Water plants", status=Status.TODO)
    assert upcoming.due_date == date(2030, 1, 21)
    page.goto("/tasks/?status=todo")
    expect(page.locator(f"table.tasks a[href='/tasks/{upcoming.pk}/']")).to_have_count(1)
    expect(page.get_by_role("button", name="Done: “Water plants”")).to_have_count(1)

    page.goto("/calendar/?month=2030-01")
    expect(page.get_by_text("Water plants").first).to_be_visible()
    check_a11y(page)
    old_url = page.get_by_label("Your calendar address").input_value()
    feed = page.request.get(old_url)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Water plants"]
    assert events[0]["RRULE"]["FREQ"] == ["WEEKLY"]
    assert events[0]["UID"] == f"{upcoming.pk}@taskflow"

    page.get_by_role("button", name="Make a new address").click()
    page.wait_for_url("**/calendar/**")
    new_url = page.get_by_label("Your calendar address").input_value()
    assert new_url != old_url
    assert page.request.get(old_url).status == 404
    assert page.request.get(new_url).status == 200
    assert page.errors == []
