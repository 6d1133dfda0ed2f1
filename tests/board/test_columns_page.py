"""The columns page (SPEC §8, issue 12): admins add, edit, reorder and delete a board's
columns without JavaScript, through projects.columns; a column with tasks asks where
they go; every refusal is a form error (never a 500); one query counts the tasks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import columns as column_services
from projects import roles, services
from projects.models import Column
from tasks import services as task_services
from tasks.models import Status, Task
from tests.factories import UserFactory
from tests.projects.conftest import ROLES


def _web(world, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def _columns(world) -> list[Column]:
    return column_services.project_columns(world.project.pk)


def _add(world, name: str, category: str = "in_progress", wip: int | None = None) -> Column:
    membership = roles.get_membership_for(world.users["owner"], world.project.pk)
    return column_services.column_create(
        actor=world.users["owner"],
        membership=membership,
        name=name,
        category=category,
        wip_limit=wip,
    )


def _task(world, title: str, status: str = Status.TODO) -> Task:
    task, _ = task_services.task_create(
        actor=world.users["editor"], project_id=world.project.pk, title=title, status=status
    )
    return task


P, C = "{project}", "{column}"
# (method, url, data, expected for owner, admin, editor, viewer, non-member). Each row
# acts on a fresh "Review" column (in progress, no tasks).
ACCESS = [
    ("get", f"/projects/{P}/columns/", None, (200, 200, 403, 403, 404)),
    (
        "post",
        f"/projects/{P}/columns/",
        {"name": "QA", "category": "in_progress"},
        (302, 302, 403, 403, 404),
    ),
    ("get", f"/projects/{P}/columns/{C}/edit/", None, (200, 200, 403, 403, 404)),
    (
        "post",
        f"/projects/{P}/columns/{C}/edit/",
        {"name": "Checked", "category": "in_progress"},
        (302, 302, 403, 403, 404),
    ),
    ("post", f"/projects/{P}/columns/{C}/move/", {"direction": "up"}, (302, 302, 403, 403, 404)),
    ("get", f"/projects/{P}/columns/{C}/delete/", None, (200, 200, 403, 403, 404)),
    ("post", f"/projects/{P}/columns/{C}/delete/", {}, (302, 302, 403, 403, 404)),
]
CASES = [
    pytest.param(method, url, data, who, expected[i], id=f"{method}-{url}-{who}")
    for method, url, data, expected in ACCESS
    for i, who in enumerate(ROLES)
]


@pytest.mark.parametrize(("method", "url", "data", "who", "expected"), CASES)
def test_access_by_role(world, method, url, data, who, expected):
    review = _add(world, "Review")
    target = url.format(project=world.project.pk, column=review.pk)
    client = _web(world, who)
    response = client.get(target) if data is None else client.post(target, data)
    assert response.status_code == expected
    if expected == 403:
        assert b"Not allowed" in response.content
    if expected in (403, 404):  # refused: the columns are as they were
        assert [c.name for c in _columns(world)] == ["To do", "In progress", "Done", "Review"]


@pytest.mark.parametrize("path", ["columns/", "columns/{column}/edit/", "columns/{column}/delete/"])
def test_anonymous_visitors_are_sent_to_sign_in(world, path):
    url = f"/projects/{world.project.pk}/" + path.format(column=_columns(world)[0].pk)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path",
    [
        "columns/01HZZZZZZZZZZZZZZZZZZZZZZZ/edit/",
        "columns/not-an-id/delete/",
        "columns/%00/move/",
    ],
)
def test_a_missing_column_is_a_404_never_a_500(world, path):
    web = _web(world, "admin")
    url = f"/projects/{world.project.pk}/{path}"
    response = web.post(url, {"direction": "up"}) if "move" in path else web.get(url)
    assert response.status_code == 404


def test_another_projects_column_is_a_404(world):
    other = services.project_create(actor=world.users["admin"], name="Elsewhere")
    foreign = column_services.project_columns(other.pk)[0]
    web = _web(world, "admin")
    assert web.get(f"/projects/{world.project.pk}/columns/{foreign.pk}/edit/").status_code == 404
    response = web.post(f"/projects/{world.project.pk}/columns/{foreign.pk}/delete/", {})
    assert response.status_code == 404
    assert Column.objects.filter(pk=foreign.pk).exists()


def test_the_page_lists_columns_in_order_with_status_limit_and_task_count(world):
    _add(world, "Review", wip=3)
    for n in range(4):
        _task(world, f"Doing {n}", Status.IN_PROGRESS)
    html = _web(world, "admin").get(f"/projects/{world.project.pk}/columns/").content.decode()
    rows = html.split('<tr id="column-')[1:]
    names = [row.split("<td>")[2].split("</td>")[0] for row in rows]
    assert names == ["To do", "In progress", "Done", "Review"]
    cells = [[cell.split("</td>")[0] for cell in row.split("<td")[3:6]] for row in rows]
    assert cells == [
        [">To do", ">—", ' class="task-count">1'],  # the world's task
        [">In progress", ">—", ' class="task-count">4'],
        [">Done", ">—", ' class="task-count">0'],
        [">In progress", ">3", ' class="task-count">0'],
    ]


def test_settings_and_board_link_to_the_page_for_admins_only(world):
    url = f"/projects/{world.project.pk}/columns/"
    admin = _web(world, "admin")
    assert url in admin.get(f"/projects/{world.project.pk}/settings/").content.decode()
    assert url in admin.get(f"/projects/{world.project.pk}/board/").content.decode()
    editor_board = _web(world, "editor").get(f"/projects/{world.project.pk}/board/")
    assert url not in editor_board.content.decode()


def test_add_a_column(world):
    web = _web(world, "admin")
    response = web.post(
        f"/projects/{world.project.pk}/columns/",
        {"name": "  Review  ", "category": "in_progress", "wip_limit": "5"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{world.project.pk}/columns/"
    last = _columns(world)[-1]
    assert (last.name, last.category, last.wip_limit) == ("Review", "in_progress", 5)
    assert "Column “Review” added." in web.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "category": "todo"}, "This field is required."),
        ({"name": "   ", "category": "todo"}, "This field is required."),
        ({"name": "x" * 61, "category": "todo"}, "at most 60 characters"),
        ({"name": "QA", "category": "todo", "wip_limit": "-1"}, "greater than or equal to 1"),
        ({"name": "QA", "category": "todo", "wip_limit": "0"}, "greater than or equal to 1"),
        ({"name": "QA", "category": "todo", "wip_limit": "lots"}, "Enter a whole number."),
        ({"name": "QA", "category": "blocked"}, "Select a valid choice."),
        ({"name": "QA"}, "This field is required."),
    ],
)
def test_bad_input_is_a_form_error(world, data, message):
    response = _web(world, "admin").post(f"/projects/{world.project.pk}/columns/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert len(_columns(world)) == 3


def test_the_services_limit_is_a_form_error(world):
    for n in range(column_services.COLUMNS_MAX - 3):
        _add(world, f"C{n}")
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/", {"name": "One more", "category": "done"}
    )
    assert response.status_code == 400
    assert f"at most {column_services.COLUMNS_MAX} columns" in response.content.decode()
    assert len(_columns(world)) == column_services.COLUMNS_MAX


def test_edit_renames_and_sets_the_limit(world):
    doing = _columns(world)[1]
    web = _web(world, "admin")
    url = f"/projects/{world.project.pk}/columns/{doing.pk}/edit/"
    page = web.get(url).content.decode()
    assert 'value="In progress"' in page
    response = web.post(
        url,
        {"name": "Doing", "category": "in_progress", "wip_limit": "2", "version": doing.version},
    )
    assert response.status_code == 302
    doing.refresh_from_db()
    assert (doing.name, doing.wip_limit) == ("Doing", 2)
    response = web.post(url, {"name": "Doing", "category": "in_progress", "wip_limit": ""})
    assert response.status_code == 302
    doing.refresh_from_db()
    assert doing.wip_limit is None


def test_recategorising_moves_the_columns_tasks_to_that_status(world):
    review = _add(world, "Review")
    task = _task(world, "Check", Status.IN_PROGRESS)
    Task.objects.filter(pk=task.pk).update(column=review)  # as if dragged there
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{review.pk}/edit/",
        {"name": "Review", "category": "done"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.column_id, task.status) == (review.pk, Status.DONE)


def test_the_last_column_of_a_status_keeps_its_status(world):
    todo = _columns(world)[0]
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{todo.pk}/edit/",
        {"name": "To do", "category": "done"},
    )
    assert response.status_code == 400
    assert "at least one column per status" in response.content.decode()
    todo.refresh_from_db()
    assert todo.category == "todo"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "category": "todo"}, "This field is required."),
        ({"name": "y" * 61, "category": "todo"}, "at most 60 characters"),
        ({"name": "Q", "category": "todo", "wip_limit": "-3"}, "greater than or equal to 1"),
    ],
)
def test_bad_edits_are_form_errors(world, data, message):
    todo = _columns(world)[0]
    url = f"/projects/{world.project.pk}/columns/{todo.pk}/edit/"
    response = _web(world, "admin").post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    todo.refresh_from_db()
    assert (todo.name, todo.wip_limit) == ("To do", None)


def test_an_edit_over_someone_elses_is_refused(world):
    todo = _columns(world)[0]
    read_version = todo.version
    membership = roles.get_membership_for(world.users["owner"], world.project.pk)
    column_services.column_update(
        actor=world.users["owner"], membership=membership, column=todo, changes={"name": "Ideas"}
    )
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{todo.pk}/edit/",
        {"name": "Backlog", "category": "todo", "version": read_version},
    )
    assert response.status_code == 400
    assert "changed since you read it" in response.content.decode()
    todo.refresh_from_db()
    assert todo.name == "Ideas"


def test_move_up_and_down(world):
    todo, doing, done = _columns(world)
    web = _web(world, "admin")
    base = f"/projects/{world.project.pk}/columns"
    assert web.post(f"{base}/{done.pk}/move/", {"direction": "up"}).status_code == 302
    assert [c.pk for c in _columns(world)] == [todo.pk, done.pk, doing.pk]
    assert web.post(f"{base}/{todo.pk}/move/", {"direction": "down"}).status_code == 302
    assert [c.pk for c in _columns(world)] == [done.pk, todo.pk, doing.pk]
    # Past either edge, or no direction: nothing changes.
    web.post(f"{base}/{done.pk}/move/", {"direction": "up"})
    web.post(f"{base}/{doing.pk}/move/", {"direction": "down"})
    web.post(f"{base}/{todo.pk}/move/", {"direction": "sideways"})
    assert [c.pk for c in _columns(world)] == [done.pk, todo.pk, doing.pk]
    assert web.get(f"{base}/{todo.pk}/move/").status_code == 405


def test_delete_an_empty_column(world):
    review = _add(world, "Review")
    web = _web(world, "admin")
    url = f"/projects/{world.project.pk}/columns/{review.pk}/delete/"
    page = web.get(url).content.decode()
    assert "It holds no tasks." in page
    assert 'name="move_to"' not in page
    assert web.post(url, {}).status_code == 302
    assert not Column.objects.filter(pk=review.pk).exists()


def test_deleting_a_column_with_tasks_asks_where_they_go(world):
    todo, doing, done = _columns(world)
    review = _add(world, "Review")
    first, second = _task(world, "One", Status.IN_PROGRESS), _task(world, "Two")
    Task.objects.filter(pk__in=[first.pk, second.pk]).update(column=review)  # as if dragged
    web = _web(world, "admin")
    url = f"/projects/{world.project.pk}/columns/{review.pk}/delete/"
    page = web.get(url).content.decode()
    assert "It holds 2 tasks." in page
    options = page.split('name="move_to"')[1].split("</select>")[0]
    assert [todo.pk, doing.pk, done.pk] == [
        part.split('"')[0] for part in options.split('value="')[1:]
    ]
    response = web.post(url, {"move_to": done.pk})
    assert response.status_code == 302
    assert not Column.objects.filter(pk=review.pk).exists()
    moved = Task.objects.filter(pk__in=[first.pk, second.pk])
    assert {(t.column_id, t.status) for t in moved} == {(done.pk, Status.DONE)}


def test_deleting_a_column_with_tasks_without_a_target_is_a_form_error(world):
    review = _add(world, "Review")
    task = _task(world, "One", Status.IN_PROGRESS)
    Task.objects.filter(pk=task.pk).update(column=review)
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{review.pk}/delete/", {}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "name the column they move to" in page
    assert 'name="move_to"' in page  # now it asks
    assert Column.objects.filter(pk=review.pk).exists()


@pytest.mark.parametrize("target", ["itself", "foreign", "garbage"])
def test_deleting_into_itself_or_another_projects_column_is_a_form_error(world, target):
    review = _add(world, "Review")
    task = _task(world, "One", Status.IN_PROGRESS)
    Task.objects.filter(pk=task.pk).update(column=review)
    other = services.project_create(actor=world.users["admin"], name="Elsewhere")
    move_to = {
        "itself": review.pk,
        "foreign": column_services.project_columns(other.pk)[0].pk,
        "garbage": "x" * 300,
    }[target]
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{review.pk}/delete/", {"move_to": move_to}
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert Column.objects.filter(pk=review.pk).exists()
    assert Task.objects.get(pk=task.pk).column_id == review.pk


def test_the_last_column_of_a_status_cannot_be_deleted(world):
    todo = _columns(world)[0]
    response = _web(world, "admin").post(
        f"/projects/{world.project.pk}/columns/{todo.pk}/delete/",
        {"move_to": _columns(world)[1].pk},
    )
    assert response.status_code == 400
    assert "at least one column per status" in response.content.decode()
    assert Column.objects.filter(pk=todo.pk).exists()
    assert Task.objects.get(pk=world.task.pk).column_id == todo.pk


def test_forms_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    response = client.post(
        f"/projects/{world.project.pk}/columns/", {"name": "QA", "category": "todo"}
    )
    assert response.status_code == 403
    assert len(_columns(world)) == 3
    page = client.get(f"/projects/{world.project.pk}/columns/").content.decode()
    # Every form that posts carries the token (the add form, a move form per column).
    assert page.count('<form method="post"') == page.count('name="csrfmiddlewaretoken"')
    assert page.count('<form method="post"') >= 1 + 3


def _page_queries(world) -> int:
    web = _web(world, "admin")
    url = f"/projects/{world.project.pk}/columns/"
    web.get(url)  # warm: anything done once (session, column defaults) is not counted
    with CaptureQueriesContext(connection) as queries:
        response = web.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_pages_query_count_is_fixed_as_columns_and_tasks_grow(world):
    small = _page_queries(world)
    for n in range(6):
        _add(world, f"Extra {n}", category=("todo", "in_progress", "done")[n % 3])
    columns = _columns(world)
    owner = UserFactory(email="bulk@example.com")
    Task.objects.bulk_create(
        [
            Task(
                owner=owner,
                project=world.project,
                title=f"T{i}",
                status=columns[i % len(columns)].category,
                column=columns[i % len(columns)],
                position=f"a{i:05d}",
            )
            for i in range(300)
        ]
    )
    assert _page_queries(world) == small
    # user + session token check + membership + task counts + columns + the page
    # frame (project switcher, unread notifications)
    assert small <= 7
