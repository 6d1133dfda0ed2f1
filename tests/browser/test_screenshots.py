"""Dashboard, task list, a project page and a task page with comments (each also on a
phone) in light and dark mode: axe-clean in both, and screenshots.

Screenshots go to a temporary directory; to refresh the ones in the docs run
``SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/browser/test_screenshots.py``.
"""

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tasks import services
from tasks.models import Priority, Status, Task
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO = [
    ("Prepare the quarterly report", Priority.HIGH, Status.IN_PROGRESS, 2, ["work", "finance"]),
    ("Renew passport", Priority.HIGH, Status.TODO, -3, ["personal"]),
    ("Book dentist appointment", Priority.MEDIUM, Status.TODO, 5, ["health"]),
    ("Review pull request #42", Priority.MEDIUM, Status.IN_PROGRESS, 1, ["work", "code"]),
    ("Plan team offsite", Priority.LOW, Status.TODO, 20, ["work"]),
    ("Buy birthday present for Sam", Priority.MEDIUM, Status.TODO, 6, ["personal"]),
    ("Update project roadmap", Priority.LOW, Status.TODO, None, ["work"]),
    ("Fix flaky login test", Priority.HIGH, Status.TODO, -1, ["code"]),
]


def _seed(user) -> None:
    today = timezone.localdate()
    for title, priority, status, due_in, tags in DEMO:
        due = today + timedelta(days=due_in) if due_in is not None else None
        services.task_create(
            actor=user, title=title, priority=priority, status=status, due_date=due, tags=tags
        )
    now = timezone.now()
    # History for the chart: completions spread unevenly over the last four weeks.
    days_ago = [0, 0, 1, 1, 1, 2, 4, 4, 5, 7, 7, 7, 7, 8, 10, 11, 11, 14, 15, 15, 18, 21, 22, 25]
    for index, days in enumerate(days_ago):
        task = services.task_create(
            actor=user,
            title=f"Finished chore {index + 1}",
            status=Status.DONE,
            priority=Priority.LOW if index % 3 else Priority.MEDIUM,
            tags=["chores"],
        )[0]
        Task.objects.filter(pk=task.pk).update(completed_at=now - timedelta(days=days))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dashboard_and_list_in_each_color_scheme(
    browser, live_server, user, scheme, check_a11y, tmp_path
):
    _seed(user)
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, color_scheme=scheme
    )
    page = context.new_page()
    sign_in(page, user.email)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == {"light": "rgb(246, 247, 249)", "dark": "rgb(17, 20, 24)"}[scheme]
    for name, url in (("dashboard", "/dashboard/"), ("tasks", "/tasks/?ordering=due_date")):
        page.goto(url)
        check_a11y(page)
        path = out / f"{name}-{scheme}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
    context.close()
    # The list on a 390 px phone: the filters fold away and the first tasks show.
    phone = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        color_scheme=scheme,
    )
    page = phone.new_page()
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=due_date")
    check_a11y(page)
    path = out / f"tasks-phone-{scheme}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    phone.close()


