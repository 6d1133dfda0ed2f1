"""tasks.checklists: the services behind checklists (SPEC §12). Each write needs role
>= editor, ends in the task write path (one event, a new version) and leaves the
task's counters equal to its item rows, also after a lost race or a half-done write."""

from __future__ import annotations

import pytest

from tasks import checklists, events, services
from tasks.exceptions import TaskPermissionDenied
from tasks.models import ChecklistItem, Task
from tasks.positions import KEY_SOFT_MAX
from tests.projects.conftest import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(user):
    created, _ = services.task_create(actor=user, title="Trip")
    return created


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def texts(task: Task) -> list[str]:
    return [item.text for item in checklists.task_checklist(task)]


def test_each_write_is_one_event_with_a_new_version(user, task):
    seen: list[events.TaskEvent] = []
    detach = events.subscribe(seen.append)
    try:
        item, written = checklists.checklist_item_add(actor=user, task=fresh(task), text="Tent")
        assert written.version == task.version + 1 == fresh(task).version
        checklists.checklist_item_update(actor=user, task=fresh(task), item=item, done=True)
        checklists.checklist_item_delete(actor=user, task=fresh(task), item=item)
    finally:
        detach()
    assert [(e.action, e.task_ids, dict(e.changes)) for e in seen] == [
        ("updated", (task.pk,), {"checklist": (None, "[ ] Tent")}),
        ("updated", (task.pk,), {"checklist": ("[ ] Tent", "[x] Tent")}),
        ("updated", (task.pk,), {"checklist": ("[x] Tent", None)}),
    ]
    assert fresh(task).version == task.version + 3


def test_a_stale_task_retries_and_the_counters_match_the_rows(user, task):
    stale = fresh(task)
    checklists.checklist_item_add(actor=user, task=fresh(task), text="First")
    # ``stale`` misses that write (an older version): the conditional update loses,
    # re-reads and recounts, so both items are counted.
    _, written = checklists.checklist_item_add(actor=user, task=stale, text="Second", done=True)
    row = fresh(task)
    assert (row.checklist_total, row.checklist_done) == (2, 1)
    assert written.version == row.version == task.version + 2


def test_a_half_done_write_is_repaired_by_the_next(user, task):
    # An item row written without its task update (a process killed in between on a
    # backend without transactions): the next write counts the rows again.
    ChecklistItem.objects.create(task=task, text="Orphan write", position="i00000", done=True)
    checklists.checklist_item_add(actor=user, task=fresh(task), text="Next")
    row = fresh(task)
    assert (row.checklist_total, row.checklist_done) == (2, 1)


def test_a_viewer_may_not_write(world):  # noqa: F811
    viewer = world.users["viewer"]
    (item, _) = checklists.checklist_item_add(
        actor=world.users["editor"], task=world.task, text="Plan"
    )
    version = fresh(world.task).version
    with pytest.raises(TaskPermissionDenied):
        checklists.checklist_item_add(actor=viewer, task=fresh(world.task), text="No")
    with pytest.raises(TaskPermissionDenied):
        checklists.checklist_item_update(actor=viewer, task=fresh(world.task), item=item, done=True)
    with pytest.raises(TaskPermissionDenied):
        checklists.checklist_item_delete(actor=viewer, task=fresh(world.task), item=item)
    assert fresh(world.task).version == version
    assert ChecklistItem.objects.get(pk=item.pk).done is False


def test_step_up_and_down_and_past_the_ends(user, task):
    a, b, c = (
        checklists.checklist_item_add(actor=user, task=fresh(task), text=t)[0] for t in "ABC"
    )
    checklists.checklist_step(actor=user, task=fresh(task), item=c, direction="up")
    assert texts(task) == ["A", "C", "B"]
    checklists.checklist_step(actor=user, task=fresh(task), item=a, direction="down")
    assert texts(task) == ["C", "A", "B"]
    version = fresh(task).version
    c.refresh_from_db()
    b.refresh_from_db()
    checklists.checklist_step(actor=user, task=fresh(task), item=c, direction="up")
    checklists.checklist_step(actor=user, task=fresh(task), item=b, direction="down")
    assert texts(task) == ["C", "A", "B"]
    assert fresh(task).version == version  # past the ends: nothing written


@pytest.mark.parametrize(
    "second_key",
    [
        "i00000" + "0" * 45 + "1",  # only a key longer than KEY_SOFT_MAX fits between
        "i00000",  # the same key (two concurrent inserts into one gap)
    ],
)
def test_a_gap_with_no_short_key_rebalances_and_keeps_the_order(user, task, second_key):
    first = ChecklistItem.objects.create(task=task, text="first", position="i00000")
    ChecklistItem.objects.create(task=task, text="second", position=second_key)
    checklists.checklist_item_add(actor=user, task=fresh(task), text="between", after=first.pk)
    keys = list(ChecklistItem.objects.filter(task=task).values_list("position", flat=True))
    assert max(len(key) for key in keys) <= KEY_SOFT_MAX
    assert len(set(keys)) == 3
    assert texts(task) == ["first", "between", "second"]


def test_many_inserts_into_one_gap_keep_the_order(user, task):
    first, _ = checklists.checklist_item_add(actor=user, task=fresh(task), text="first")
    checklists.checklist_item_add(actor=user, task=fresh(task), text="last")
    for n in range(30):
        checklists.checklist_item_add(actor=user, task=fresh(task), text=f"n{n}", after=first.pk)
    assert texts(task) == ["first", *[f"n{n}" for n in reversed(range(30))], "last"]


def test_deleting_the_task_deletes_its_checklist(user, task):
    checklists.checklist_item_add(actor=user, task=fresh(task), text="Gone with it")
    services.task_delete_permanently(actor=user, task=fresh(task))
    assert not ChecklistItem.objects.filter(task_id=task.pk).exists()


def test_a_task_update_keeps_the_counters(user, task):
    checklists.checklist_item_add(actor=user, task=fresh(task), text="Keep", done=True)
    services.task_update(actor=user, task=fresh(task), changes={"title": "Renamed"})
    row = fresh(task)
    assert (row.title, row.checklist_total, row.checklist_done) == ("Renamed", 1, 1)
