"""Checklists inside a task (SPEC §12): reads and writes of ``ChecklistItem``.

Every write takes ``actor=``, needs role >= editor in the task's project (the caller
got the task from the permission layer, so a task the actor cannot see was a 404
already; a viewer gets ``TaskPermissionDenied``, a 403), and ends like every task
write: the task's version goes up (its ETag changes), its ``checklist_total`` /
``checklist_done`` counters are set, and ``events.task_written`` records the activity,
bumps the stats versions and tells the hooks.

No transactions (MongoDB): the item row is written first, then the task with one
conditional update on the version read *before* the items were counted. A concurrent
item write either lands before the count (and is counted) or bumps the version first
(and this update loses and recounts), so the counters always end equal to the rows,
and a write that died between the two steps is repaired by the next one.

Items sort by ``(position, id)`` with the board's keys (``tasks.positions``): adding
and reordering write one item row; a rare rebalance rewrites the (short) list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from taskflow.ids import is_valid_id
from tasks import events, permissions
from tasks.exceptions import TaskPermissionDenied, WriteConflict
from tasks.models import CHECKLIST_ITEMS_MAX, CHECKLIST_TEXT_MAX, ChecklistItem, Task
from tasks.positions import KEY_SOFT_MAX, NoKeyBetween, key_between, spread_keys

__all__ = [
    "checklist_copy",
    "checklist_item_add",
    "checklist_item_delete",
    "checklist_item_move",
    "checklist_item_update",
    "checklist_rows",
    "checklist_step",
    "clean_checklist",
    "get_checklist_item",
    "step_neighbour",
    "task_checklist",
]

_RETRIES = 5
# How an item appears in activity: Markdown's task-list syntax, so a tick reads
# "[ ] Buy milk → [x] Buy milk".
_UNDONE, _DONE = "[ ] ", "[x] "


def task_checklist(task: Task) -> QuerySet[ChecklistItem]:
    """The items of a task the caller may see, in order."""
    return ChecklistItem.objects.filter(task_id=task.pk).order_by("position", "id")


def get_checklist_item(task: Task, item_id: Any) -> ChecklistItem:
    """One item of ``task`` (which the caller may see), else Http404: a malformed id,
    another task's item and a missing one are alike."""
    if not is_valid_id(item_id):
        raise Http404("No such checklist item.")
    item = ChecklistItem.objects.filter(pk=item_id, task_id=task.pk).first()
    if item is None:
        raise Http404("No such checklist item.")
    return item


def _require_edit(actor: Any, task: Task) -> None:
    if not permissions.can_edit(actor, task):
        raise TaskPermissionDenied()


def _clean_text(text: Any) -> str:
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise ValidationError({"text": "Write what needs doing."})
    if len(value) > CHECKLIST_TEXT_MAX:
        raise ValidationError({"text": f"At most {CHECKLIST_TEXT_MAX} characters."})
    return value


def clean_checklist(items: Iterable[Mapping[str, Any]]) -> list[tuple[str, bool]]:
    """A whole checklist given with its task (an import): ``(text, done)`` in order,
    each text checked as ``checklist_item_add`` checks it, at most
    CHECKLIST_ITEMS_MAX items. Raises ValidationError({"checklist": "item N: ..."})."""
    cleaned: list[tuple[str, bool]] = []
    for number, item in enumerate(items, start=1):
        try:
            cleaned.append((_clean_text(item.get("text")), bool(item.get("done", False))))
        except ValidationError as exc:
            message = " ".join(exc.message_dict["text"])
            raise ValidationError({"checklist": f"item {number}: {message}"}) from None
    if len(cleaned) > CHECKLIST_ITEMS_MAX:
        raise ValidationError(
            {"checklist": f"A checklist holds at most {CHECKLIST_ITEMS_MAX} items."}
        )
    return cleaned


def checklist_copy(task: Task) -> list[tuple[str, bool]]:
    """``task``'s items as the next occurrence of a repeating task starts them: same
    texts, same order, none ticked."""
    return [(text, False) for text in task_checklist(task).values_list("text", flat=True)]


