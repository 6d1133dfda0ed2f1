"""The browsable API's "Log out" and Django's DEBUG 404 page work under the CSP.

DRF's stock link submitted its form from an inline onclick handler; the policy blocks
inline handlers, so a click did nothing and the session stayed open."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_cookie(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == "sessionid"]


def test_log_out_from_the_browsable_api_ends_the_session(page, user):
    sign_in(page, user.email)
    page.goto("/api/tasks/")
    page.get_by_role("link", name=user.email).click()  # the dropdown with the menu
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/api/tasks/")
    page.get_by_role("link", name="Log in").wait_for()
    assert _session_cookie(page) == []
    # The session is really gone: the pages behind login send us to sign in.
    page.goto("/tasks/")
    assert "/accounts/login/" in page.url
    assert [e for e in page.errors if "Content Security Policy" in e] == []


def test_debug_404_page_renders_with_its_style(page, settings):
    settings.DEBUG = True  # as under `make run`; the live server reads settings per request
    page.goto("/no-such-page/")
    page.wait_for_selector("#summary")
    # technical_404.html's inline CSS gives the summary a yellow background.
    assert page.eval_on_selector("#summary", "e => getComputedStyle(e).backgroundColor") == (
        "rgb(255, 255, 204)"
    )
    assert [e for e in page.errors if "Content Security Policy" in e] == []
