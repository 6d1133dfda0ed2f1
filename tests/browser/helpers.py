"""Small steps shared by the browser tests."""

from __future__ import annotations

from typing import Any

from tests.factories import DEFAULT_PASSWORD

# How long a browser step may wait. A bound, not a speed check: on a loaded 2-core CI
# machine ReDoc parsing the whole schema took over 10 s once (a failed run), and a
# passing step never waits for the bound.
STEP_TIMEOUT_MS = 30_000


def sign_in(page: Any, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
