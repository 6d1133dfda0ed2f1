"""The checklist API (SPEC §12): tasks/{id}/checklist/ — list, add, edit/tick, move,
delete; the roles table; each write goes through the task's write path (new version
and ETag, activity); bad input is a 400 naming the field."""

from __future__ import annotations

import pytest

from tasks import checklists
from tasks.models import CHECKLIST_ITEMS_MAX, Activity, ChecklistItem, Task
from tests.conftest import client_for
from tests.projects.conftest import ROLES, world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def _url(task, item=None, suffix=""):
    base = f"/api/tasks/{task.pk}/checklist/"
    return f"{base}{item.pk}/{suffix}" if item is not None else base


def _add(task, actor, *texts):
    return [
        checklists.checklist_item_add(actor=actor, task=Task.objects.get(pk=task.pk), text=t)[0]
        for t in texts
    ]


def _texts(client, task):
    response = client.get(_url(task))
    assert response.status_code == 200
    return [(row["text"], row["done"]) for row in response.json()]


def test_add_tick_move_delete_through_the_api(api_client, make_task):
    task = make_task(title="Pack")
    for text in ("Tent", "Stove", "Map"):
        assert api_client.post(_url(task), {"text": text}, format="json").status_code == 201
    rows = api_client.get(_url(task)).json()
    assert [row["text"] for row in rows] == ["Tent", "Stove", "Map"]
    tent, stove, map_ = (row["id"] for row in rows)

    ticked = api_client.patch(f"{_url(task)}{stove}/", {"done": True}, format="json")
    assert ticked.status_code == 200
    assert ticked.json()["done"] is True
    moved = api_client.post(f"{_url(task)}{map_}/move/", {"before": tent}, format="json")
    assert moved.status_code == 200
    renamed = api_client.patch(f"{_url(task)}{tent}/", {"text": "Big tent"}, format="json")
    assert renamed.status_code == 200
    assert _texts(api_client, task) == [("Map", False), ("Big tent", False), ("Stove", True)]

    detail = api_client.get(f"/api/tasks/{task.pk}/").json()
    assert detail["checklist"] == {"done": 1, "total": 3}
    assert api_client.delete(f"{_url(task)}{stove}/").status_code == 204
    assert api_client.get(f"/api/tasks/{task.pk}/").json()["checklist"] == {"done": 0, "total": 2}
    listed = api_client.get("/api/tasks/").json()["results"]
    assert [row["checklist"] for row in listed] == [{"done": 0, "total": 2}]


def test_insert_before_and_after_another_item(api_client, user, make_task):
    task = make_task()
    first, last = _add(task, user, "First", "Last")
    api_client.post(_url(task), {"text": "Middle", "after": first.pk}, format="json")
    api_client.post(_url(task), {"text": "Top", "before": first.pk}, format="json")
    api_client.post(_url(task), {"text": "Done one", "done": True}, format="json")
    assert [t for t, _ in _texts(api_client, task)] == [
        "Top",
        "First",
        "Middle",
        "Last",
        "Done one",
    ]
    assert _texts(api_client, task)[-1] == ("Done one", True)
    moved = api_client.post(_url(task, first, "move/"), {"after": last.pk}, format="json")
    assert moved.status_code == 200
    assert [t for t, _ in _texts(api_client, task)] == [
        "Top",
        "Middle",
        "Last",
        "First",
        "Done one",
    ]


def test_every_write_changes_the_task_etag_and_records_activity(api_client, make_task):
    task = make_task()
    etags = [api_client.get(f"/api/tasks/{task.pk}/")["ETag"]]

    def write(response, status):
        assert response.status_code == status, response.content
        etags.append(api_client.get(f"/api/tasks/{task.pk}/")["ETag"])

    write(api_client.post(_url(task), {"text": "Milk"}, format="json"), 201)
    milk = ChecklistItem.objects.get(task=task)
    write(api_client.post(_url(task), {"text": "Eggs"}, format="json"), 201)
    write(api_client.patch(_url(task, milk), {"done": True}, format="json"), 200)
    write(api_client.patch(_url(task, milk), {"text": "Oat milk"}, format="json"), 200)
    eggs = ChecklistItem.objects.get(task=task, text="Eggs")
    write(api_client.post(_url(task, eggs, "move/"), {"before": milk.pk}, format="json"), 200)
    write(api_client.delete(_url(task, milk)), 204)
    assert len(set(etags)) == len(etags) == 7

    changes = [
        row.changes
        for row in Activity.objects.filter(task_id=task.pk, action="updated").order_by(
            "created_at", "id"
        )
    ]
    assert changes == [
        {"checklist": [None, "[ ] Milk"]},
        {"checklist": [None, "[ ] Eggs"]},
        {"checklist": ["[ ] Milk", "[x] Milk"]},
        {"checklist": ["[x] Milk", "[x] Oat milk"]},
        {"checklist_order": ["Eggs", "Eggs"]},
        {"checklist": ["[x] Oat milk", None]},
    ]
    shown = api_client.get(f"/api/tasks/{task.pk}/activity/").json()["results"][0]
    assert shown["changes"] == {"checklist": ["[x] Oat milk", None]}


