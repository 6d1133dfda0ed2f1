"""The board API (SPEC §8): columns, moves across and within columns, status <-> column
both ways, WIP warnings, stale moves, and who may do what."""

from __future__ import annotations

import pytest

from projects import columns as column_services
from projects import roles
from projects.models import Column
from tasks import board
from tasks import services as task_services
from tasks.models import Activity, Task
from tests.factories import TaskFactory


def _columns(world) -> dict[str, Column]:
    """The first column of each category."""
    found: dict[str, Column] = {}
    for column in column_services.project_columns(world.project.pk):
        found.setdefault(column.category, column)
    return found


def _make(world, *titles: str, status: str = "todo") -> list[Task]:
    return [
        task_services.task_create(
            actor=world.users["editor"], project_id=world.project.pk, title=t, status=status
        )[0]
        for t in titles
    ]


def _order(column: Column) -> list[str]:
    return list(
        Task.objects.filter(column_id=column.pk)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


def _move(world, who: str, task: Task, **body):
    return world.client(who).post(f"/api/tasks/{task.pk}/move/", body, format="json")


def test_a_new_project_has_three_columns_and_tasks_enter_at_the_end_of_their_status(world):
    cols = column_services.project_columns(world.project.pk)
    assert [(c.name, c.category) for c in cols] == [
        ("To do", "todo"),
        ("In progress", "in_progress"),
        ("Done", "done"),
    ]
    _make(world, "A", "B")
    (done,) = _make(world, "C", status="done")
    by = _columns(world)
    assert _order(by["todo"]) == ["Write the plan", "A", "B"]
    assert done.column_id == by["done"].pk


def test_a_move_across_columns_sets_the_status_and_records_moved(world):
    (task,) = _make(world, "A")
    by = _columns(world)
    response = _move(world, "editor", task, column=by["done"].pk, version=task.version)
    assert response.status_code == 200, response.data
    assert response.data["status"] == "done"
    assert response.data["column"] == by["done"].pk
    assert response["ETag"] == f'"{task.version + 1}"'
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None
    activity = Activity.objects.filter(task_id=task.pk).first()
    assert activity.action == "moved"
    assert activity.changes["status"] == ["todo", "done"]
    assert activity.changes["column"] == [by["todo"].pk, by["done"].pk]


def test_moves_within_a_column_before_and_after(world):
    a, b, c = _make(world, "A", "B", "C")
    todo = _columns(world)["todo"]
    assert _move(world, "editor", c, column=todo.pk, before=a.pk).status_code == 200
    assert _order(todo) == ["Write the plan", "C", "A", "B"]
    a.refresh_from_db()
    assert _move(world, "editor", a, column=todo.pk, after=b.pk).status_code == 200
    assert _order(todo) == ["Write the plan", "C", "B", "A"]
    world.task.refresh_from_db()
    assert _move(world, "editor", world.task, column=todo.pk).status_code == 200  # end
    assert _order(todo) == ["C", "B", "A", "Write the plan"]
    # The status did not change: a move within a column records the new place only.
    assert Task.objects.get(pk=c.pk).status == "todo"


def test_setting_a_status_moves_the_task_to_the_first_column_of_that_category(world):
    (task,) = _make(world, "A")
    membership = roles.get_membership_for(world.users["admin"], world.project.pk)
    review = column_services.column_create(
        actor=world.users["admin"],
        membership=membership,
        name="Review",
        category="in_progress",
    )
    by = _columns(world)  # the first in_progress column is still "In progress"
    response = world.client("editor").patch(
        f"/api/tasks/{task.pk}/", {"status": "in_progress"}, format="json"
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.column_id == by["in_progress"].pk != review.pk
    # And back through a move to the second in_progress column: the status stays.
    assert _move(world, "editor", task, column=review.pk).status_code == 200
    task.refresh_from_db()
    assert (task.status, task.column_id) == ("in_progress", review.pk)


def test_bulk_status_and_bulk_project_moves_keep_status_and_column_together(world):
    a, b = _make(world, "A", "B")
    client = world.client("editor")
    response = client.post(
        "/api/tasks/bulk/",
        {"action": "set_status", "ids": [a.pk, b.pk], "status": "done"},
        format="json",
    )
    assert response.data == {"updated": 2}
    done = _columns(world)["done"]
    assert set(_order(done)) == {"A", "B"}
    other = task_services.task_create(actor=world.users["editor"], title="Mine")[0]
    response = client.post(
        "/api/tasks/bulk/",
        {"action": "move", "ids": [other.pk], "project": world.project.pk},
        format="json",
    )
    assert response.data == {"updated": 1}
    other.refresh_from_db()
    assert other.column_id == _columns(world)["todo"].pk


def test_the_wip_limit_warns_and_never_refuses(world):
    by = _columns(world)
    admin = world.client("admin")
    response = admin.patch(
        f"/api/projects/{world.project.pk}/columns/{by['in_progress'].pk}/",
        {"wip_limit": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["wip_limit"] == 1
    a, b = _make(world, "A", "B")
    for task in (a, b):
        assert _move(world, "editor", task, column=by["in_progress"].pk).status_code == 200
    body = world.client("viewer").get(f"/api/projects/{world.project.pk}/board/").data
    column = next(c for c in body["columns"] if c["column"]["id"] == by["in_progress"].pk)
    assert (column["count"], column["over_limit"]) == (2, True)


def test_a_stale_move_is_412_and_writes_nothing(world):
    (task,) = _make(world, "A")
    done = _columns(world)["done"]
    task_services.task_update(actor=world.users["editor"], task=task, changes={"title": "A2"})
    response = _move(world, "editor", task, column=done.pk, version=task.version)
    assert response.status_code == 412
    assert response.data["code"] == "precondition_failed"
    response = world.client("editor").post(
        f"/api/tasks/{task.pk}/move/",
        {"column": done.pk},
        format="json",
        HTTP_IF_MATCH=f'"{task.version}"',
    )
    assert response.status_code == 412
    assert Task.objects.get(pk=task.pk).status == "todo"


@pytest.mark.parametrize(("who", "expected"), [("viewer", 403), ("outsider", 404)])
def test_a_viewer_cannot_move_and_a_non_member_sees_nothing(world, who, expected):
    done = _columns(world)["done"]
    assert _move(world, who, world.task, column=done.pk).status_code == expected
    assert Task.objects.get(pk=world.task.pk).status == "todo"


@pytest.mark.parametrize(
    ("who", "board", "write"),
    [
        ("owner", 200, 201),
        ("admin", 200, 201),
        ("editor", 200, 403),
        ("viewer", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_board_and_columns_access(world, who, board, write):
    client = world.client(who)
    base = f"/api/projects/{world.project.pk}"
    assert client.get(f"{base}/board/").status_code == board
    assert client.get(f"{base}/columns/").status_code == board
    response = client.post(f"{base}/columns/", {"name": "Q", "category": "todo"}, format="json")
    assert response.status_code == write


def test_bad_moves_are_field_errors(world):
    (task,) = _make(world, "A")
    by = _columns(world)
    other = task_services.task_create(actor=world.users["editor"], title="Inbox task")[0]
    other_column = column_services.project_columns(other.project_id)[0]
    cases = [
        ({"column": other_column.pk}, "column"),
        ({"column": "nope"}, "column"),
        ({"column": by["todo"].pk, "before": other.pk}, "before"),
        ({"column": by["done"].pk, "after": world.task.pk}, "after"),
        ({"column": by["todo"].pk, "before": world.task.pk, "after": world.task.pk}, "before"),
        ({"column": by["todo"].pk, "before": task.pk}, "before"),
    ]
    for body, field in cases:
        response = _move(world, "editor", task, **body)
        assert (response.status_code, field in response.data) == (400, True), body


def test_columns_crud_and_the_rules_of_deleting(world):
    admin = world.client("admin")
    base = f"/api/projects/{world.project.pk}/columns"
    by = _columns(world)
    created = admin.post(
        f"{base}/",
        {"name": "Review", "category": "in_progress", "after": by["todo"].pk},
        format="json",
    )
    assert created.status_code == 201
    names = [c["name"] for c in admin.get(f"{base}/").data]
    assert names == ["To do", "Review", "In progress", "Done"]
    review = created.data["id"]
    renamed = admin.patch(
        f"{base}/{review}/", {"name": "QA", "before": by["todo"].pk}, format="json"
    )
    assert renamed.status_code == 200
    assert next(c["name"] for c in admin.get(f"{base}/").data) == "QA"
    stale = admin.patch(f"{base}/{review}/", {"name": "X"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    # The last column of a category cannot go (a status would have nowhere to live).
    response = admin.delete(f"{base}/{by['done'].pk}/")
    assert response.status_code == 400
    assert response.data["code"] == "last_column_of_category"
    # A column with tasks needs move_to; its tasks take the target's status.
    (task,) = _make(world, "A")
    assert _move(world, "editor", task, column=review).status_code == 200
    response = admin.delete(f"{base}/{review}/")
    assert response.status_code == 400
    assert response.data["code"] == "column_not_empty"
    assert admin.delete(f"{base}/{review}/?move_to={by['done'].pk}").status_code == 204
    task.refresh_from_db()
    assert (task.column_id, task.status) == (by["done"].pk, "done")
    # Re-categorising a column gives its tasks the new status.
    second = admin.post(f"{base}/", {"name": "Later", "category": "todo"}, format="json").data
    task_services.task_update(actor=world.users["editor"], task=task, changes={"status": "todo"})
    task.refresh_from_db()
    assert _move(world, "editor", task, column=second["id"]).status_code == 200
    assert (
        admin.patch(f"{base}/{second['id']}/", {"category": "done"}, format="json").status_code
        == 200
    )
    assert Task.objects.get(pk=task.pk).status == "done"


def test_per_column_pages_follow_the_cursor_without_gaps_or_repeats(world):
    _make(world, *[f"T{i:02}" for i in range(11)])
    client = world.client("viewer")
    body = client.get(f"/api/projects/{world.project.pk}/board/?per_column=5").data
    todo = body["columns"][0]
    seen = [card["title"] for card in todo["cards"]]
    cursor = todo["next"]
    url = f"/api/projects/{world.project.pk}/board/columns/{todo['column']['id']}/cards/"
    while cursor:
        page = client.get(url, {"cursor": cursor, "limit": 5}).data
        seen += [card["title"] for card in page["cards"]]
        cursor = page["next"]
    assert seen == ["Write the plan", *[f"T{i:02}" for i in range(11)]]
    assert client.get(url, {"cursor": "garbage"}).status_code == 400
    assert client.get(f"/api/projects/{world.project.pk}/board/?per_column=0").status_code == 400


def test_board_filters_apply_as_on_the_list(world):
    task_services.task_create(
        actor=world.users["editor"], project_id=world.project.pk, title="Tagged", tags=["x"]
    )
    body = world.client("viewer").get(f"/api/projects/{world.project.pk}/board/?tag=x").data
    assert [c["title"] for col in body["columns"] for c in col["cards"]] == ["Tagged"]
    card = body["columns"][0]["cards"][0]
    assert set(card) >= {"title", "assignee", "due_date", "overdue", "priority", "tags"}
    assert card["comment_count"] == 0


def test_equal_keys_from_concurrent_moves_are_rebalanced_and_keep_their_order(world):
    a, b, c = _make(world, "A", "B", "C")
    todo = _columns(world)["todo"]
    # Two moves that raced into one gap leave equal keys (cards then sort by id).
    Task.objects.filter(pk__in=[a.pk, b.pk]).update(position="i00000")
    before = _order(todo)
    c.refresh_from_db()
    first, _second = sorted([a, b], key=lambda t: t.pk)
    assert _move(world, "editor", c, column=todo.pk, after=first.pk).status_code == 200
    order = _order(todo)
    assert order.index(c.title) == order.index(first.title) + 1
    assert [t for t in order if t != "C"] == [t for t in before if t != "C"]
    keys = list(Task.objects.filter(column_id=todo.pk).values_list("position", flat=True))
    assert len(set(keys)) == len(keys)


def test_long_keys_trigger_a_bounded_rebalance(world, monkeypatch):
    monkeypatch.setattr(board, "KEY_SOFT_MAX", 8)
    a, b, c = _make(world, "A", "B", "C")
    todo = _columns(world)["todo"]
    rebalances = []
    original = board.column_rebalance
    monkeypatch.setattr(
        board, "column_rebalance", lambda cid: rebalances.append(original(cid)) or 0
    )
    for _ in range(30):  # B and C in turn right after A: the gap halves each time
        for task in (b, c):
            task.refresh_from_db()
            assert _move(world, "editor", task, column=todo.pk, after=a.pk).status_code == 200
    assert rebalances
    assert all(n <= 4 for n in rebalances)
    assert max(len(k) for k in Task.objects.values_list("position", flat=True)) <= 8


def test_tasks_written_outside_the_services_are_placed_on_first_read(world):
    TaskFactory(owner=world.users["editor"], project_id=world.project.pk, title="Seeded")
    body = world.client("viewer").get(f"/api/projects/{world.project.pk}/board/").data
    assert "Seeded" in [c["title"] for c in body["columns"][0]["cards"]]


def test_the_database_sorts_keys_as_python_does(world):
    # Digits against letters and prefixes against longer keys: the cases where a
    # locale collation (PostgreSQL's en_US) could differ from byte order.
    keys = ["i00000", "i00009", "i0000a", "i0000z", "i0000z1", "i0000zz", "i00010", "i000a0"]
    todo = column_services.project_columns(world.project.pk)[0]
    for index, key in enumerate(reversed(keys)):
        Task.objects.create(
            owner=world.users["editor"],
            project=world.project,
            title=f"K{index}",
            column=todo,
            position=key,
        )
    stored = list(
        Task.objects.filter(column_id=todo.pk, title__startswith="K")
        .order_by("position", "id")
        .values_list("position", flat=True)
    )
    assert stored == sorted(keys)


def test_imported_tasks_land_in_their_columns_in_file_order(world):
    from tasks.services import tasks_import

    editor = world.users["editor"]
    rows = [{"title": f"I{i}", "status": "done" if i % 2 else "todo"} for i in range(4)]
    assert tasks_import(actor=editor, rows=rows) == (4, 0)
    imported = Task.objects.filter(title__startswith="I")
    for task in imported:
        column = Column.objects.get(pk=task.column_id)
        assert column.category == task.status
    todo = next(c for c in column_services.project_columns(imported[0].project_id))
    assert _order(todo) == ["I0", "I2"]


def test_moving_the_last_card_to_the_end_writes_nothing(world):
    todo = _columns(world)["todo"]
    response = _move(world, "editor", world.task, column=todo.pk, version=1)
    assert response.status_code == 200
    assert response.data["version"] == 1


def test_the_board_and_its_cards_match_the_served_schema(world):
    """The schema must say what the server sends: GET .../board/ is one object (it was
    documented as an array; make fuzz's stateful run found it)."""
    import jsonschema
    import yaml

    client = world.client("viewer")
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]

    def json_schema(node):  # OpenAPI 3.0's `nullable` is JSON Schema's type "null"
        if isinstance(node, list):
            return [json_schema(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node

    def body_schema(path: str) -> dict:
        ok = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        return json_schema({**ok, "components": schema["components"]})

    response = client.get(f"/api/projects/{world.project.pk}/board/?per_column=1")
    assert response.status_code == 200
    jsonschema.validate(response.json(), body_schema("/api/projects/{project_pk}/board/"))
    column = response.json()["columns"][0]
    cards = client.get(
        f"/api/projects/{world.project.pk}/board/columns/{column['column']['id']}/cards/"
    )
    assert cards.status_code == 200
    path = "/api/projects/{project_pk}/board/columns/{column_pk}/cards/"
    jsonschema.validate(cards.json(), body_schema(path))
