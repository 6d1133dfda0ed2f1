"""Quick add on a project's board in a real browser (issue 13): the live preview under
the field names the assignee "@name" resolves to in this project (static/js/quickadd.js
sends the form's project), Enter shows "We understood", Save comes back to the board
with the new card in To do; no console errors (CSP: no inline script)."""

from __future__ import annotations

import pytest
from django.conf import settings

from projects import columns as column_services
from projects import services as project_services
from tasks.models import Task
from tests.browser.helpers import sign_in
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quick_add_on_the_board_assigns_and_lands_in_to_do(page, user, check_a11y, monkeypatch):
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    project = project_services.project_create(actor=user, name="Garden")
    ana = UserFactory(email="ana@example.com", name="Ana Lopez")
    add_member(project, user, ana, "editor")
    todo = column_services.project_columns(project.pk)[0]
    sign_in(page, user.email)
    page.goto(f"/projects/{project.pk}/board/")
    field = page.get_by_label("Quick add to Garden")
    field.fill("Buy seeds tomorrow @ana #spring")
    preview = page.locator("#quick-preview")
    preview.filter(has_text="assigned to Ana Lopez").wait_for()
    assert "“Buy seeds”" in preview.inner_text()
    field.fill("Buy seeds @zed")
    preview.filter(has_text="@zed is not a member of this project.").wait_for()
    check_a11y(page)
    field.fill("Buy seeds tomorrow @ana #spring")
    with page.expect_navigation():
        field.press("Enter")
    assert page.inner_text("#understood-h") == "We understood:"
    assert page.inner_text("dd.assignee") == "Ana Lopez"
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.url.endswith(f"/projects/{project.pk}/board/")
    assert "Task “Buy seeds” created." in page.inner_text(".messages")
    task = Task.objects.get(project=project)
    assert (task.assignee_id, task.column_id, task.tags) == (ana.pk, todo.pk, ["spring"])
    card = page.locator(f"#col-{todo.pk} #card-{task.pk}")
    assert card.inner_text().startswith("Buy seeds")
    assert page.errors == []
