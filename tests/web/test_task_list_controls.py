"""The task list's controls (issue 16): sortable column headers, the total count, the
page size choice."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Priority

pytestmark = pytest.mark.django_db

LIST = reverse("tasks:list")


def _create(owner, **fields):
    return services.task_create(actor=owner, **{"title": "A task", **fields})[0]


def _header(html: str, label: str) -> str:
    pattern = r'<th scope="col"[^>]*><a class="sort"[^>]*>' + label + r"\b.*?</th>"
    match = re.search(pattern, html)
    assert match, label
    return match.group(0)


def _titles(response) -> list[str]:
    return [task.title for task in response.context["tasks"]]


def test_headers_sort_and_toggle_direction(web, user):
    _create(user, title="Bravo", priority=Priority.LOW)
    _create(user, title="Alpha", priority=Priority.HIGH)
    _create(user, title="Charlie", priority=Priority.MEDIUM)

    page = web.get(LIST, {"tag": "", "status": ""}).content.decode()
    title = _header(page, "Title")
    assert "aria-sort" not in title  # sorted by creation: no column is
    assert 'href="?tag=&amp;status=&amp;ordering=title"' in title

    response = web.get(LIST, {"ordering": "title"})
    assert _titles(response) == ["Alpha", "Bravo", "Charlie"]
    title = _header(response.content.decode(), "Title")
    assert 'aria-sort="ascending"' in title
    assert "ordering=-title" in title
    assert "▲" in title

    response = web.get(LIST, {"ordering": "-title"})
    assert _titles(response) == ["Charlie", "Bravo", "Alpha"]
    title = _header(response.content.decode(), "Title")
    assert 'aria-sort="descending"' in title
    assert "ordering=title" in title
    assert "▼" in title

    # Priority starts with the most urgent; due dates with the soonest.
    priority = _header(page, "Priority")
    assert "ordering=-priority" in priority
    assert "ordering=due_date" in _header(page, "Due")
    response = web.get(LIST, {"ordering": "-priority"})
    assert _titles(response) == ["Alpha", "Charlie", "Bravo"]


def test_header_links_keep_filters_and_page_size_but_not_the_cursor(web, user):
    for number in range(30):
        _create(user, title=f"T{number:02d}", tags=["x"])
    first = web.get(LIST, {"tag": "x", "page_size": "25"})
    second = web.get(first.context["next_url"])
    title = _header(second.content.decode(), "Title")
    assert "tag=x" in title
    assert "page_size=25" in title
    assert "cursor" not in title


@pytest.mark.parametrize("ordering", ["status", "owner", "-id", "title;drop", "' OR 1=1"])
def test_unknown_ordering_is_a_form_error_not_a_500(web, user, ordering):
    _create(user)
    response = web.get(LIST, {"ordering": ordering})
    assert response.status_code == 400
    assert b"Ordering:" in response.content
    assert b"Select a valid choice" in response.content


def test_total_count_of_the_list_and_of_a_filter(web, user):
    for number in range(27):
        _create(user, title=f"T{number}", tags=["odd"] if number % 2 else [])
    response = web.get(LIST)
    assert response.context["total"] == 27
    assert "27 tasks</p>" in response.content.decode()
    response = web.get(LIST, {"tag": "odd"})
    assert response.context["total"] == 13
    assert "13 tasks match</p>" in response.content.decode()
    assert len(_titles(response)) == 13


def test_total_follows_writes_at_once(web, user, other_user, settings):
    settings.STATS_CACHE_TTL = 60  # cached: a write must still show at once
    from projects import roles
    from projects import services as project_services

    # More than a page, so the total is counted (and cached), not the rows on the page.
    project = project_services.project_create(actor=user, name="Shared")
    tasks = [_create(user, title=f"T{n}", project_id=project.pk) for n in range(26)]
    assert web.get(LIST).context["total"] == 26
    _create(user, title="One more", project_id=project.pk)
    assert web.get(LIST).context["total"] == 27
    services.task_trash(actor=user, task=tasks[0])
    assert web.get(LIST).context["total"] == 26
    # Another member's write reaches this user's cached total too.
    invitation = project_services.member_invite(
        actor=user,
        membership=roles.get_membership_for(user, project.pk),
        email=other_user.email,
        role="editor",
    )
    project_services.invitation_accept(actor=other_user, invitation_id=invitation.pk)
    services.task_create(actor=other_user, title="Bob's", project_id=project.pk)
    assert web.get(LIST).context["total"] == 27
    # Joining a project changes what the user sees (a new key, not a stale total).
    theirs = project_services.project_create(actor=other_user, name="Theirs")
    for n in range(3):
        services.task_create(actor=other_user, title=f"B{n}", project_id=theirs.pk)
    invitation = project_services.member_invite(
        actor=other_user,
        membership=roles.get_membership_for(other_user, theirs.pk),
        email=user.email,
        role="viewer",
    )
    project_services.invitation_accept(actor=user, invitation_id=invitation.pk)
    assert web.get(LIST).context["total"] == 30
    assert web.get(LIST, {"search": "B"}).context["total"] == 4  # B0-B2 and Bob's


def test_total_counts_only_what_the_user_may_see(web, user, other_user):
    _create(user, title="Mine")
    _create(other_user, title="Theirs")
    _create(other_user, title="Theirs too")
    assert web.get(LIST).context["total"] == 1


def test_total_is_not_counted_again_while_nothing_changes(
    web, user, settings, django_assert_max_num_queries
):
    settings.STATS_CACHE_TTL = 60
    for number in range(30):  # more than a page: the total must be counted
        _create(user, title=f"T{number}")
    assert web.get(LIST).context["total"] == 30
    with django_assert_max_num_queries(20) as cached:
        web.get(LIST)
    counts = [q["sql"] for q in cached.captured_queries if "COUNT(*)" in q["sql"]]
    assert not [sql for sql in counts if "tasks_task" in sql]


@pytest.mark.parametrize("size", [25, 50, 100])
def test_page_size_choice(web, user, size):
    for number in range(101):
        _create(user, title=f"T{number:03d}")
    response = web.get(LIST, {"page_size": str(size), "ordering": "title"})
    assert response.status_code == 200
    assert len(_titles(response)) == size
    assert response.context["page_size"] == size
    assert f"page_size={size}" in response.context["next_url"]
    html = response.content.decode()
    assert f'<strong aria-current="true">{size}</strong>' in html
    others = {25, 50, 100} - {size}
    assert all(f"page_size={other}" in html for other in others)


@pytest.mark.parametrize("size", ["7", "0", "-1", "1000", "abc", "", "20"])
def test_invalid_page_size_falls_back_to_the_default(web, user, size):
    for number in range(30):
        _create(user, title=f"T{number:02d}")
    response = web.get(LIST, {"page_size": size})
    assert response.status_code == 200
    assert len(_titles(response)) == 25
    assert response.context["page_size"] == 25


def test_project_and_mine_lists_show_their_own_totals(web, user, other_user):
    from projects import roles
    from projects import services as project_services

    project = project_services.project_create(actor=user, name="Shared")
    invitation = project_services.member_invite(
        actor=user,
        membership=roles.get_membership_for(user, project.pk),
        email=other_user.email,
        role="editor",
    )
    project_services.invitation_accept(actor=other_user, invitation_id=invitation.pk)
    _create(user, title="Inbox")
    _create(user, title="P1", project_id=project.pk, assignee_id=other_user.pk)
    _create(user, title="P2", project_id=project.pk)
    assert web.get(LIST).context["total"] == 3
    assert web.get(reverse("projects:detail", args=[project.pk])).context["total"] == 2
    assert web.get(reverse("tasks:mine")).context["total"] == 0


# --- "Export these tasks" ------------------------------------------------------------

EXPORT = reverse("tasks:export")


def _download(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_export_link_carries_the_list_filters(web, user):
    _create(user, title="Tagged", tags=["home"])
    html = web.get(LIST, {"tag": "home", "ordering": "title", "page_size": "50"}).content.decode()
    assert f'href="{EXPORT}?tag=home&amp;format=csv" download' in html
    assert f'href="{EXPORT}?tag=home&amp;format=json" download' in html


def test_export_these_tasks_as_csv_with_a_dated_name(web, user, other_user, settings):
    import csv
    import io

    from django.utils import timezone

    _create(user, title="Home one", tags=["home"])
    _create(user, title="Work one", tags=["work"])
    _create(other_user, title="Bob's home", tags=["home"])
    response = web.get(EXPORT, {"tag": "home", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (f'attachment; filename="taskflow-tasks-{today}.csv"')
    rows = list(csv.DictReader(io.StringIO(_download(response))))
    assert [row["title"] for row in rows] == ["Home one"]


def test_export_as_json_follows_the_status_filter(web, user):
    import json

    done = _create(user, title="Finished")
    services.task_update(actor=user, task=done, changes={"status": "done"})
    _create(user, title="Open")
    response = web.get(EXPORT, {"status": "done", "format": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.json"')
    assert [record["title"] for record in json.loads(_download(response))] == ["Finished"]
    everything = json.loads(_download(web.get(EXPORT, {"format": "json"})))
    assert sorted(record["title"] for record in everything) == ["Finished", "Open"]


def test_export_file_name_uses_the_users_date(web, user, monkeypatch):
    import datetime

    user.timezone = "Pacific/Auckland"  # already tomorrow there at noon UTC
    user.save(update_fields=["timezone"])
    noon = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: noon)
    response = web.get(EXPORT)
    assert 'filename="taskflow-tasks-2026-12-03.csv"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"format": "xml"}, b"Format: choose csv or json."),
        ({"status": "bogus"}, b"Status: Select a valid choice"),
        ({"due_after": "yesterday"}, b"Due_after: Enter a valid date"),
    ],
)
def test_export_with_a_bad_filter_or_format_is_a_400(web, user, query, message):
    response = web.get(EXPORT, query)
    assert response.status_code == 400
    assert message in response.content


def test_export_of_a_project_page_and_of_assigned_to_me(web, user):
    from projects import services as project_services

    project = project_services.project_create(actor=user, name="P")
    _create(user, title="In P", project_id=project.pk, assignee_id=user.pk)
    _create(user, title="In the Inbox")
    html = web.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert f"{EXPORT}?project={project.pk}&amp;format=csv" in html
    html = web.get(reverse("tasks:mine")).content.decode()
    assert f"{EXPORT}?assignee=me&amp;format=csv" in html
    mine = _download(web.get(EXPORT, {"assignee": "me"}))
    assert "In P" in mine
    assert "In the Inbox" not in mine


def test_export_needs_a_signed_in_user(client):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"page": "abc"}, 200),  # a bad page link: the first page, with a message
        ({"page": "0"}, 200),
        ({"page": "99999"}, 200),
        ({"page": "2", "page_size": "50"}, 200),
        ({"cursor": "garbage", "page_size": "100"}, 200),
        ({"page_size": "1e3"}, 200),
        ({"ordering": "", "page_size": "", "cursor": ""}, 200),
        ({"page_size": "25", "ordering": "-due_date", "tag": "x" * 33}, 400),
    ],
)
@pytest.mark.parametrize("url", [LIST, reverse("tasks:mine")])
def test_odd_list_parameters_never_500(web, user, query, status, url):
    for number in range(3):
        _create(user, title=f"T{number}")
    response = web.get(url, query)
    assert response.status_code == status
    assert response.context["page_size"] in (25, 50, 100)
