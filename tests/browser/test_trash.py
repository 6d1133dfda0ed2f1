"""The trash in a real browser (SPEC §12): delete a task, click Undo in the message,
the task is back; delete it again, open the trash from the menu, restore it. The same
without JavaScript (Undo is a plain form). axe-core checks the pages this adds."""

import pytest
from playwright.sync_api import expect

from tasks import services
from tasks.models import Task
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _delete(page, pk: str) -> None:
    page.goto(f"/tasks/{pk}/")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Move to trash").click()
    page.wait_for_url("**/tasks/")


def _in_trash(pk: str) -> bool:
    return Task.objects.get(pk=pk).deleted_at is not None


def test_delete_undo_then_delete_and_restore_from_the_trash(page, user, check_a11y):
    task = services.task_create(actor=user, title="Renew passport", tags=["admin"])[0]
    services.task_create(actor=user, title="Buy stamps")
    sign_in(page, user.email)

    _delete(page, task.pk)
    expect(page.locator(".messages")).to_contain_text("Task “Renew passport” moved to trash.")
    expect(page.get_by_role("link", name="Renew passport")).to_have_count(0)
    assert _in_trash(task.pk)
    check_a11y(page)  # the message with its Undo form
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("1 task restored.")
    expect(page.get_by_role("link", name="Renew passport")).to_be_visible()
    assert not _in_trash(task.pk)

    _delete(page, task.pk)
    page.get_by_role("link", name="Trash", exact=True).first.click()
    page.wait_for_url("**/trash/")
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    expect(page.locator(".trash-row")).to_contain_text("Renew passport")
    check_a11y(page)
    page.get_by_role("button", name="Restore “Renew passport”").click()
    expect(page.locator(".messages")).to_contain_text("1 task restored.")
    expect(page.get_by_role("heading", name="The trash is empty")).to_be_visible()
    check_a11y(page)
    assert not _in_trash(task.pk)
    page.goto(f"/tasks/{task.pk}/")
    expect(page.get_by_role("heading", name="Renew passport")).to_be_visible()
    assert Task.objects.get(pk=task.pk).tags == ["admin"]
    assert page.errors == []


def test_empty_trash_asks_first(page, user, check_a11y):
    task = services.task_create(actor=user, title="Old list")[0]
    services.task_trash(actor=user, task=task)
    sign_in(page, user.email)
    page.goto("/trash/")
    page.get_by_role("link", name="Empty trash").click()
    expect(page.get_by_role("heading", name="Empty the trash?")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Empty trash").click()
    expect(page.locator(".messages")).to_contain_text("1 task deleted for good.")
    assert not Task.objects.filter(pk=task.pk).exists()


def test_undo_works_without_javascript(nojs_page, user):
    page = nojs_page
    task = services.task_create(actor=user, title="Call the bank")[0]
    sign_in(page, user.email)
    _delete(page, task.pk)
    assert _in_trash(task.pk)
    page.get_by_role("button", name="Undo").click()
    page.wait_for_url("**/tasks/")
    assert "1 task restored." in page.inner_text(".messages")
    assert not _in_trash(task.pk)
