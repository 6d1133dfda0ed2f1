"""The trash on the pages (SPEC §12), without JavaScript: every delete's message carries
an Undo form; /trash/ lists, restores, deletes forever and empties (with
confirmations). And every read path hides a trashed task: lists, search, tag filter,
board, calendar, iCal feed, stats, dashboard, export, and the reminder sweep."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import reminders
from notifications import tasks as reminder_jobs
from notifications.models import Notification, Reminder
from projects import services as project_services
from projects.inbox import inbox_id_of
from projects.models import Role
from tasks import services
from tasks.models import Task
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

UNDO = re.compile(
    r'<form method="post" action="/trash/restore/" class="inline">'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">'
    r'((?:<input type="hidden" name="ids" value="[0-9A-Z]{26}">)+)'
    r'<input type="hidden" name="next" value="([^"]*)">'
    r'<button type="submit" class="button small secondary">Undo</button></form>'
)


def _create(user, **fields):
    fields.setdefault("title", "Water the plants")
    return services.task_create(actor=user, **fields)[0]


def _undo_form(html: str) -> tuple[list[str], str]:
    match = UNDO.search(html)
    assert match, "no Undo form in the page"
    return re.findall(r'value="([0-9A-Z]{26})"', match[1]), match[2]


def test_delete_says_moved_to_trash_and_undo_brings_the_task_back(web, user):
    task = _create(user, title="Renew passport", tags=["admin"])
    confirm = web.get(reverse("tasks:delete", args=[task.pk])).content.decode()
    assert "cannot be undone" not in confirm
    assert "moved to the" in confirm

    page = web.post(reverse("tasks:delete", args=[task.pk]), follow=True).content.decode()

    assert "Task “Renew passport” moved to trash." in page
    assert "Renew passport</a>" not in page  # gone from the list it landed on
    ids, back = _undo_form(page)
    assert (ids, back) == ([task.pk], "/tasks/")

    after = web.post(reverse("tasks:trash-restore"), {"ids": ids, "next": back}, follow=True)

    assert after.redirect_chain == [("/tasks/", 302)]
    assert "1 task restored." in after.content.decode()
    assert web.get(reverse("tasks:detail", args=[task.pk])).status_code == 200
    assert Task.objects.get(pk=task.pk).tags == ["admin"]


def test_bulk_delete_offers_one_undo_for_all(web, user):
    tasks = [_create(user, title=f"T{i}") for i in range(3)]
    ids = [t.pk for t in tasks[:2]]
    confirm = web.post(reverse("tasks:bulk"), {"ids": ids, "action": "delete"}).content.decode()
    assert "Move 2 tasks to the trash?" in confirm
    assert "cannot be undone" not in confirm

    page = web.post(
        reverse("tasks:bulk"), {"ids": ids, "action": "delete", "confirmed": "on"}, follow=True
    ).content.decode()

    assert "2 tasks moved to trash." in page
    undo_ids, back = _undo_form(page)
    assert sorted(undo_ids) == sorted(ids)
    web.post(reverse("tasks:trash-restore"), {"ids": undo_ids, "next": back})
    assert Task.objects.filter(deleted_at__isnull=True).count() == 3


def test_undo_restores_nothing_of_another_user(web, other_user):
    theirs = _create(other_user)
    services.task_trash(actor=other_user, task=theirs)
    page = web.post(reverse("tasks:trash-restore"), {"ids": [theirs.pk]}, follow=True)
    assert "Nothing to restore" in page.content.decode()
    assert Task.objects.get(pk=theirs.pk).deleted_at is not None


def test_undo_never_redirects_off_site(web, user):
    task = _create(user)
    services.task_trash(actor=user, task=task)
    response = web.post(
        reverse("tasks:trash-restore"), {"ids": [task.pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == "/trash/"


def test_the_trash_page_lists_restores_and_deletes_forever(web, user):
    keep, drop = _create(user, title="Keep me"), _create(user, title="Drop me")
    for task in (keep, drop):
        services.task_trash(actor=user, task=task)

    page = web.get(reverse("tasks:trash")).content.decode()

    assert page.index("Drop me") < page.index("Keep me")  # newest deletion first
    assert "Empty trash" in page
    assert f'href="/trash/{drop.pk}/delete/"' in page

    web.post(reverse("tasks:trash-restore"), {"ids": [keep.pk], "next": "/trash/"})
    assert Task.objects.get(pk=keep.pk).deleted_at is None

    confirm = web.get(reverse("tasks:trash-delete", args=[drop.pk])).content.decode()
    assert "Delete this task forever?" in confirm
    assert "cannot be undone" in confirm
    assert Task.objects.filter(pk=drop.pk).exists()
    response = web.post(reverse("tasks:trash-delete", args=[drop.pk]), follow=True)
    assert "deleted for good" in response.content.decode()
    assert not Task.objects.filter(pk=drop.pk).exists()
    # A live task is not in the trash: no "delete forever" page for it.
    assert web.get(reverse("tasks:trash-delete", args=[keep.pk])).status_code == 404


def test_empty_trash_asks_first(web, user):
    live = _create(user, title="Live")
    for i in range(2):
        services.task_trash(actor=user, task=_create(user, title=f"Gone {i}"))
    confirm = web.get(reverse("tasks:trash-empty")).content.decode()
    assert "2 tasks will be deleted for good" in confirm
    assert Task.objects.count() == 3
    page = web.post(reverse("tasks:trash-empty"), follow=True).content.decode()
    assert "Trash emptied: 2 tasks deleted for good." in page
    assert list(Task.objects.all()) == [live]
    assert "The trash is empty" in page


def test_an_empty_trash_explains_itself(web):
    page = web.get(reverse("tasks:trash")).content.decode()
    assert "The trash is empty" in page
    assert "30 days" in page
    assert "Empty trash" not in page


def test_the_trash_is_linked_from_the_task_list_and_the_more_menu(web):
    page = web.get(reverse("tasks:list")).content.decode()
    assert page.count('href="/trash/"') == 2


def test_a_viewer_sees_no_trash_of_the_project_and_cannot_restore(web, user, other_user):
    shared = project_services.project_create(actor=other_user, name="Shared")
    add_member(shared, other_user, user, Role.VIEWER)
    task = _create(other_user, title="Shared plan", project_id=shared.pk)
    services.task_trash(actor=other_user, task=task)
    assert "Shared plan" not in web.get(reverse("tasks:trash")).content.decode()
    assert web.get(reverse("tasks:trash-delete", args=[task.pk])).status_code == 403
    web.post(reverse("tasks:trash-restore"), {"ids": [task.pk]})
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_trash_pages_need_a_sign_in(anon):
    for name in ("tasks:trash", "tasks:trash-empty"):
        assert anon.get(reverse(name))["Location"].startswith("/accounts/login/")
    assert anon.post(reverse("tasks:trash-restore"), {"ids": ["x"]}).status_code == 302


# --- every read path hides a trashed task ------------------------------------------------


@pytest.fixture
def pair(user):
    """A live and a trashed task, alike in every other way (due today, tagged, high)."""
    today = timezone.localdate()
    fields = {"due_date": today, "tags": ["errand"], "priority": 3}
    live = _create(user, title="Live errand", **fields)
    gone = _create(user, title="Trashed errand", **fields)
    services.task_trash(actor=user, task=gone)
    return live, gone


def test_lists_search_and_filters_hide_it(web, api_client, user, pair):
    project_page = f"/projects/{inbox_id_of(user)}/"
    for url in ("/tasks/", "/tasks/?search=errand", "/tasks/?tag=errand", project_page):
        html = web.get(url).content.decode()
        assert "Live errand" in html, url
        assert "Trashed errand" not in html, url
    for query in ("", "?search=errand", "?tag=errand", "?page=1"):
        body = api_client.get(f"/api/tasks/{query}").json()
        assert [row["title"] for row in body["results"]] == ["Live errand"], query


def test_the_board_hides_it_and_does_not_count_it(web, api_client, user, pair):
    project_id = inbox_id_of(user)
    body = api_client.get(f"/api/projects/{project_id}/board/").json()
    cards = [card["title"] for column in body["columns"] for card in column["cards"]]
    assert cards == ["Live errand"]
    assert sum(column["count"] for column in body["columns"]) == 1
    html = web.get(f"/projects/{project_id}/board/").content.decode()
    assert "Live errand" in html
    assert "Trashed errand" not in html


def test_the_calendar_and_the_feed_hide_it(web, api_client, pair):
    html = web.get("/calendar/").content.decode()
    assert "Live errand" in html
    assert "Trashed errand" not in html
    feed = api_client.get("/api/calendar/feed/").json()["url"].removeprefix("http://testserver")
    ics = Client().get(feed).content.decode()
    assert "SUMMARY:Live errand" in ics
    assert "Trashed errand" not in ics


def test_stats_and_the_dashboard_leave_it_out(web, api_client, user, pair):
    stats = api_client.get("/api/tasks/stats/").json()
    assert (stats["total"], stats["due_today"], stats["by_priority"]["high"]) == (1, 1, 1)
    project = api_client.get(f"/api/projects/{inbox_id_of(user)}/stats/").json()
    assert project["total"] == 1
    html = web.get("/dashboard/").content.decode()
    assert "Live errand" in html
    assert "Trashed errand" not in html


def test_exports_leave_it_out(api_client, pair):
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(api_client.get("/api/tasks/export/?format=csv").streaming_content).decode()
            )
        )
    )
    assert [row["title"] for row in rows] == ["Live errand"]
    body = b"".join(api_client.get("/api/tasks/export/?format=json").streaming_content)
    assert b"Live errand" in body
    assert b"Trashed errand" not in body


def test_a_trashed_tasks_reminder_does_not_fire(user):
    live, gone = (_create(user, title=t, due_date=date(2030, 1, 15)) for t in ("Live", "Gone"))
    past = timezone.now() - timedelta(seconds=1)
    for task in (live, gone):
        reminders.reminder_create(actor=user, task=task, at=past)
    services.task_trash(actor=user, task=gone)

    reminder_jobs.sweep()

    assert list(Notification.objects.values_list("title", flat=True)) == ["Reminder: Live"]
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0  # skipped, not retried


def test_the_trash_page_costs_the_same_queries_for_2_or_20_tasks(web, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(reverse("tasks:trash")).status_code == 200
        return len(captured)

    for number in range(2):
        services.task_trash(actor=user, task=_create(user, title=f"A{number}"))
    queries()  # warm: per-user reads cached on the first page (the pinned saved filters)
    few = queries()
    for number in range(18):
        services.task_trash(actor=user, task=_create(user, title=f"B{number}"))
    assert queries() == few
