"""The board in a real browser (issue 12): drag a card to another column and within
one (SortableJS, posting to the move URL), the keyboard path (the move buttons), the
no-JS path, axe clean in light and dark and on a 390 px phone (one column at a time),
and screenshots.

Screenshots go to a temporary directory; to refresh the ones in the docs run
``SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/browser/test_board.py``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects import columns as column_services
from projects import services as project_services
from tasks import services
from tasks.models import Priority, Status, Task
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = [
    ("Draft the launch post", Priority.HIGH, Status.TODO, 2, ["launch"]),
    ("Fix the signup bug", Priority.HIGH, Status.IN_PROGRESS, -1, ["code"]),
    ("Plan the offsite", Priority.LOW, Status.TODO, 20, []),
    ("Review pricing page", Priority.MEDIUM, Status.IN_PROGRESS, 1, ["web"]),
    ("Ship release 1.2", Priority.MEDIUM, Status.DONE, None, ["code"]),
]


def _seed(user):
    project = project_services.project_create(actor=user, name="Launch")
    today = timezone.localdate()
    for title, priority, status, due_in, tags in CARDS:
        services.task_create(
            actor=user,
            project_id=project.pk,
            title=title,
            priority=priority,
            status=status,
            due_date=today + timedelta(days=due_in) if due_in is not None else None,
            tags=tags,
            assignee_id=user.pk,
        )
    return project


def _order(column_id: str) -> list[str]:
    return list(
        Task.objects.filter(column_id=column_id)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


def _drag(page, source, target) -> None:
    """Drag with the mouse in small steps (SortableJS's pointer fallback). The mouse
    only reaches what is on screen: scroll the card there first (the quick-add field
    above the board pushes the lower cards below an 800 px viewport)."""
    source.scroll_into_view_if_needed()
    box = source.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + 15, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 6, steps=20)
    page.mouse.up()


def test_drag_to_another_column_and_within_one(page, user, check_a11y):
    project = _seed(user)
    _todo, doing, _done = column_services.project_columns(project.pk)
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    page.wait_for_function("() => document.querySelector('.board[data-ready]') !== null")
    check_a11y(page)
    card = page.locator(".board-card", has_text="Plan the offsite")
    _drag(page, card, page.locator(".board-card", has_text="Fix the signup bug"))
    page.wait_for_function("() => !document.querySelector('.board[data-busy]')")
    page.wait_for_function("() => document.getElementById('live').textContent.length > 0")
    task = Task.objects.get(title="Plan the offsite")
    assert (task.column_id, task.status) == (doing.pk, "in_progress")
    assert _order(doing.pk)[0] == "Plan the offsite"
    # Within a column: the second card of In progress goes to the top.
    page.reload()
    page.wait_for_function("() => document.querySelector('.board[data-ready]') !== null")
    _drag(
        page,
        page.locator(".board-card", has_text="Review pricing page"),
        page.locator(".board-card", has_text="Plan the offsite"),
    )
    page.wait_for_function("() => document.getElementById('live').textContent === 'Moved.'")
    assert _order(doing.pk)[0] == "Review pricing page"
    assert page.errors == []


def test_the_keyboard_path_is_the_move_buttons(page, user):
    project = _seed(user)
    todo = column_services.project_columns(project.pk)[0]
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    card = page.locator(".board-card", has_text="Draft the launch post")
    button = card.get_by_role("group", name="Move “Draft the launch post”").get_by_role(
        "button", name="Down"
    )
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/board/#card-*")
    assert _order(todo.pk) == ["Plan the offsite", "Draft the launch post"]


def test_without_javascript_the_buttons_move(browser, live_server, user):
    project = _seed(user)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    page.get_by_role("group", name="Move “Draft the launch post”").get_by_role(
        "button", name="Next column"
    ).click()
    page.wait_for_url("**/board/#card-*")
    assert Task.objects.get(title="Draft the launch post").status == "in_progress"
    context.close()


def test_one_click_complete_on_a_card_in_place(page, user, check_a11y):
    project = _seed(user)
    todo, _, done = column_services.project_columns(project.pk)
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    url = page.url
    done_count = int(page.inner_text(f"#col-{done.pk} h2 .count"))
    check = page.get_by_role("button", name="Done: “Draft the launch post”")
    check.focus()
    page.keyboard.press("Enter")
    done_list = page.locator(f'ol.cards[data-column="{done.pk}"]')
    expect(done_list.locator(".board-card", has_text="Draft the launch post")).to_be_visible()
    expect(check).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Done: “Draft the launch post”"
    )
    assert page.url == url  # in place: no navigation
    task = Task.objects.get(title="Draft the launch post")
    assert (task.status, task.column_id) == ("done", done.pk)
    assert int(page.inner_text(f"#col-{done.pk} h2 .count")) == done_count + 1
    check_a11y(page)
    check.click()  # reopen: back to the end of To do
    expect(
        page.locator(f'ol.cards[data-column="{todo.pk}"]').locator(
            ".board-card", has_text="Draft the launch post"
        )
    ).to_be_visible()
    expect(check).to_have_attribute("aria-pressed", "false")
    task.refresh_from_db()
    assert (task.status, task.column_id) == ("todo", todo.pk)
    assert page.errors == []


def test_without_javascript_the_card_check_completes(browser, live_server, user):
    project = _seed(user)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    page.get_by_role("button", name="Done: “Draft the launch post”").click()
    page.wait_for_url("**/board/#card-*")
    assert Task.objects.get(title="Draft the launch post").status == "done"
    assert (
        page.get_by_role("button", name="Done: “Draft the launch post”").get_attribute(
            "aria-pressed"
        )
        == "true"
    )
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_board_screens_axe_clean(browser, live_server, user, scheme, check_a11y, tmp_path):
    project = _seed(user)
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    for name, viewport in (("board", (1280, 800)), ("board-phone", (390, 844))):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": viewport[0], "height": viewport[1]},
            is_mobile=viewport[0] < 600,
            color_scheme=scheme,
        )
        page = context.new_page()
        sign_in(page, user.email)
        page.goto(f"/projects/{project.pk}/board/")
        check_a11y(page)
        if viewport[0] < 600:  # one column at a time, with the switcher
            assert page.locator(".board-switcher").is_visible()
            width = page.locator(".board-column").first.bounding_box()["width"]
            assert width > 300
        path = out / f"{name}-{scheme}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        context.close()