def checklist_rows(task: Task, items: list[tuple[str, bool]]) -> list[ChecklistItem]:
    """Unsaved items of a task being created, in order (evenly spaced keys), and the
    task's counters to match. The caller inserts them with the task and ends in one
    CREATED event: a new task's checklist is part of its create, not item writes."""
    task.checklist_total = len(items)
    task.checklist_done = sum(1 for _, done in items if done)
    return [
        ChecklistItem(task_id=task.pk, text=text, done=done, position=key)
        for (text, done), key in zip(items, spread_keys(len(items)), strict=True)
    ]


def _label(text: str | None, done: bool) -> str | None:
    return None if text is None else (_DONE if done else _UNDONE) + text


def _anchor(task: Task, item_id: Any, field: str, moving: str | None = None) -> ChecklistItem:
    if not is_valid_id(item_id) or item_id == moving:
        raise ValidationError({field: "Not another item of this checklist."})
    anchor = ChecklistItem.objects.filter(pk=item_id, task_id=task.pk).first()
    if anchor is None:
        raise ValidationError({field: "Not another item of this checklist."})
    return anchor


def _rebalance(task_id: str) -> None:
    """Evenly spaced short keys in the current order; each update is conditional on
    the key read, so an item moved meanwhile keeps its new place."""
    rows = list(
        ChecklistItem.objects.filter(task_id=task_id)
        .order_by("position", "id")
        .values_list("pk", "position")
    )
    for (pk, old), new in zip(rows, spread_keys(len(rows)), strict=True):
        if old != new:
            ChecklistItem.objects.filter(pk=pk, position=old).update(position=new)


def _key_for(task: Task, before: Any, after: Any, moving: str | None = None) -> str:
    """The key right before ``before`` / after ``after`` / at the end (neither), among
    the task's items other than ``moving``; rebalances once when no short key fits."""
    if before is not None and after is not None:
        raise ValidationError({"before": "Name before or after, not both."})
    key = ""
    for attempt in range(2):
        items = ChecklistItem.objects.filter(task_id=task.pk)
        if moving is not None:
            items = items.exclude(pk=moving)
        if after is not None:
            anchor = _anchor(task, after, "after", moving)
            low: str | None = anchor.position
            later = Q(position__gt=low) | Q(position=low, pk__gt=anchor.pk)
            high = items.filter(later).order_by("position", "id")
            high_key = high.values_list("position", flat=True).first()
        elif before is not None:
            anchor = _anchor(task, before, "before", moving)
            high_key = anchor.position
            earlier = Q(position__lt=high_key) | Q(position=high_key, pk__lt=anchor.pk)
            low = items.filter(earlier).order_by("-position", "-id")
            low = low.values_list("position", flat=True).first()
        else:
            low = items.order_by("-position", "-id").values_list("position", flat=True).first()
            high_key = None
        try:
            key = key_between(low, high_key)
        except NoKeyBetween:
            key = ""
        if key and len(key) <= KEY_SOFT_MAX:
            return key
        if attempt == 0:
            _rebalance(task.pk)
    if key:
        return key  # long but valid: a concurrent move kept the rebalance from helping
    raise WriteConflict("The checklist is being reordered by others; try again.")


def _written(actor: Any, task: Task, changes: dict[str, tuple[Any, Any]]) -> Task:
    """The task's half of an item write: recount, bump the version, tell the world.
    Returns the task as written (new version and counters)."""
    current = task
    for _ in range(_RETRIES):
        counts = ChecklistItem.objects.filter(task_id=task.pk).aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(done=True))
        )
        now = timezone.now()
        won = Task.objects.filter(pk=current.pk, version=current.version).update(
            checklist_total=counts["total"],
            checklist_done=counts["done"],
            updated_at=now,
            version=F("version") + 1,
        )
        if won:
            current.checklist_total, current.checklist_done = counts["total"], counts["done"]
            current.updated_at, current.version = now, current.version + 1
            events.task_written(
                actor=actor, action=events.UPDATED, tasks=[current], changes=changes
            )
            return current
        latest = Task.objects.filter(pk=task.pk).first()
        if latest is None:
            raise Http404("No such task.")  # deleted meanwhile (its items went with it)
        current = latest
    raise WriteConflict()


