"""The task changelist fits a 1280 px screen with the admin's sidebar open: no column
clipped behind the results table's scroll box (the Updated column was)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tasks import services
from tests.browser.helpers import sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = (
    "() => { const r = document.querySelector('.results'); return [r.scrollWidth, r.clientWidth]; }"
)


def test_task_changelist_fits_at_1280(page):
    admin = User.objects.create_superuser(
        "alexandra.operator@example.com", DEFAULT_PASSWORD, name="Alexandra"
    )
    today = timezone.localdate()
    for index, title in enumerate(
        ["Prepare the quarterly report for the board", "Renew passport", "Fix flaky login test"]
    ):
        services.task_create(actor=admin, title=title, due_date=today + timedelta(days=index))
    sign_in(page, admin.email)
    page.goto("/admin/tasks/task/")
    assert page.locator("#nav-sidebar").is_visible()
    scroll_width, client_width = page.evaluate(FITS)
    assert scroll_width <= client_width
    assert page.get_by_role("columnheader", name="Updated").is_visible()
