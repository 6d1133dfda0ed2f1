"""The columns page in a real browser (issue 12): an admin adds, reorders and deletes
a column with plain forms (no JavaScript needed), axe clean on the list and on the
delete confirmation."""

from __future__ import annotations

import pytest

from projects import columns as column_services
from projects import services as project_services
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _names(project_id: str) -> list[str]:
    return [c.name for c in column_services.project_columns(project_id)]


def test_add_reorder_and_delete_a_column(page, user, check_a11y):
    project = project_services.project_create(actor=user, name="Launch")
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/settings/")
    page.get_by_role("link", name="Manage columns").click()
    check_a11y(page)
    page.get_by_label("Name").fill("Review")
    page.locator("#id_category").select_option("in_progress")
    page.get_by_label("WIP limit").fill("3")
    page.get_by_role("button", name="Add column").click()
    page.get_by_text("Column “Review” added.").wait_for()
    assert _names(project.pk) == ["To do", "In progress", "Done", "Review"]
    page.get_by_role("button", name="Move “Review” up (left on the board)").click()
    page.get_by_text("Column “Review” moved.").wait_for()
    assert _names(project.pk) == ["To do", "In progress", "Review", "Done"]
    page.get_by_role("link", name="Delete “Review”").click()
    check_a11y(page)
    page.get_by_role("button", name="Delete column").click()
    page.get_by_text("Column “Review” deleted.").wait_for()
    assert _names(project.pk) == ["To do", "In progress", "Done"]
    check_a11y(page)
