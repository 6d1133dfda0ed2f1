"""The task list's controls in a real browser (issue 16): sorting by a column header,
the folded "Filters (n)" toggle on a 390 px phone with the first task still on the
first screen, saving a filter and pinning it to the nav, and the dark theme chosen in
the profile. axe-core checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasks import services
from tasks.models import Priority
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _titles(page) -> list[str]:
    return page.locator("table.tasks tbody td.title a.title").all_inner_texts()


def test_sort_by_a_header_and_back(page, user, check_a11y):
    for title, priority in (("Bravo", Priority.LOW), ("Alpha", Priority.HIGH), ("Charlie", 2)):
        services.task_create(actor=user, title=title, priority=priority, tags=["x"])
    sign_in(page, user.email)
    page.goto("/tasks/?tag=x")
    expect(page.locator("#list-count")).to_have_text("3 tasks match")
    page.get_by_role("link", name="Title", exact=True).click()
    page.wait_for_url("**ordering=title")
    assert _titles(page) == ["Alpha", "Bravo", "Charlie"]
    header = page.locator("th[aria-sort]")
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "tag=x" in page.url  # the filter stays
    check_a11y(page)
    page.locator("th[aria-sort] a.sort").click()
    page.wait_for_url("**ordering=-title")
    assert _titles(page) == ["Charlie", "Bravo", "Alpha"]
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    page.get_by_role("link", name="Priority", exact=True).click()
    page.wait_for_url("**ordering=-priority")
    assert _titles(page) == ["Alpha", "Charlie", "Bravo"]
    assert page.errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_filters_fold_and_the_first_task_shows(
    browser, live_server, user, check_a11y, javascript
):
    for index in range(30):
        services.task_create(actor=user, title=f"Task number {index:02d}", tags=["home"])
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, user.email)
    page.goto("/tasks/?status=todo&tag=home&ordering=title&page_size=25")
    toggle = page.locator("details.more-filters > summary")
    assert toggle.inner_text() == "Filters (2)"
    assert page.get_by_label("Priority").is_hidden()
    first = page.locator("table.tasks tbody tr").first
    assert "Task number 00" in first.inner_text()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 844, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#list-count")).to_have_text("30 tasks match")
    toggle.click()
    assert page.get_by_label("Priority").is_visible()
    # The folded "Sort by" is how a phone sorts (the table's head is hidden there).
    page.get_by_label("Sort by").select_option("-title")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**ordering=-title**")
    assert "Task number 29" in page.locator("table.tasks tbody tr").first.inner_text()
    assert page.locator("table.tasks tbody tr").count() == 25
    if javascript:
        check_a11y(page)
    context.close()


def test_save_a_filter_pin_it_and_open_it_from_the_nav(page, user, check_a11y):
    services.task_create(actor=user, title="Water plants", tags=["home"])
    services.task_create(actor=user, title="Send invoice", tags=["work"])
    sign_in(page, user.email)
    page.goto("/tasks/?tag=home")
    page.locator("details.saved-filters > summary").click()
    check_a11y(page)
    page.get_by_label("Save this filter as").fill("At home")
    page.get_by_label("Pin to the menu bar").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages, [role=status], .alert").first).to_contain_text(
        "Filter “At home” saved."
    )
    page.goto("/dashboard/")
    page.locator("nav").get_by_role("link", name="At home").click()
    page.wait_for_url("**/tasks/?tag=home")
    assert _titles(page) == ["Water plants"]
    assert page.errors == []


def test_dark_theme_from_the_profile(page, user, check_a11y):
    sign_in(page, user.email)
    page.goto("/accounts/profile/")
    page.get_by_label("Dark").check()
    page.get_by_label("Compact").check()
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_url("**/accounts/profile/")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 24)"  # --bg of the dark theme, whatever the system's
    check_a11y(page)
    page.goto("/tasks/")
    assert page.locator("body").get_attribute("class") == "density-compact"
    check_a11y(page)
