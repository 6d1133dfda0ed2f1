from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.models import Priority, Status, Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

LIST = reverse("tasks:list")
NEW = reverse("tasks:create")
DASHBOARD = reverse("tasks:dashboard")
LOGIN = reverse("accounts:login")


def _create(owner, **fields):
    return services.task_create(actor=owner, **{"title": "A task", **fields})[0]


def _form(**fields):
    return {
        "title": "Write docs",
        "description": "",
        "status": "todo",
        "priority": "medium",
        "due_date": "",
        "tags": "",
        **fields,
    }


def test_dashboard_counts_lists_and_chart(web, user):
    today = timezone.localdate()
    _create(user, title="Late one", due_date=today - timedelta(days=2), priority=Priority.HIGH)
    _create(user, title="Soon one", due_date=today + timedelta(days=2))
    _create(user, title="Finished", status=Status.DONE)
    response = web.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["stats"]["by_status"] == {"todo": 2, "in_progress": 0, "done": 1}
    assert 'id="stat-overdue">1<' in html
    assert 'id="prio-high">1<' in html
    assert "Late one" in html
    assert "Soon one" in html
    assert html.count('<rect class="bar') == 30
    assert html.count('<rect class="bar empty') == 29
    assert "1 task completed between" in html


def test_task_list_shows_only_own_tasks(web, user, other_user):
    _create(user, title="Mine")
    _create(other_user, title="Theirs")
    html = web.get(LIST).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html


def test_task_list_filters_search_and_sort(web, user):
    today = timezone.localdate()
    _create(user, title="Buy milk", tags=["home"], priority=Priority.LOW)
    _create(user, title="Quarterly report", description="for the BOARD", tags=["work"])
    _create(user, title="Fix bug", tags=["work"], priority=Priority.HIGH, due_date=today)
    _create(user, title="Old chore", status=Status.DONE, due_date=today - timedelta(days=3))

    def titles(**params):
        return [t.title for t in web.get(LIST, params).context["tasks"]]

    assert titles(tag="work", ordering="title") == ["Fix bug", "Quarterly report"]
    assert titles(search="board") == ["Quarterly report"]
    assert titles(priority="high") == ["Fix bug"]
    assert titles(status="done") == ["Old chore"]
    assert titles(due_after=str(today), due_before=str(today)) == ["Fix bug"]
    assert titles(overdue="true") == []
    assert titles(ordering="-priority")[0] == "Fix bug"


def test_task_list_invalid_filter_is_a_clear_error(web, user):
    _create(user)
    response = web.get(LIST, {"status": "bogus", "due_after": "yesterday"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert b"Enter a valid date" in response.content


def test_task_list_pages_with_cursor_links_keeping_filters(web, user):
    for number in range(30):
        _create(user, title=f"Task {number:02d}", tags=["bulk"])
    first = web.get(LIST, {"tag": "bulk", "ordering": "title"})
    assert len(first.context["tasks"]) == 25  # the list's default page size
    assert first.context["previous_url"] is None
    next_url = first.context["next_url"]
    assert "tag=bulk" in next_url
    second = web.get(next_url)
    assert [t.title for t in second.context["tasks"]] == [f"Task {n}" for n in range(25, 30)]
    assert second.context["next_url"] is None
    assert web.get(second.context["previous_url"]).context["tasks"][0].title == "Task 00"


def test_task_list_with_a_broken_cursor_falls_back_to_first_page(web, user):
    _create(user, title="Only")
    response = web.get(LIST, {"cursor": "garbage"})
    assert response.status_code == 200
    assert [t.title for t in response.context["tasks"]] == ["Only"]
    assert b"no longer valid" in response.content


def test_task_list_query_count_does_not_grow_with_rows(web, user, django_assert_max_num_queries):
    for number in range(30):
        _create(user, title=f"T{number}", tags=["a", "b"])
    # The first view counts the list's total and reads the saved filters (issue 16: +
    # the user's project ids, the COUNT, the saved filters); later views read both from
    # the cache (+ the project ids only).
    with django_assert_max_num_queries(8):
        web.get(LIST)
    with django_assert_max_num_queries(6):
        web.get(LIST)


def test_task_list_empty_states(web, user):
    assert b"No tasks yet" in web.get(LIST).content
    _create(user, title="Something")
    assert b"No tasks match these filters" in web.get(LIST, {"search": "zzz"}).content


def test_create_task(web, user):
    response = web.post(NEW, _form(title="  Plan trip ", tags="Travel, fun", priority="high"))
    task = Task.objects.get(owner=user)
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])
    assert (task.title, task.tags, task.priority) == ("Plan trip", ["travel", "fun"], Priority.HIGH)
    assert "created" in web.get(response["Location"]).content.decode()


def test_create_task_errors_keep_typed_values(web):
    response = web.post(
        NEW, _form(title="", description="kept text", due_date="2020-13-45", tags="x" * 40)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"title", "due_date"}
    assert b"kept text" in response.content
    assert Task.objects.count() == 0
    response = web.post(NEW, _form(tags="x" * 40))
    assert "at most 32 characters" in " ".join(response.context["form"].errors["tags"])
    assert ("x" * 40).encode() in response.content


