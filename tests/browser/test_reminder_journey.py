"""Ana sets a reminder on a task page (no JavaScript needed), it fires, the bell shows
it, she reads it on /notifications/ and in the email a real SMTP server received.
Screenshots of the notifications page go to SCREENSHOT_DIR (docs/screenshots/).

The reminder is set for a minute ahead through the form; instead of waiting that
minute, the sweep is run with its clock at the reminder's time (the same code the
worker's periodic job runs; jobs run in-process in tests)."""

from __future__ import annotations

import os
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from notifications import delivery
from notifications.models import Reminder
from tasks import services
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_set_a_reminder_see_the_notification_and_the_email(
    browser, live_server, user, smtp_server, check_a11y, tmp_path, scheme
):
    task, _ = services.task_create(
        actor=user, title="Pay rent", due_date=date(2030, 1, 15), due_time=time(18, 0)
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, color_scheme=scheme
    )
    page = context.new_page()
    sign_in(page, user.email)

    page.goto(f"/tasks/{task.pk}/")
    ahead = timezone.localtime() + timedelta(minutes=1)  # Alice's zone is UTC
    page.get_by_label("Remind me at").fill(ahead.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Add reminder").click()
    page.wait_for_url(f"**/tasks/{task.pk}/#reminders")
    assert page.get_by_text("Reminder set.").is_visible()
    check_a11y(page)
    reminder = Reminder.objects.get()

    for pk, token in delivery.claim_due(now=reminder.fire_at):
        delivery.deliver(pk, token)

    page.goto("/dashboard/")
    assert page.locator(".unread-count").inner_text() == "1"
    page.get_by_role("link", name="Notifications").click()
    page.wait_for_url("**/notifications/")
    assert page.get_by_role("link", name="Reminder: Pay rent").is_visible()
    check_a11y(page)
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    path = out / f"notifications-{scheme}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000

    page.get_by_role("button", name="Mark read").click()
    page.wait_for_url("**/notifications/")
    assert page.locator(".unread-count").count() == 0
    context.close()

    (message,) = smtp_server
    assert message["Subject"] == "Reminder: Pay rent"
    assert message["To"] == user.email
    assert f"/tasks/{task.pk}/" in message.get_body(preferencelist=("plain",)).get_content()
