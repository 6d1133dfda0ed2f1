"""After the task list's quick-status "Set", keyboard focus stays on that task's row,
with the script (fetch in place) and without it (redirect to the row's anchor)."""

import pytest

from tasks import services
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE_ROW_ID = "() => { const tr = document.activeElement.closest('tr'); return tr && tr.id; }"


def _tasks(user) -> dict[str, str]:
    return {t: services.task_create(actor=user, title=t)[0].pk for t in ("Alpha", "Beta", "Gamma")}


def _set_by_keyboard(page, title: str, status: str) -> None:
    row = page.locator("table.tasks tbody tr", has_text=title)
    row.get_by_label("Status of").select_option(status)
    row.get_by_role("button", name="Set").focus()
    page.keyboard.press("Enter")


def test_focus_stays_on_the_row_with_javascript(page, user):
    ids = _tasks(user)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    _set_by_keyboard(page, "Beta", "done")
    # A function, not an expression string: Playwright polls a string with the page's
    # eval, which the CSP (no 'unsafe-eval') refuses once it has to poll.
    page.wait_for_function(
        "() => document.getElementById('live').textContent === 'Status set to Done.'"
    )
    assert page.evaluate(ACTIVE_ROW_ID) == f"task-{ids['Beta']}"
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    # The next Tab goes on from there (the row's project link, then the next row), not
    # from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ROW_ID) == f"task-{ids['Beta']}"
    assert page.evaluate("document.activeElement.textContent") == "Inbox"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ROW_ID) == f"task-{ids['Gamma']}"
    assert page.errors == []


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_focus_returns_to_the_row_without_javascript(nojs_page, user):
    page = nojs_page
    ids = _tasks(user)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    _set_by_keyboard(page, "Gamma", "in_progress")
    page.wait_for_url(f"**/tasks/?ordering=title#task-{ids['Gamma']}")
    assert "“Gamma” is now in progress." in page.inner_text(".messages")
    assert page.evaluate("document.activeElement.id") == f"task-{ids['Gamma']}"
    # Tab moves into that row (its checkbox), not to the skip link at the top.
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ROW_ID) == f"task-{ids['Gamma']}"
