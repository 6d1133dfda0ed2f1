"""Forms keep what was typed, hostile titles stay text, the list works by keyboard."""

import pytest

from tasks import services
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<img src=x onerror=alert(1)>"


def test_bad_task_form_keeps_values_and_shows_errors(page, user, check_a11y):
    sign_in(page, user.email)
    page.goto("/tasks/new/")
    page.get_by_label("Description").fill("Typed before the mistake")
    page.get_by_label("Tags").fill("ok, " + "x" * 40)
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_load_state()
    assert "This field is required." in page.inner_text("#id_title_error")
    assert page.get_by_label("Description").input_value() == "Typed before the mistake"
    assert page.get_by_label("Priority").input_value() == "high"
    assert page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "id_title"
    check_a11y(page)

    page.get_by_label("Title").fill("Now with a title")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_load_state()
    assert "at most 32 characters" in page.inner_text("#id_tags_error")
    assert page.get_by_label("Title").input_value() == "Now with a title"


def test_bad_register_form_keeps_values(page, check_a11y):
    page.goto("/accounts/register/")
    page.get_by_label("Name").fill("Erin")
    page.get_by_label("Email").fill("not-an-email")
    page.locator("#id_password").fill("short")
    page.get_by_label("Password (again)").fill("other")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    assert page.get_by_label("Name").input_value() == "Erin"
    assert page.get_by_label("Email").input_value() == "not-an-email"
    assert "valid email" in page.inner_text("#id_email_error")
    assert "differ" in page.inner_text("#id_password_again_error")
    check_a11y(page)


def test_hostile_title_renders_as_text_everywhere(page, user):
    task = services.task_create(actor=user, title=XSS, description=XSS, tags=["<b>x</b>"])[0]
    sign_in(page, user.email)
    for url in ["/tasks/", f"/tasks/{task.pk}/", f"/tasks/{task.pk}/edit/", "/dashboard/"]:
        page.goto(url)
        assert page.locator("main img").count() == 0
        assert page.locator("main b").count() == 0
    page.goto(f"/tasks/{task.pk}/")
    assert page.inner_text("h1") == XSS
    assert page.dialogs == []
    assert page.errors == []


def test_keyboard_alone_reaches_every_control_on_the_task_list(page, user, check_a11y):
    for title in ("First", "Second"):
        services.task_create(actor=user, title=title, tags=["t"])
    sign_in(page, user.email)
    page.goto("/tasks/")
    check_a11y(page)
    # Controls inside a closed <details> (the project switcher) are reached by opening
    # it first (its summary is a tab stop; Enter opens it): checked below.
    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], button, input, select, textarea'))
            .filter(el => el.type !== 'hidden' && !el.disabled && el.offsetParent !== null)
            .filter(el => !el.closest('details:not([open])'))
            .map((el, i) => { el.dataset.kb = String(i); return String(i); })"""
    )
    reached = []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # A few extra stops: Chromium also focuses scrollable containers (the table wrapper).
    for _ in range(len(controls) + 10):
        reached.append(page.evaluate("document.activeElement.dataset.kb || ''"))
        page.keyboard.press("Tab")
    missing = set(controls) - set(reached)
    assert not missing, page.evaluate(
        '(m) => m.map(i => document.querySelector(`[data-kb="${i}"]`).outerHTML.slice(0, 120))',
        list(missing),
    )
    # The switcher opens from the keyboard and its links follow in the tab order.
    page.locator(".switcher summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.switcher') !== null")
    # Space toggles a row's checkbox, and the focused control shows a visible outline.
    page.get_by_label("Select “First”").focus()
    page.keyboard.press("Space")
    assert page.get_by_label("Select “First”").is_checked()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_import_page_uploads_a_file(page, user, check_a11y, tmp_path):
    sign_in(page, user.email)
    page.goto("/tasks/")
    page.get_by_role("link", name="Import / export").click()
    check_a11y(page)
    # A file with a bad row is refused whole, and says which row.
    upload = tmp_path / "tasks.csv"
    upload.write_text("title,priority\nImported one,high\n,low\n")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Import tasks").click()
    page.wait_for_load_state()
    assert "Nothing was imported" in page.inner_text("main")
    assert "row 3" in page.inner_text("main")
    check_a11y(page)
    page.goto("/tasks/")
    assert page.locator("table.tasks td.title").count() == 0
    page.goto("/tasks/import/")
    upload.write_text("title,priority\nImported one,high\n")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Import tasks").click()
    page.wait_for_load_state()
    assert "1 task imported" in page.inner_text("main")
    page.goto("/tasks/")
    assert page.locator("table.tasks td.title").all_inner_texts() == ["Imported one"]


def test_not_found_and_rate_limited_pages_explain_themselves(page, user, settings, check_a11y):
    page.goto("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/")
    assert "/accounts/login/" in page.url
    sign_in(page, user.email)
    page.goto("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/")
    assert page.inner_text("h1") == "Page not found"
    check_a11y(page)
    page.get_by_role("button", name="Sign out").click()
    settings.LOGIN_RATE = "1/m"
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.get_by_label("Password").fill("still wrong")
    with page.expect_response("**/accounts/login/") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    assert "Too many attempts" in page.inner_text("[role=alert]")
    assert page.get_by_label("Email").input_value() == user.email
    check_a11y(page)
