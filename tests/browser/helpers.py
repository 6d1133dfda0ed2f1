"""Small steps shared by the browser tests."""

from __future__ import annotations

from typing import Any

from tests.factories import DEFAULT_PASSWORD


def sign_in(page: Any, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
