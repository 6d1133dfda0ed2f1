"""Every page works with JavaScript switched off: the scripts only enhance."""

import pytest

from tasks import services
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_quick_status_and_bulk_work_as_plain_forms(nojs_page, user):
    page = nojs_page
    for title in ("Alpha", "Beta"):
        services.task_create(actor=user, title=title)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    row = page.locator("table.tasks tbody tr", has_text="Alpha")
    row.get_by_label("Status of").select_option("in_progress")
    row.get_by_role("button", name="Set").click()
    page.wait_for_url("**/tasks/?ordering=title#task-*")  # back at the row
    assert "“Alpha” is now in progress." in page.inner_text(".messages")
    assert page.locator("#select-all").is_hidden()
    for box in page.locator("input[name=ids]").all():
        box.check()
    page.locator("#bulk-status").select_option("done")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_url("**/tasks/?ordering=title")
    assert "2 tasks set to done." in page.inner_text(".messages")
    page.goto("/dashboard/")
    assert page.inner_text("#stat-done") == "2"
    assert page.locator("svg rect.bar:not(.empty)").count() == 1
