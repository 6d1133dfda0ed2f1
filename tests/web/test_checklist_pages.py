"""Checklists on the pages, without a browser (SPEC §12): the task page's section and
its forms (add, tick, move up/down, delete) work as plain posts; "3/5" shows on list
rows, board cards and dashboard lists; viewers see the list but no forms and get 403
for a post; non-members 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks import checklists, services
from tasks.models import Activity, ChecklistItem, Task
from tests.projects.conftest import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(user):
    # Due today: on the dashboard's "due soon" list too.
    return services.task_create(actor=user, title="Trip", due_date=timezone.localdate())[0]


def _add(task, actor, *texts):
    return [
        checklists.checklist_item_add(actor=actor, task=Task.objects.get(pk=task.pk), text=t)[0]
        for t in texts
    ]


def _order(task) -> list[tuple[str, bool]]:
    return [(i.text, i.done) for i in checklists.task_checklist(task)]


def _page(web, task) -> str:
    return web.get(reverse("tasks:detail", args=[task.pk])).content.decode()


def test_add_an_item_without_javascript(web, task):
    url = reverse("tasks:checklist-add", args=[task.pk])
    response = web.post(url, {"text": "  Tent  "})
    item = ChecklistItem.objects.get(task=task)
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/#item-{item.pk}"
    html = _page(web, task)
    assert f'<li id="item-{item.pk}" class="checklist-item"' in html
    assert '<span class="item-text">Tent</span>' in html
    assert '<span class="checklist-count" id="checklist-count">0/1</span>' in html
    assert "checklist [ ] Tent" not in html  # activity shows "checklist — → [ ] Tent"
    assert "checklist — → [ ] Tent" in html


def test_a_bad_item_keeps_the_text_and_shows_the_error(web, task):
    url = reverse("tasks:checklist-add", args=[task.pk])
    response = web.post(url, {"text": "x" * 201})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="checklist-text-error"' in html
    assert f'value="{"x" * 201}"' in html
    assert "At most 200 characters." in html
    response = web.post(url, {"text": "   "})
    assert response.status_code == 400
    assert "Write what needs doing." in response.content.decode()
    assert not ChecklistItem.objects.filter(task=task).exists()


def test_tick_and_untick_without_javascript(web, user, task):
    (item, _) = _add(task, user, "Tent", "Stove")
    url = reverse("tasks:checklist-tick", args=[task.pk, item.pk])
    html = _page(web, task)
    assert f'action="{url}" class="tick"><input type="hidden" name="csrfmiddlewaretoken"' in html
    assert re.search(
        r'name="done" value="true"><button type="submit" class="check" '
        r'aria-pressed="false" aria-label="Done: “Tent”"',
        html,
    )
    response = web.post(url, {"done": "true"})
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/#item-{item.pk}"
    assert _order(task) == [("Tent", True), ("Stove", False)]
    html = _page(web, task)
    assert f'<li id="item-{item.pk}" class="checklist-item done"' in html
    assert 'aria-pressed="true" aria-label="Done: “Tent”"' in html
    assert ">1/2<" in html
    web.post(url, {"done": "false"})
    assert _order(task) == [("Tent", False), ("Stove", False)]


def test_tick_answers_json_for_the_script(web, user, task):
    (item,) = _add(task, user, "Tent")
    url = reverse("tasks:checklist-tick", args=[task.pk, item.pk])
    response = web.post(url, {"done": "true"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"done": True, "checklist": {"done": 1, "total": 1}}


def test_move_up_and_down_and_delete_without_javascript(web, user, task):
    a, b, c = _add(task, user, "A", "B", "C")
    move = reverse("tasks:checklist-move", args=[task.pk, c.pk])
    assert web.post(move, {"direction": "up"}).status_code == 302
    assert [t for t, _ in _order(task)] == ["A", "C", "B"]
    web.post(reverse("tasks:checklist-move", args=[task.pk, a.pk]), {"direction": "down"})
    assert [t for t, _ in _order(task)] == ["C", "A", "B"]
    html = _page(web, task)
    # The first item cannot go up, the last cannot go down.
    assert re.search(r'aria-label="Move “C” up" disabled>', html)
    assert re.search(r'aria-label="Move “B” down" disabled>', html)
    delete = reverse("tasks:checklist-delete", args=[task.pk, b.pk])
    assert f'formaction="{delete}"' in html
    response = web.post(delete, follow=True)
    assert [t for t, _ in _order(task)] == ["C", "A"]
    assert "Removed “B” from the checklist." in response.content.decode()
    changes = Activity.objects.filter(task_id=task.pk).values_list("changes", flat=True)
    assert [c for c in changes if "checklist_order" in c] == [
        {"checklist_order": ["A", "A"]},
        {"checklist_order": ["C", "C"]},
    ]


def test_badge_on_list_rows_board_cards_and_dashboard(web, user, task):
    bare = services.task_create(actor=user, title="No checklist")[0]
    first, _, _ = _add(task, user, "A", "B", "C")
    checklists.checklist_item_update(
        actor=user, task=Task.objects.get(pk=task.pk), item=first, done=True
    )
    badge = (
        '<span class="checklist-badge" title="Checklist: 1 of 3 done">1/3'
        '<span class="visually-hidden"> checklist items done</span></span>'
    )
    for url in (
        reverse("tasks:list"),
        reverse("tasks:board", args=[task.project_id]),
        reverse("tasks:dashboard"),
    ):
        html = web.get(url).content.decode()
        assert html.count(badge) == 1, url
        assert "No checklist" in html or url == reverse("tasks:dashboard")
    assert bare.checklist_total == 0


def test_the_badge_marks_a_finished_checklist(web, user, task):
    (item,) = _add(task, user, "Only")
    checklists.checklist_item_update(
        actor=user, task=Task.objects.get(pk=task.pk), item=item, done=True
    )
    assert (
        'class="checklist-badge complete" title="Checklist: 1 of 1 done">1/1'
        in web.get(reverse("tasks:list")).content.decode()
    )


def test_viewers_see_the_checklist_but_no_forms_and_get_403(world):  # noqa: F811
    (item,) = _add(world.task, world.users["editor"], "Plan")
    viewer = Client()
    viewer.force_login(world.users["viewer"])
    html = _page(viewer, world.task)
    assert '<span class="item-text">Plan</span>' in html
    assert reverse("tasks:checklist-add", args=[world.task.pk]) not in html
    assert reverse("tasks:checklist-tick", args=[world.task.pk, item.pk]) not in html
    posts = [
        (reverse("tasks:checklist-add", args=[world.task.pk]), {"text": "No"}),
        (reverse("tasks:checklist-tick", args=[world.task.pk, item.pk]), {"done": "true"}),
        (reverse("tasks:checklist-move", args=[world.task.pk, item.pk]), {"direction": "up"}),
        (reverse("tasks:checklist-delete", args=[world.task.pk, item.pk]), {}),
    ]
    outsider = Client()
    outsider.force_login(world.users["outsider"])
    for url, body in posts:
        assert viewer.post(url, body).status_code == 403, url
        assert outsider.post(url, body).status_code == 404, url
    assert _order(world.task) == [("Plan", False)]


def test_an_item_of_another_task_is_404(web, user, task):
    other = services.task_create(actor=user, title="Other")[0]
    (foreign,) = _add(other, user, "Elsewhere")
    url = reverse("tasks:checklist-tick", args=[task.pk, foreign.pk])
    assert web.post(url, {"done": "true"}).status_code == 404
    assert web.get(reverse("tasks:checklist-add", args=[task.pk])).status_code == 405
    assert ChecklistItem.objects.get(pk=foreign.pk).done is False
