"""Dashboard, task list, a project page and a task page with comments (each also on a
phone) in light and dark mode: axe-clean in both, and screenshots.

Screenshots go to a temporary directory; to refresh the ones in the docs run
``SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/browser/test_screenshots.py``.
"""

import os
from datetime import timedelta
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