def test_task_detail_and_edit(web, user):
    task = _create(user, title="Draft", tags=["a"])
    assert b"Draft" in web.get(reverse("tasks:detail", args=[task.pk])).content
    edit_url = reverse("tasks:edit", args=[task.pk])
    page = web.get(edit_url)
    assert b'name="version" value="1"' in page.content
    response = web.post(edit_url, _form(title="Final", status="done", version="1"))
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])
    task.refresh_from_db()
    assert (task.title, task.status, task.version) == ("Final", Status.DONE, 2)
    assert task.completed_at is not None


def test_edit_after_a_concurrent_change_does_not_overwrite(web, user):
    task = _create(user, title="Original")
    services.task_update(actor=task.owner, task=task, changes={"title": "Changed elsewhere"})
    edit_url = reverse("tasks:edit", args=[task.pk])
    response = web.post(edit_url, _form(title="Mine", version="1"))
    assert response.status_code == 400
    assert b"changed since you opened it" in response.content
    assert b'value="Mine"' in response.content
    assert Task.objects.get(pk=task.pk).title == "Changed elsewhere"
    assert b'name="version" value="2"' in response.content
    web.post(edit_url, _form(title="Mine", version="2"))
    assert Task.objects.get(pk=task.pk).title == "Mine"


def test_delete_asks_then_moves_to_trash(web, user):
    task = _create(user, title="Remove me")
    url = reverse("tasks:delete", args=[task.pk])
    assert b"Remove me" in web.get(url).content
    assert Task.objects.filter(pk=task.pk, deleted_at__isnull=True).exists()
    assert web.post(url)["Location"] == LIST
    assert Task.objects.get(pk=task.pk).deleted_at is not None  # in the trash, not gone
    assert web.get(reverse("tasks:detail", args=[task.pk])).status_code == 404


def test_quick_status_plain_form_redirects_back(web, user):
    task = _create(user)
    url = reverse("tasks:set-status", args=[task.pk])
    response = web.post(url, {"status": "in_progress", "next": "/tasks/?status=todo"})
    assert response["Location"] == "/tasks/?status=todo"
    assert Task.objects.get(pk=task.pk).status == Status.IN_PROGRESS


def test_quick_status_answers_json_for_fetch(web, user):
    task = _create(user)
    url = reverse("tasks:set-status", args=[task.pk])
    response = web.post(url, {"status": "done"}, headers={"Accept": "application/json"})
    assert response.json() == {"id": task.pk, "status": "done", "label": "Done", "version": 2}
    bad = web.post(url, {"status": "nope"}, headers={"Accept": "application/json"})
    assert bad.status_code == 400


def test_bulk_set_status_touches_only_own_tasks(web, user, other_user):
    mine = [_create(user, title=f"M{i}") for i in range(3)]
    theirs = _create(other_user, title="T")
    ids = [t.pk for t in mine[:2]] + [theirs.pk]
    response = web.post(
        reverse("tasks:bulk"), {"ids": ids, "action": "set_status", "status": "done"}
    )
    assert response["Location"] == LIST
    statuses = dict(Task.objects.values_list("title", "status"))
    assert statuses == {"M0": "done", "M1": "done", "M2": "todo", "T": "todo"}


def test_bulk_delete_confirms_first(web, user, other_user):
    mine = [_create(user, title=f"M{i}") for i in range(2)]
    theirs = _create(other_user, title="Theirs")
    ids = [t.pk for t in mine] + [theirs.pk]
    confirm = web.post(reverse("tasks:bulk"), {"ids": ids, "action": "delete"})
    assert confirm.status_code == 200
    assert [t.title for t in confirm.context["tasks"]] == ["M0", "M1"]
    assert Task.objects.count() == 3
    web.post(reverse("tasks:bulk"), {"ids": ids, "action": "delete", "confirmed": "on"})
    live = Task.objects.filter(deleted_at__isnull=True)
    assert list(live.values_list("title", flat=True)) == ["Theirs"]
    trashed = Task.objects.filter(deleted_at__isnull=False).order_by("title")
    assert list(trashed.values_list("title", flat=True)) == ["M0", "M1"]


def test_bulk_without_selection_says_so(web, user):
    response = web.post(reverse("tasks:bulk"), {"action": "delete"}, follow=True)
    assert b"Select tasks." in response.content


@pytest.mark.parametrize("name", ["tasks:detail", "tasks:edit", "tasks:delete"])
def test_other_users_tasks_are_404_on_every_page(other_web, user, name):
    task = TaskFactory(owner=user)
    response = other_web.get(reverse(name, args=[task.pk]))
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert other_web.get(reverse(name, args=["not-an-id"])).status_code == 404


@pytest.mark.parametrize("name", ["tasks:edit", "tasks:delete", "tasks:set-status"])
def test_other_users_tasks_cannot_be_changed(other_web, user, name):
    task = TaskFactory(owner=user, title="Safe")
    response = other_web.post(reverse(name, args=[task.pk]), _form(title="Hacked", status="done"))
    assert response.status_code == 404
    task.refresh_from_db()
    assert (task.title, task.status) == ("Safe", Status.TODO)


@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD,
        LIST,
        NEW,
        "/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/",
        "/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/edit/",
    ],
)
def test_task_pages_redirect_anonymous_to_login(anon, url):
    assert anon.get(url)["Location"] == f"{LOGIN}?next={url}"


def test_titles_are_escaped(web, user):
    _create(user, title="<img src=x onerror=alert(1)>")
    html = web.get(LIST).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
