"""The Content-Security-Policy blocks nothing that our pages, the API docs or the admin
need: the browser reports no violation while they render."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_errors(page) -> list[str]:
    return [e for e in page.errors if "Content Security Policy" in e]


def test_swagger_ui_renders_under_the_policy(page, user):
    sign_in(page, user.email)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "TaskFlow API" in page.inner_text(".swagger-ui .info .title")
    assert _csp_errors(page) == []


def test_redoc_renders_without_loading_from_a_cdn(page, user):
    sign_in(page, user.email)
    page.goto("/api/redoc/")
    page.wait_for_selector("h1:has-text('TaskFlow API')")
    assert [e for e in page.errors if "fonts.googleapis.com" in e] == []


def test_admin_login_renders_under_the_policy(page):
    page.goto("/admin/login/")
    page.wait_for_selector("#login-form")
    assert _csp_errors(page) == []


def test_pages_run_their_script_and_report_no_violation(page, user):
    sign_in(page, user.email)
    page.goto("/tasks/")
    assert _csp_errors(page) == []
    # app.js ran: it reveals the bulk "select all" box only when scripts are allowed.
    page.goto("/tasks/new/")
    page.get_by_label("Title").fill("one")
    page.get_by_role("button", name="Create task").click()
    page.goto("/tasks/")
    assert page.get_by_label("Select all tasks on this page").is_visible()
    assert _csp_errors(page) == []