def checklist_item_add(
    *,
    actor: Any,
    task: Task,
    text: Any,
    done: bool = False,
    before: Any = None,
    after: Any = None,
) -> tuple[ChecklistItem, Task]:
    """Add an item (at the end, or right before/after another item); returns the item
    and the task as written."""
    _require_edit(actor, task)
    value = _clean_text(text)
    if ChecklistItem.objects.filter(task_id=task.pk).count() >= CHECKLIST_ITEMS_MAX:
        raise ValidationError({"text": f"A checklist holds at most {CHECKLIST_ITEMS_MAX} items."})
    item = ChecklistItem.objects.create(
        task_id=task.pk, text=value, done=bool(done), position=_key_for(task, before, after)
    )
    task = _written(actor, task, {"checklist": (None, _label(value, item.done))})
    return item, task


def checklist_item_update(
    *, actor: Any, task: Task, item: ChecklistItem, text: Any = None, done: bool | None = None
) -> tuple[ChecklistItem, Task]:
    """Change an item's text and/or tick it (``done``); a change to nothing writes
    nothing (no new version, no activity)."""
    _require_edit(actor, task)
    values: dict[str, Any] = {}
    if text is not None:
        value = _clean_text(text)
        if value != item.text:
            values["text"] = value
    if done is not None and bool(done) != item.done:
        values["done"] = bool(done)
    if not values:
        return item, task
    old = _label(item.text, item.done)
    if not ChecklistItem.objects.filter(pk=item.pk, task_id=task.pk).update(**values):
        raise Http404("No such checklist item.")  # deleted meanwhile
    for name, value in values.items():
        setattr(item, name, value)
    task = _written(actor, task, {"checklist": (old, _label(item.text, item.done))})
    return item, task


def checklist_item_move(
    *, actor: Any, task: Task, item: ChecklistItem, before: Any = None, after: Any = None
) -> tuple[ChecklistItem, Task]:
    """Put ``item`` right before ``before`` or right after ``after`` (another item of
    the same checklist). Already there: nothing is written."""
    _require_edit(actor, task)
    if before is None and after is None:
        raise ValidationError({"before": "Name before or after."})
    if _already_there(task, item, before, after):
        return item, task
    position = _key_for(task, before, after, moving=item.pk)
    if not ChecklistItem.objects.filter(pk=item.pk, task_id=task.pk).update(position=position):
        raise Http404("No such checklist item.")
    item.position = position
    task = _written(actor, task, {"checklist_order": (item.text, item.text)})
    return item, task


def _already_there(task: Task, item: ChecklistItem, before: Any, after: Any) -> bool:
    """Whether ``item`` already sits right before ``before`` / right after ``after``."""
    neighbour = step_neighbour(task, item, "down" if before is not None else "up")
    return neighbour is not None and neighbour.pk == (before if before is not None else after)


def checklist_item_delete(*, actor: Any, task: Task, item: ChecklistItem) -> Task:
    """Delete an item; returns the task as written (a concurrent delete of the same
    item wrote already: nothing more)."""
    _require_edit(actor, task)
    deleted, _ = ChecklistItem.objects.filter(pk=item.pk, task_id=task.pk).delete()
    if not deleted:
        return task
    return _written(actor, task, {"checklist": (_label(item.text, item.done), None)})


def step_neighbour(task: Task, item: ChecklistItem, direction: str) -> ChecklistItem | None:
    """The item right above (``up``) or below (``down``) ``item``, if any."""
    items = ChecklistItem.objects.filter(task_id=task.pk).exclude(pk=item.pk)
    here = Q(position=item.position)
    if direction == "up":
        earlier = Q(position__lt=item.position) | (here & Q(pk__lt=item.pk))
        return items.filter(earlier).order_by("-position", "-id").first()
    later = Q(position__gt=item.position) | (here & Q(pk__gt=item.pk))
    return items.filter(later).order_by("position", "id").first()


def checklist_step(
    *, actor: Any, task: Task, item: ChecklistItem, direction: str
) -> tuple[ChecklistItem, Task]:
    """The task page's ↑/↓ buttons: swap places with the neighbour above or below (a
    step past the end writes nothing)."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Choose up or down."})
    _require_edit(actor, task)
    neighbour = step_neighbour(task, item, direction)
    if neighbour is None:
        return item, task
    if direction == "up":
        return checklist_item_move(actor=actor, task=task, item=item, before=neighbour.pk)
    return checklist_item_move(actor=actor, task=task, item=item, after=neighbour.pk)
