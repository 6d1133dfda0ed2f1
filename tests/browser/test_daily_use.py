"""Daily use in a real browser: one-click complete (with and without JavaScript),
keyboard shortcuts and their `?` overlay, the Markdown preview, and the task list on a
390 px phone. axe-core checks the pages these add to."""

import pytest
from playwright.sync_api import expect

from projects.inbox import inbox_id_of
from projects.services import project_create
from tasks import services
from tasks.models import Status, Task
from tests.browser.helpers import STEP_TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = ("Alpha", "Beta", "Gamma")


def _tasks(user, titles=TITLES) -> dict[str, str]:
    return {t: services.task_create(actor=user, title=t)[0].pk for t in titles}


def _status(pk: str) -> str:
    return Task.objects.get(pk=pk).status


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_one_click_complete_and_reopen_in_place(page, user, check_a11y):
    ids = _tasks(user)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    check_a11y(page)
    button = page.get_by_role("button", name="Done: “Beta”")
    assert button.get_attribute("aria-pressed") == "false"
    button.focus()
    page.keyboard.press("Space")
    expect(page.locator("#live")).to_have_text("“Beta” done.")
    assert button.get_attribute("aria-pressed") == "true"
    assert _status(ids["Beta"]) == Status.DONE
    # No reload, focus where it was, and the row's status select agrees.
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Done: “Beta”"
    assert page.get_by_label("Status of “Beta”").input_value() == "done"
    page.keyboard.press("Space")
    expect(page.locator("#live")).to_have_text("“Beta” reopened.")
    assert button.get_attribute("aria-pressed") == "false"
    assert _status(ids["Beta"]) == Status.TODO
    assert page.errors == []


def test_one_click_complete_on_the_dashboard(page, user):
    from datetime import timedelta

    from django.utils import timezone

    late = services.task_create(
        actor=user, title="Late", due_date=timezone.localdate() - timedelta(days=1)
    )[0]
    sign_in(page, user.email)
    page.get_by_role("button", name="Done: “Late”").click()
    expect(page.locator("#live")).to_have_text("“Late” done.")
    assert _status(late.pk) == Status.DONE
    assert page.url.endswith("/dashboard/")


def test_one_click_complete_without_javascript(nojs_page, user):
    page = nojs_page
    ids = _tasks(user)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    page.get_by_role("button", name="Done: “Gamma”").click()
    page.wait_for_url(f"**/tasks/?ordering=title#task-{ids['Gamma']}")
    assert "“Gamma” is now done." in page.inner_text(".messages")
    assert page.evaluate("document.activeElement.id") == f"task-{ids['Gamma']}"
    assert page.get_by_role("button", name="Done: “Gamma”").get_attribute("aria-pressed") == "true"
    assert _status(ids["Gamma"]) == Status.DONE


def test_shortcuts_move_select_complete_and_open(page, user):
    ids = _tasks(user)
    sign_in(page, user.email)
    page.goto("/tasks/?ordering=title")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"task-{ids['Beta']}"
    page.keyboard.press("x")
    assert page.get_by_label("Select “Beta”").is_checked()
    assert page.inner_text("#bulk-count") == "1 selected:"
    page.keyboard.press("c")
    expect(page.locator("#live")).to_have_text("“Beta” done.")
    assert _status(ids["Beta"]) == Status.DONE
    page.keyboard.press("j")  # from the complete button, on to the next row
    assert page.evaluate("document.activeElement.id") == f"task-{ids['Gamma']}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tasks/{ids['Gamma']}/")
    page.keyboard.press("e")
    page.wait_for_url(f"**/tasks/{ids['Gamma']}/edit/")
    page.go_back()
    page.wait_for_url(f"**/tasks/{ids['Gamma']}/")
    page.keyboard.press("c")  # the task page's own complete button
    page.wait_for_url(f"**/tasks/{ids['Gamma']}/#task-{ids['Gamma']}")
    assert _status(ids["Gamma"]) == Status.DONE
    page.goto("/tasks/?ordering=title")
    page.keyboard.press("j")
    page.keyboard.press("#")
    page.wait_for_url(f"**/tasks/{ids['Alpha']}/delete/")
    assert page.errors == []


def test_shortcuts_navigate_search_add_and_never_fire_while_typing(page, user, check_a11y):
    _tasks(user)
    sign_in(page, user.email)
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url("**/tasks/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-search"
    page.keyboard.type("jxc#gd?")  # typed into the field, none of it a shortcut
    assert page.get_by_label("Search").input_value() == "jxc#gd?"
    assert page.url.endswith("/tasks/")
    assert page.locator("#shortcuts").is_hidden()
    assert page.locator("tr.current").count() == 0
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("q")
    assert page.evaluate("document.activeElement.id") == "quick-add"
    page.keyboard.type("Call the bank")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Quick add shows what it understood before saving (issue 13).
    assert page.inner_text("#understood-h") == "We understood:"
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "Task “Call the bank” created." in page.inner_text(".messages")
    assert Task.objects.filter(owner=user, title="Call the bank").exists()
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert overlay.is_visible()
    check_a11y(page)
    page.keyboard.press("Escape")
    assert overlay.is_hidden()
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_url("**/dashboard/")
    page.keyboard.press("q")
    page.wait_for_url("**/tasks/new/")
    assert page.evaluate("document.activeElement.name") == "title"
    assert page.errors == []


def test_g_b_goes_to_the_board_of_the_project_in_view_else_the_inbox(page, user):
    garden = project_create(actor=user, name="Garden")
    sign_in(page, user.email)
    page.goto("/tasks/")
    page.keyboard.press("g")
    page.keyboard.press("b")
    page.wait_for_url(f"**/projects/{inbox_id_of(user)}/board/")
    page.goto(f"/projects/{garden.pk}/")
    page.keyboard.press("g")
    page.keyboard.press("b")
    page.wait_for_url(f"**/projects/{garden.pk}/board/")
    page.keyboard.press("?")
    assert (
        page.get_by_role("dialog", name="Keyboard shortcuts")
        .get_by_text("Go to the board")
        .is_visible()
    )
    assert page.errors == []


def test_markdown_preview_in_place(page, user, check_a11y):
    sign_in(page, user.email)
    page.goto("/tasks/new/")
    page.get_by_label("Title").fill("Notes")
    page.get_by_label("Description").fill("# Plan\n\n**bold** [site](https://example.com)")
    page.get_by_role("button", name="Preview description").click()
    preview = page.locator("#description-preview")
    preview.locator("strong").wait_for()
    assert preview.locator("h3").inner_text() == "Plan"
    assert preview.locator("a").get_attribute("rel") == "noopener nofollow"
    assert page.url.endswith("/tasks/new/")
    check_a11y(page)
    page.get_by_role("button", name="Create task").click()
    page.wait_for_url("**/tasks/*/")
    assert page.locator(".description strong").inner_text() == "bold"
    check_a11y(page)
    assert page.errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_first_task_shows_without_scrolling(
    browser, live_server, user, check_a11y, javascript
):
    for index in range(25):
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
    page.goto("/tasks/?status=todo")
    first = page.locator("table.tasks tbody tr").first
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 844, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    toggle = page.locator("details.more-filters > summary")
    assert toggle.inner_text() == "Filters (1)"
    assert page.get_by_label("Priority").is_hidden()
    toggle.click()
    assert page.get_by_label("Priority").is_visible()
    if javascript:
        check_a11y(page)
    context.close()
