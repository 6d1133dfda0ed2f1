"""API tokens and sessions pages in a real browser: axe-clean, token shown once."""

import re

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_and_revoke_a_token_then_list_sessions(page, check_a11y):
    UserFactory(email="erin@example.com", name="Erin")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")

    page.goto("/accounts/profile/")
    page.get_by_role("link", name="API tokens").click()
    check_a11y(page)
    page.locator("#id_name").fill("backup script")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert re.fullmatch(r"tf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", token)
    check_a11y(page)

    page.goto("/accounts/tokens/")
    assert token not in page.content()
    page.get_by_role("button", name="Revoke backup script").click()
    assert "revoked" in page.inner_text(".messages")
    assert "You have no API tokens." in page.inner_text("main")

    page.goto("/accounts/sessions/")
    check_a11y(page)
    assert "(this session)" in page.inner_text("main")
    assert page.errors == []
