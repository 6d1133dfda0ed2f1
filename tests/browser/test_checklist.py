"""Checklists in a real browser (SPEC §12): add two items on the task page, tick one in
place (no reload, focus stays), reorder one, and the list shows "1/2"; the same ticks
work without JavaScript. axe-core checks the task page with its checklist."""

import pytest
from playwright.sync_api import expect

from tasks import services
from tasks.models import ChecklistItem
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _items(task_pk: str) -> list[tuple[str, bool]]:
    rows = ChecklistItem.objects.filter(task_id=task_pk).order_by("position", "id")
    return [(item.text, item.done) for item in rows]


def _add(page, text: str) -> None:
    page.get_by_label("Add an item").fill(text)
    page.get_by_role("button", name="Add item").click()
    expect(page.locator(".checklist .item-text", has_text=text)).to_be_visible()


def test_add_tick_and_see_the_count_on_the_list(page, user, check_a11y):
    task = services.task_create(actor=user, title="Pack for the trip")[0]
    sign_in(page, user.email)
    page.goto(f"/tasks/{task.pk}/")
    _add(page, "Tent")
    _add(page, "Stove")
    expect(page.locator("#checklist-count")).to_have_text("0/2")
    check_a11y(page)

    tick = page.get_by_role("button", name="Done: “Stove”")
    assert tick.get_attribute("aria-pressed") == "false"
    tick.focus()
    page.keyboard.press("Space")
    expect(page.locator("#live")).to_have_text("“Stove” done (1/2).")
    expect(page.locator("#checklist-count")).to_have_text("1/2")
    assert tick.get_attribute("aria-pressed") == "true"
    # Ticked in place: no reload, focus where it was.
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Done: “Stove”"
    assert _items(task.pk) == [("Tent", False), ("Stove", True)]

    page.get_by_role("button", name="Move “Stove” up").click()
    expect(page.locator(".checklist .item-text").first).to_have_text("Stove")
    assert _items(task.pk) == [("Stove", True), ("Tent", False)]
    check_a11y(page)

    page.goto("/tasks/")
    row = page.locator(f"#task-{task.pk}")
    expect(row.locator(".checklist-badge")).to_have_text("1/2 checklist items done")
    check_a11y(page)
    assert page.errors == []


def test_tick_and_delete_without_javascript(nojs_page, user):
    page = nojs_page
    task = services.task_create(actor=user, title="Groceries")[0]
    sign_in(page, user.email)
    page.goto(f"/tasks/{task.pk}/")
    _add(page, "Milk")
    _add(page, "Eggs")
    page.get_by_role("button", name="Done: “Milk”").click()
    milk = ChecklistItem.objects.get(task_id=task.pk, text="Milk")
    page.wait_for_url(f"**/tasks/{task.pk}/#item-{milk.pk}")
    assert page.get_by_role("button", name="Done: “Milk”").get_attribute("aria-pressed") == "true"
    expect(page.locator("#checklist-count")).to_have_text("1/2")
    page.get_by_role("button", name="Delete “Eggs”").click()
    expect(page.locator(".messages")).to_contain_text("Removed “Eggs” from the checklist.")
    assert _items(task.pk) == [("Milk", True)]