def test_a_write_that_changes_nothing_keeps_the_version(api_client, user, make_task):
    task = make_task()
    (item,) = _add(task, user, "Milk")
    version = Task.objects.get(pk=task.pk).version
    response = api_client.patch(_url(task, item), {"text": "  Milk ", "done": False}, format="json")
    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).version == version
    (second,) = _add(task, user, "Eggs")
    version = Task.objects.get(pk=task.pk).version
    # Already right after Milk: nothing to write.
    moved = api_client.post(_url(task, second, "move/"), {"after": item.pk}, format="json")
    assert moved.status_code == 200
    assert Task.objects.get(pk=task.pk).version == version


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 201}, "text"),
        ({"text": 5}, "text"),
        ({"text": "A", "done": "yes"}, "done"),
        ({"text": "A", "before": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, "before"),
        ({"text": "A", "after": "not an id"}, "after"),
        ({"text": "A", "before": "{first}", "after": "{first}"}, "before"),
    ],
)
def test_bad_input_to_create_is_a_400_naming_the_field(api_client, user, make_task, body, field):
    task = make_task()
    (first,) = _add(task, user, "First")
    body = {k: first.pk if v == "{first}" else v for k, v in body.items()}
    response = api_client.post(_url(task), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert ChecklistItem.objects.filter(task=task).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "before"),
        ({"before": "{self}"}, "before"),
        ({"after": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, "after"),
        ({"before": "{other}", "after": "{other}"}, "before"),
        ({"before": "{foreign}"}, "before"),
    ],
)
def test_bad_moves_are_a_400_naming_the_field(api_client, user, make_task, body, field):
    task, elsewhere = make_task(), make_task(title="Elsewhere")
    item, other = _add(task, user, "One", "Two")
    (foreign,) = _add(elsewhere, user, "Not here")
    names = {"{self}": item.pk, "{other}": other.pk, "{foreign}": foreign.pk}
    body = {k: names.get(v, v) for k, v in body.items()}
    response = api_client.post(_url(task, item, "move/"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_patch_refuses_bad_values(api_client, user, make_task):
    task = make_task()
    (item,) = _add(task, user, "Milk")
    for body, field in (({"done": 1}, "done"), ({"text": ""}, "text"), ({"text": None}, "text")):
        response = api_client.patch(_url(task, item), body, format="json")
        assert response.status_code == 400
        assert field in response.json()
    assert ChecklistItem.objects.get(pk=item.pk).text == "Milk"


def test_a_checklist_is_bounded(api_client, user, make_task):
    task = make_task()
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(task=task, text=f"Item {i}", position=f"i{i:05d}")
            for i in range(CHECKLIST_ITEMS_MAX)
        ]
    )
    response = api_client.post(_url(task), {"text": "One more"}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_items_of_another_task_or_malformed_ids_are_404(api_client, user, make_task):
    task, other_task = make_task(), make_task(title="Other")
    (foreign,) = _add(other_task, user, "Elsewhere")
    assert api_client.patch(_url(task, foreign), {"done": True}, format="json").status_code == 404
    assert api_client.delete(_url(task, foreign)).status_code == 404
    assert api_client.patch(f"{_url(task)}nope/", {"done": True}, format="json").status_code == 404
    assert api_client.get("/api/tasks/nope/checklist/").status_code == 404
    assert ChecklistItem.objects.get(pk=foreign.pk).done is False


def test_another_users_task_is_404_for_every_operation(api_client, other_user, make_task):
    task = make_task(owner=other_user)
    (item,) = _add(task, other_user, "Secret")
    assert api_client.get(_url(task)).status_code == 404
    assert api_client.post(_url(task), {"text": "X"}, format="json").status_code == 404
    assert api_client.patch(_url(task, item), {"done": True}, format="json").status_code == 404
    assert (
        api_client.post(_url(task, item, "move/"), {"after": item.pk}, format="json").status_code
        == 404
    )
    assert api_client.delete(_url(task, item)).status_code == 404
    assert ChecklistItem.objects.get(pk=item.pk).done is False


# (method, suffix, body, statuses in ROLES order: owner, admin, editor, viewer, outsider)
MATRIX = [
    ("get", "", None, (200, 200, 200, 200, 404)),
    ("post", "", {"text": "New"}, (201, 201, 201, 403, 404)),
    ("patch", "{item}/", {"done": True}, (200, 200, 200, 403, 404)),
    ("post", "{item}/move/", {"before": "{first}"}, (200, 200, 200, 403, 404)),
    ("delete", "{item}/", None, (204, 204, 204, 403, 404)),
]


@pytest.mark.parametrize(
    ("method", "suffix", "body", "who", "expected"),
    [
        pytest.param(method, suffix, body, who, statuses[i], id=f"{method}-{suffix}-{who}")
        for method, suffix, body, statuses in MATRIX
        for i, who in enumerate(ROLES)
    ],
)
def test_roles(world, method, suffix, body, who, expected):  # noqa: F811
    first, item = _add(world.task, world.users["editor"], "First", "Second")
    names = {"{item}": item.pk, "{first}": first.pk}
    path = _url(world.task) + suffix.replace("{item}", item.pk)
    if body is not None:
        body = {k: names.get(v, v) for k, v in body.items()}
    before = Task.objects.get(pk=world.task.pk).version
    client = client_for(world.users[who])
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == expected
    changed = Task.objects.get(pk=world.task.pk).version != before
    assert changed == (method != "get" and expected < 300)
