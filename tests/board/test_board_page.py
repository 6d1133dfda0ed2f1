"""The board page (SPEC §8): cards with their details, per-column "Show more", WIP
display, and moves without JavaScript (buttons and a column form) through the same
service as the API; a stale move is refused and the board shows the task as it is."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from projects import columns as column_services
from projects.inbox import inbox_id_of
from tasks import comments
from tasks import services as task_services
from tasks.models import Task


def _web(world, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def _url(world) -> str:
    return f"/projects/{world.project.pk}/board/"


def _move_url(world, task) -> str:
    return f"/projects/{world.project.pk}/board/move/{task.pk}/"


def _columns(world):
    return column_services.project_columns(world.project.pk)


def _order(column) -> list[str]:
    return list(
        Task.objects.filter(column_id=column.pk)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


def test_the_board_shows_cards_with_their_details(world):
    task_services.task_update(
        actor=world.users["editor"],
        task=world.task,
        changes={"assignee_id": world.users["editor"].pk, "tags": ["ops"], "priority": 3},
    )
    comments.comment_create(actor=world.users["editor"], task=world.task, body="more")
    html = _web(world, "viewer").get(_url(world)).content.decode()
    assert "Write the plan" in html
    assert "Editor" in html  # the assignee
    assert ">ops<" in html
    assert '2<span class="visually-hidden"> comments' in html
    assert [c.name for c in _columns(world)] == re.findall(
        r'<h2 id="col-h-[^"]+">([^<]+?)\s*<', html
    )
    assert "move-form" not in html  # a viewer reads the board, moves nothing
    assert "Sortable.min.js" not in html


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("owner", 200)])
def test_the_board_is_the_projects_members_only(world, who, status):
    assert _web(world, who).get(_url(world)).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get(_url(world))
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_moves_without_javascript_buttons_and_column_form(world):
    web = _web(world, "editor")
    second, _ = task_services.task_create(
        actor=world.users["editor"], project_id=world.project.pk, title="Second"
    )
    todo, doing, done = _columns(world)
    response = web.post(_move_url(world, second), {"step": "up", "version": second.version})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#card-{second.pk}")
    assert _order(todo) == ["Second", "Write the plan"]
    web.post(_move_url(world, world.task), {"step": "right", "version": 1})
    task = Task.objects.get(pk=world.task.pk)
    assert (task.column_id, task.status) == (doing.pk, "in_progress")
    web.post(_move_url(world, task), {"column": done.pk, "version": task.version})
    assert Task.objects.get(pk=task.pk).status == "done"
    # A step past the edge writes nothing.
    second.refresh_from_db()
    web.post(_move_url(world, second), {"step": "left", "version": second.version})
    assert Task.objects.get(pk=second.pk).version == second.version


def test_the_card_check_completes_and_reopens(world):
    web = _web(world, "editor")
    todo, _, done = _columns(world)
    html = web.get(_url(world)).content.decode()
    assert (
        f'<button form="mv-{world.task.pk}" name="step" value="done" aria-pressed="false"' in html
    )
    response = web.post(_move_url(world, world.task), {"step": "done", "version": 1})
    assert response["Location"].endswith(f"#card-{world.task.pk}")
    task = Task.objects.get(pk=world.task.pk)
    assert (task.status, task.column_id, task.version) == ("done", done.pk, 2)
    assert task.completed_at is not None
    assert 'value="reopen" aria-pressed="true"' in web.get(_url(world)).content.decode()
    # Already done: a second "done" (another tab) writes nothing.
    web.post(_move_url(world, task), {"step": "done", "version": 2})
    assert Task.objects.get(pk=task.pk).version == 2
    response = web.post(
        _move_url(world, task), {"step": "reopen", "version": 2}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"id": task.pk, "column": todo.pk, "status": "todo", "version": 3}
    # A viewer sees no check and cannot post one.
    assert 'class="check"' not in _web(world, "viewer").get(_url(world)).content.decode()
    viewer = _web(world, "viewer").post(_move_url(world, task), {"step": "done"})
    assert viewer.status_code == 403


def test_a_stale_move_is_refused_and_the_board_shows_the_fresh_task(world):
    web = _web(world, "editor")
    task_services.task_update(actor=world.users["owner"], task=world.task, changes={"title": "New"})
    response = web.post(_move_url(world, world.task), {"step": "right", "version": 1}, follow=True)
    assert "was changed by someone else" in response.content.decode()
    assert Task.objects.get(pk=world.task.pk).status == "todo"
    response = web.post(
        _move_url(world, world.task),
        {"step": "right", "version": 1},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 412


def test_drag_and_drop_posts_answer_json(world):
    web = _web(world, "editor")
    second, _ = task_services.task_create(
        actor=world.users["editor"], project_id=world.project.pk, title="Second"
    )
    todo = _columns(world)[0]
    response = web.post(
        _move_url(world, second),
        {"column": todo.pk, "before": world.task.pk, "version": second.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == second.version + 1
    assert _order(todo) == ["Second", "Write the plan"]


def test_a_viewer_cannot_move_from_the_page(world):
    response = _web(world, "viewer").post(_move_url(world, world.task), {"step": "right"})
    assert response.status_code == 403
    assert Task.objects.get(pk=world.task.pk).status == "todo"


def test_show_more_pages_one_column_and_the_wip_limit_shows(world):
    for i in range(24):
        task_services.task_create(
            actor=world.users["editor"], project_id=world.project.pk, title=f"Card {i:02}"
        )
    todo = _columns(world)[0]
    todo.wip_limit = 10
    todo.save()
    web = _web(world, "viewer")
    html = web.get(_url(world)).content.decode()
    assert "Over the limit of 10" in html
    assert "Card 18" in html
    assert "Card 19" not in html
    more = re.search(r'href="\?(column=[^"#]+)#', html)[1].replace("&amp;", "&")
    html = web.get(f"{_url(world)}?{more}").content.decode()
    assert "Card 19" in html
    assert "Card 23" in html
    assert "Card 18" not in html
    assert len(html.encode()) < 100_000


def test_filters_apply_to_the_board(world):
    task_services.task_create(
        actor=world.users["editor"], project_id=world.project.pk, title="Tagged", tags=["x"]
    )
    html = _web(world, "viewer").get(_url(world), {"tag": "x"}).content.decode()
    assert "Tagged" in html
    assert "Write the plan" not in html


def test_board_without_a_project_is_the_inbox_board(client, user):
    # Where `g b` goes outside a project (templates/base.html data-url-board).
    assert client.get("/board/").status_code == 302  # signed out: to the login page
    assert "/accounts/login/" in client.get("/board/")["Location"]
    client.force_login(user)
    response = client.get("/board/")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{inbox_id_of(user)}/board/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("where", ["tasks", "project", "board"])
def test_pages_send_g_b_to_the_project_in_view(world, where):
    web = _web(world, "owner")
    project = world.project.pk
    path = {"tasks": "/tasks/", "project": f"/projects/{project}/", "board": _url(world)}[where]
    page = web.get(path).content.decode()
    expected = "/board/" if where == "tasks" else f"/projects/{project}/board/"
    assert f'data-url-board="{expected}"' in page
