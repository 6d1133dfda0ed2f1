"""Issue 11's journey in a real browser, axe-core on every new page: Ana creates a
project and invites Ben by email (read from a real SMTP server), Ben registers through
the link and joins, Ana assigns him a task, Ben comments, Ana sees the activity."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import sign_in
from tests.factories import UserFactory
from tests.smtp import link_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough passphrase 7"
TASK_URL = re.compile(r"/tasks/[0-9A-Z]{26}/$")


def test_ana_invites_ben_who_registers_comments_and_ana_sees_it(
    browser, live_server, page, check_a11y, smtp_server
):
    UserFactory(email="ana@example.com", name="Ana")
    sign_in(page, "ana@example.com")

    # Ana creates a project from the switcher's "New project".
    page.locator(".switcher summary").click()
    page.get_by_role("link", name="New project").click()
    page.wait_for_url(re.compile(r"/projects/#new-project$"))
    check_a11y(page)
    page.get_by_label("Name").fill("Garden")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/projects/[0-9A-Z]{26}/$"))
    project_url = page.url
    check_a11y(page)

    # …and invites Ben by email from the members page.
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Email").fill("ben@example.com")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to ben@example.com" in page.inner_text(".messages")
    check_a11y(page)
    assert len(smtp_server) == 1
    assert smtp_server[0]["To"] == "ben@example.com"
    link = link_in(smtp_server[0], "/invitations/")

    # Ben, in his own browser, opens the link, registers and comes back to accept.
    ben_context = browser.new_context(base_url=live_server.url)
    ben_context.set_default_timeout(10_000)
    ben = ben_context.new_page()
    ben.goto(link.replace("http://localhost:8000", live_server.url))
    check_a11y(ben)
    assert "Join “Garden”" in ben.inner_text("h1")
    ben.locator("main").get_by_role("link", name="Create account").click()
    assert ben.get_by_label("Email").input_value() == "ben@example.com"
    ben.get_by_label("Name").fill("Ben")
    ben.locator("#id_password").fill(PASSWORD)
    ben.get_by_label("Password (again)").fill(PASSWORD)
    ben.get_by_role("button", name="Create account").click()
    ben.wait_for_url("**/invitations/**")
    check_a11y(ben)
    ben.get_by_role("button", name="Accept and join").click()
    ben.wait_for_url(project_url)
    assert "You joined “Garden”" in ben.inner_text(".messages")

    # Ana assigns him a task in the project.
    page.goto(project_url)
    page.locator("main").get_by_role("link", name="New task").click()
    check_a11y(page)
    page.get_by_label("Title").fill("Plant the tomatoes")
    assert page.get_by_label("Project").input_value() == project_url.rstrip("/").split("/")[-1]
    page.get_by_label("Assignee").select_option(label="Ben")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_url(TASK_URL)
    task_url = page.url

    # Ben finds it under "Assigned to me" and comments.
    ben.get_by_role("link", name="Assigned to me").click()
    check_a11y(ben)
    ben.get_by_role("link", name="Plant the tomatoes").click()
    ben.wait_for_url(TASK_URL)
    ben.get_by_label("Add a comment").fill("On it, **Saturday** morning.")
    ben.get_by_role("button", name="Comment").click()
    ben.wait_for_url(re.compile(r"#comment-"))
    check_a11y(ben)
    ben_context.close()

    # Ana sees the comment (rendered Markdown) and the activity, newest first.
    page.goto(task_url)
    check_a11y(page)
    assert page.locator("#comments strong", has_text="Saturday").count() == 1
    history = page.locator("#activity li").all_inner_texts()
    assert history[0].startswith("Ben commented")
    assert history[-1].startswith("Ana created")
    assert page.errors == []
