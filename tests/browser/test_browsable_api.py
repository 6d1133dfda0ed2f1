"""The browsable API's "Log out" works under the Content-Security-Policy.

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
