"""A new user's whole journey in a real browser, with axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough passphrase 7"


def _new_task(page, title, *, priority="medium", tags="", due=None, status="todo"):
    page.get_by_role("link", name="New task", exact=True).first.click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Priority").select_option(priority)
    page.get_by_label("Status").select_option(status)
    page.get_by_label("Tags").fill(tags)
    if due:
        page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Create task").click()
    page.wait_for_url(re.compile(r"/tasks/[0-9A-Z]{26}/$"))


def _row(page, title):
    return page.locator("table.tasks tbody tr", has_text=title)


def test_register_to_sign_out(page, check_a11y):
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.goto("/")
    check_a11y(page)
    page.get_by_role("link", name="Create a free account").click()
    check_a11y(page)
    page.get_by_label("Name").fill("Dana")
    page.get_by_label("Email").fill("dana@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/dashboard/")
    assert "Welcome to TaskFlow" in page.inner_text("main")

    # Sign out and back in through the login page.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Sign in").first.click()
    check_a11y(page)
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    check_a11y(page)

    _new_task(page, "Write report", priority="high", tags="work, q3", due=tomorrow)
    check_a11y(page)
    _new_task(page, "Buy milk", priority="low", tags="home")
    _new_task(page, "Call the bank", status="in_progress", tags="home")

    # Edit the first task.
    page.goto("/tasks/?search=report")
    page.get_by_role("link", name="Write report").click()
    page.get_by_role("link", name="Edit").click()
    check_a11y(page)
    page.get_by_label("Title").fill("Write the report")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/tasks/[0-9A-Z]{26}/$"))
    assert page.inner_text("h1") == "Write the report"

    # Complete it from its page (plain form post).
    page.get_by_label("Status", exact=True).select_option("done")
    page.get_by_role("button", name="Update").click()
    page.wait_for_load_state()
    assert "is now done" in page.inner_text(".messages")

    # The dashboard shows the new counts and a bar for today.
    page.goto("/dashboard/")
    assert page.inner_text("#stat-total") == "3"
    assert page.inner_text("#stat-done") == "1"
    assert page.inner_text("#stat-in_progress") == "1"
    assert page.inner_text("#prio-high") == "1"
    assert page.locator("svg rect.bar:not(.empty)").count() == 1
    assert "1 task completed" in page.locator("svg desc").text_content()
    check_a11y(page)

    # Filter and search the list.
    page.goto("/tasks/")
    check_a11y(page)
    page.get_by_label("Tag").fill("home")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**/tasks/?*tag=home*")
    assert page.locator("table.tasks tbody tr").count() == 2
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Search").fill("MILK")
    page.get_by_label("Search").press("Enter")
    page.wait_for_url("**search=MILK*")
    assert page.locator("table.tasks tbody tr td.title").all_inner_texts() == ["Buy milk"]
    page.goto("/tasks/?search=nothing-like-this")
    assert "No tasks match these filters" in page.inner_text("main")

    # Quick status change in place (fetch), then bulk change every task.
    page.goto("/tasks/?ordering=title")
    url = page.url
    row = _row(page, "Buy milk")
    row.get_by_label("Status of").select_option("in_progress")
    with page.expect_response(re.compile(r"/status/$")):
        row.get_by_role("button", name="Set").click()
    assert page.url == url
    # A function, not an expression string: Playwright polls a string with the page's
    # eval, which the CSP (no 'unsafe-eval') refuses once it has to poll.
    page.wait_for_function(
        "() => document.getElementById('live').textContent.includes('In progress')"
    )
    assert "updated" in row.get_attribute("class")
    page.get_by_label("Select all tasks on this page").check()
    assert page.inner_text("#bulk-count") == "3 selected:"
    page.locator("#bulk-status").select_option("done")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_load_state()
    assert "2 tasks set to done" in page.inner_text(".messages")
    page.goto("/dashboard/")
    assert page.inner_text("#stat-done") == "3"

    # Delete (to the trash) with confirmation.
    page.goto("/tasks/")
    page.get_by_role("link", name="Buy milk").click()
    page.get_by_role("link", name="Delete").click()
    check_a11y(page)
    page.get_by_role("button", name="Move to trash").click()
    page.wait_for_url("**/tasks/")
    assert "moved to trash" in page.inner_text(".messages")
    assert page.locator("table.tasks tbody tr").count() == 2

    # Bulk delete asks first.
    page.get_by_label("Select all tasks on this page").check()
    page.locator("#bulk-action").select_option("delete")
    page.get_by_role("button", name="Apply to selected").click()
    check_a11y(page)
    page.get_by_role("button", name="Move 2 tasks to trash").click()
    page.wait_for_url("**/tasks/")
    assert "No tasks yet" in page.inner_text("main")

    page.goto("/accounts/profile/")
    check_a11y(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/dashboard/")
    assert "/accounts/login/" in page.url
    assert page.errors == []
    assert page.dialogs == []