def _seed_calendar(user) -> None:
    """A month with all-day and timed tasks, a repeating one and a busy day."""
    today = timezone.localdate()
    first = today.replace(day=1)
    services.task_create(
        actor=user,
        title="Team stand-up",
        due_date=first,
        due_time=time(9, 30),
        repeat="FREQ=WEEKLY;BYDAY=MO,WE,FR",
    )
    for offset, title, priority in (
        (2, "Renew passport", Priority.HIGH),
        (6, "Book dentist appointment", Priority.MEDIUM),
        (11, "Quarterly report due", Priority.HIGH),
        (19, "Plan team offsite", Priority.LOW),
    ):
        services.task_create(
            actor=user, title=title, priority=priority, due_date=first + timedelta(days=offset)
        )
    busy = first + timedelta(days=14)
    for title in ("Pay rent", "Water plants", "Call the bank", "Send invoices", "Gym"):
        services.task_create(actor=user, title=title, due_date=busy)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_calendar_in_each_color_scheme_and_on_a_phone(
    browser, live_server, user, scheme, check_a11y, tmp_path
):
    _seed_calendar(user)
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    for name, viewport in (
        ("calendar", {"width": 1280, "height": 900}),
        ("calendar-phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            is_mobile=name.endswith("phone"),
            color_scheme=scheme,
        )
        page = context.new_page()
        sign_in(page, user.email)
        page.goto("/calendar/")
        check_a11y(page)
        grid, agenda = page.locator("table.cal-grid"), page.locator("section.cal-agenda")
        # The grid on wide screens, the agenda on a phone (a CSS media query, no JS).
        assert grid.is_visible() != name.endswith("phone")
        assert agenda.is_visible() == name.endswith("phone")
        path = out / f"{name}-{scheme}.png"
        page.screenshot(path=str(path), full_page=name.endswith("phone"))
        assert path.stat().st_size > 10_000
        context.close()


def test_calendar_is_usable_by_keyboard(page, user):
    _seed_calendar(user)
    sign_in(page, user.email)
    page.goto("/calendar/")
    # Tab from the page's start reaches the month links, then the tasks, each with a
    # visible focus outline; Enter follows a link.
    page.locator("#main").focus()
    seen = []
    for _ in range(40):  # bounded: the page has fewer stops than this before the tasks
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim()"))
        if page.evaluate("document.activeElement.classList.contains('cal-task')"):
            break
    assert any("(next month, " in label for label in seen)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    title = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tasks/*/")
    assert page.locator("h1").first.text_content().strip() in title
    page.goto("/calendar/")
    page.get_by_role("link", name="Next month").focus()
    page.keyboard.press("Enter")
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    page.wait_for_url(f"**/calendar/?month={next_month}")


def _seed_project(owner):
    """A shared project with members, assigned tasks, comments and history."""
    from projects import roles
    from projects import services as project_services
    from tasks import comments
    from tests.factories import UserFactory

    project = project_services.project_create(
        actor=owner, name="Website relaunch", description="New site before the spring campaign."
    )
    membership = roles.get_membership_for(owner, project.pk)
    people = []
    team = (("Ben Okafor", "editor"), ("Chloé Martin", "admin"), ("Dev Patel", "viewer"))
    for name, role in team:
        person = UserFactory(email=f"{name.split()[0].lower()}@example.com", name=name)
        invitation = project_services.member_invite(
            actor=owner, membership=membership, email=person.email, role=role
        )
        project_services.invitation_accept(actor=person, invitation_id=invitation.pk)
        people.append(person)
    ben, chloe, _ = people
    today = timezone.localdate()
    rows = [
        ("Write the launch announcement", Priority.HIGH, Status.TODO, 3, ben),
        ("Migrate the blog posts", Priority.MEDIUM, Status.TODO, 9, chloe),
        ("Check every page with a screen reader", Priority.HIGH, Status.TODO, 6, ben),
        ("Order the new photos", Priority.LOW, Status.DONE, None, None),
    ]
    task = None
    for title, priority, status, due_in, assignee in rows:
        created, _ = services.task_create(
            actor=owner,
            project_id=project.pk,
            title=title,
            priority=priority,
            status=status,
            due_date=today + timedelta(days=due_in) if due_in is not None else None,
            assignee_id=assignee.pk if assignee else None,
            tags=["web"],
        )
        task = task or created
    task = services.task_update(actor=ben, task=task, changes={"status": Status.IN_PROGRESS})
    comments.comment_create(
        actor=ben, task=task, body="First draft is in the shared folder. **Feedback by Friday?**"
    )
    comments.comment_create(
        actor=owner, task=task, body="Looks good. Two notes:\n\n- shorter intro\n- link the FAQ"
    )
    return project, task


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_project_and_task_pages_in_each_color_scheme(
    browser, live_server, user, scheme, check_a11y, tmp_path
):
    project, task = _seed_project(user)
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    pages = (("project", f"/projects/{project.pk}/"), ("task-comments", f"/tasks/{task.pk}/"))
    for suffix, viewport, mobile in (
        ("", {"width": 1280, "height": 800}, False),
        ("-phone", {"width": 390, "height": 844}, True),
    ):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, is_mobile=mobile, color_scheme=scheme
        )
        page = context.new_page()
        sign_in(page, user.email)
        for name, url in pages:
            page.goto(url)
            check_a11y(page)
            path = out / f"{name}{suffix}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
        context.close()
