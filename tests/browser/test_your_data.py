""" "Your data" in a real browser: the transfer-first message with its link, the
download (a real ZIP), and deleting the account; axe-clean at each step."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from accounts.models import User
from projects import services as project_services
from projects.models import Membership, Role
from tasks import services as task_services
from tests.browser.helpers import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_then_transfer_first_then_delete(page, check_a11y):
    dana = UserFactory(email="dana@example.com", name="Dana")
    eli = UserFactory(email="eli@example.com", name="Eli")
    garden = project_services.project_create(actor=dana, name="Garden")
    Membership.objects.create(project=garden, user=eli, role=Role.EDITOR, invited_by=dana)
    task_services.task_create(actor=dana, title="Water the roses")

    sign_in(page, "dana@example.com")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Your data").click()
    page.wait_for_url("**/accounts/data/")
    check_a11y(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download my data").click()
    download = info.value
    assert download.suggested_filename.startswith("taskflow-data-")
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        names = set(archive.namelist())
        tasks = json.loads(archive.read("tasks.json"))
        profile = json.loads(archive.read("profile.json"))
    assert {"export.json", "profile.json", "tasks.json", "api_tokens.json"} <= names
    assert [t["title"] for t in tasks] == ["Water the roses"]
    assert profile[0]["email"] == "dana@example.com"
    assert "password" not in profile[0]

    # The only owner of a shared project is told to transfer it first, with a link.
    transfer = page.locator("#transfer-first")
    assert "Garden" in transfer.inner_text()
    assert transfer.get_by_role("link", name="Garden").get_attribute("href")
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    assert "only owner" in page.inner_text("main")
    check_a11y(page)
    assert User.objects.get(pk=dana.pk).is_active

    # After the transfer, the same form deletes the account and signs out.
    project_services.project_transfer(
        actor=dana,
        membership=Membership.objects.select_related("project").get(project=garden, user=dana),
        to_user_id=eli.pk,
    )
    page.goto("/accounts/data/")
    assert page.locator("#transfer-first").count() == 0
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_load_state()
    assert "Your account and its data were deleted" in page.inner_text("body")
    check_a11y(page)
    assert not User.objects.filter(pk=dana.pk).exists()
    page.goto("/accounts/data/")
    assert "/accounts/login/" in page.url
    # The refused attempt answered 409, which Chromium logs; nothing else may appear.
    assert [e for e in page.errors if "status of 409" not in e] == []
