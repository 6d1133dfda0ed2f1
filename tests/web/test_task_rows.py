"""The task list's rows (tasks/templatetags/task_rows.py): byte for byte the template
loop they replace, for every kind of row, and escaped like autoescaping does."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from tasks.models import Priority, Status, Task
from tests.factories import TaskFactory, UserFactory

# templates/tasks/list.html's row loop before {% task_rows %} (commit 7523a00), verbatim.
TEMPLATE_LOOP = "{% load task_ui %}" + (Path(__file__).parent / "task_row_loop.html").read_text()
ROW_TAG = "{% load task_rows %}{% task_rows tasks tag_query %}"

HOSTILE = "<script>alert(\"x\")</script> & 'q' “quoted”"


@pytest.fixture
def rows(user) -> list[Task]:
    """One task of each kind a row shows differently."""
    today = timezone.localdate()
    assignee = UserFactory(email="carol@example.com", name="Carol <Dev>")
    TaskFactory(owner=user, title=HOSTILE, tags=["<b>\"t'</b>", "a b&c", "ü/x"])
    TaskFactory(owner=user, title="Done one", status=Status.DONE, due_date=today)
    TaskFactory(
        owner=user,
        title="Overdue",
        status=Status.IN_PROGRESS,
        priority=Priority.HIGH,
        due_date=today - datetime.timedelta(days=3),
        repeat="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR",
        assignee=assignee,
    )
    TaskFactory(
        owner=user,
        title="Later today",
        due_date=today,
        due_time=datetime.time(23, 59),
        checklist_total=3,
        checklist_done=3,
    )
    TaskFactory(owner=user, title="Checklist", checklist_total=5, checklist_done=2, tags=["x"])
    return list(Task.objects.select_related("project", "assignee").order_by("title"))


@pytest.mark.parametrize("scope", ["all", "project", "mine"])
@pytest.mark.parametrize("token", ['tok&en"<', "", "NOTPROVIDED"])
def test_rows_render_like_the_template_loop(rows, user, scope, token):
    context = {
        "tasks": rows,
        "tag_query": 'search=a&b="c"',
        "current_url": "/tasks/?search=<x>&page_size=50",
        "csrf_token": token,
        "user": user,
        "scope": scope,
    }
    expected = Template(TEMPLATE_LOOP).render(Context(context))
    assert Template(ROW_TAG).render(Context(context)) == expected
    assert expected.count("<tr ") == len(rows)


def test_no_rows_render_nothing(user):
    context = Context({"tasks": [], "tag_query": "", "current_url": "/tasks/", "user": user})
    assert Template(ROW_TAG).render(context) == ""


def test_the_list_page_escapes_titles_and_tags(web, user):
    TaskFactory(owner=user, title=HOSTILE, tags=["<b>\"t'</b>"])
    page = web.get("/tasks/").content.decode()
    assert "<script>alert" not in page
    assert "<b>" not in page
    title = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27; “quoted”"
    # The link, the checkbox's, the done button's, the status select's and button's names.
    assert page.count(title) == 5
    assert '<a class="title" href="/tasks/' in page
    assert re.search(r'aria-label="Select “' + re.escape(title) + "”", page)
    assert ">&lt;b&gt;&quot;t&#x27;&lt;/b&gt;</a>" in page
    assert "tag=%3Cb%3E%22t%27%3C/b%3E" in page
