"""Writes of tasks. Pages, API, admin and commands all call these functions.

Every function that changes a task takes the acting user (``actor=``), gets its tasks
from the permission layer (``tasks.permissions``) or from a caller that did, and ends
in ``tasks.events.task_written`` (activity, stats versions, hooks) — once per write
that changed something, never for one that changed nothing.

Correctness never relies on multi-document transactions (a no-op on MongoDB): every
update is a single conditional ``UPDATE ... WHERE version = v`` whose row count says
whether it won, and idempotent creates rest on a unique (owner, key) index.
``transaction.atomic`` is still used where it helps SQL backends keep a task and its
tag rows together; on MongoDB ``_sync_tags`` repairs a half-written tag set.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.preferences import zone_for
from projects import selectors as project_selectors
from projects.inbox import inbox_id_of
from projects.models import Membership, Project, Role, roles_at_least
from taskflow.ids import derived_id
from tasks import board, bulk, checklists, counters, events, permissions, quickadd, recurrence
from tasks.exceptions import IdempotencyConflict, PreconditionFailed, WriteConflict
from tasks.models import (
    DESCRIPTION_MAX,
    TAG_MAX_LENGTH,
    TAGS_MAX,
    ChecklistItem,
    Priority,
    RepeatFrom,
    Status,
    Task,
    TaskTag,
)
from tasks.trash import (
    task_restore,
    task_trash,
    tasks_restore_many,
    tasks_trash_many,
    trash_empty,
    trash_purge,
)

__all__ = [
    "BULK_MAX_IDS",
    "EDITABLE_FIELDS",
    "IdempotencyConflict",
    "PreconditionFailed",
    "WriteConflict",
    "clean_tags",
    "prune_idempotency_keys",
    "request_fingerprint",
    "task_create",
    "task_delete_permanently",
    "task_quick_add",
    "task_restore",
    "task_trash",
    "task_update",
    "tasks_bulk_assign",
    "tasks_bulk_delete",
    "tasks_bulk_move",
    "tasks_bulk_set_status",
    "tasks_delete_many",
    "tasks_restore_many",
    "tasks_trash_many",
    "tasks_unassign_member",
    "trash_empty",
    "trash_purge",
]
EDITABLE_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "due_time",
    "tags",
    "repeat",
    "repeat_from",
    "project_id",
    "assignee_id",
)
BULK_MAX_IDS = 500
_UPDATE_RETRIES = 5


def clean_tags(value: Any) -> list[str]:
    """Tags: at most 10, each 1-32 characters, lower-cased, no commas, no duplicates."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"tags": "Enter a list of tags."})
    tags: list[str] = []
    for raw in value:
        if not isinstance(raw, str):
            raise ValidationError({"tags": "Each tag must be a string."})
        tag = " ".join(raw.split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            raise ValidationError(
                {"tags": f"Tags are at most {TAG_MAX_LENGTH} characters ('{tag[:40]}')."}
            )
        if "," in tag:
            raise ValidationError({"tags": "Tags cannot contain commas."})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ValidationError({"tags": f"At most {TAGS_MAX} tags."})
    return tags


def _prepare(task: Task) -> None:
    """Normalise and validate a task in memory; raises ValidationError (field map)."""
    task.title = (task.title or "").strip()
    task.description = task.description or ""
    task.tags = clean_tags(task.tags)
    task.repeat = recurrence.clean_repeat(task.repeat)
    if task.due_time is not None:
        if task.due_date is None:
            raise ValidationError({"due_time": "Set a due date to set a due time."})
        # Minutes are the unit of a due time (pages, API and quick add speak HH:MM).
        task.due_time = task.due_time.replace(second=0, microsecond=0)
    if len(task.description) > DESCRIPTION_MAX:
        # TextField's max_length is a form hint only; full_clean does not check it.
        raise ValidationError({"description": f"At most {DESCRIPTION_MAX} characters."})
    # Uniqueness is the database's job (unique indexes on every backend); checking it
    # here would cost queries and race anyway.
    # Relations are checked by the callers' permission lookups and _check_assignee.
    task.full_clean(
        exclude=["owner", "project", "assignee", "idempotency_key", "idempotency_fingerprint"],
        validate_unique=False,
        validate_constraints=False,
    )


def _completed_at(old_status: str | None, new_status: str, current: Any) -> Any:
    if new_status != Status.DONE:
        return None
    if old_status == Status.DONE and current is not None:
        return current
    return timezone.now()


def _sync_tags(task: Task, *, new: bool = False) -> None:
    """``new``: the task was inserted in this transaction, so it has no tag rows yet
    (saves a read on every create)."""
    existing: set[str] = (
        set()
        if new
        else set(TaskTag.objects.filter(task_id=task.pk).values_list("name", flat=True))
    )
    wanted = set(task.tags)
    if existing - wanted:
        TaskTag.objects.filter(task_id=task.pk, name__in=list(existing - wanted)).delete()
    missing = [
        TaskTag(task_id=task.pk, owner_id=task.owner_id, name=name)
        for name in task.tags
        if name not in existing
    ]
    if missing and new:
        # On SQL nobody else sees a task inserted in this transaction, so no race and no
        # savepoint; on MongoDB (no transactions) a replay's repair may write them first.
        with contextlib.suppress(IntegrityError):
            TaskTag.objects.bulk_create(missing)
    elif missing:
        # A concurrent writer may have added the same rows; what we wanted is there.
        # The savepoint keeps an enclosing transaction usable after one.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            TaskTag.objects.bulk_create(missing)


def _check_assignee(project_id: str, assignee_id: str | None) -> None:
    """An assignee must be a member of the task's project with role >= editor."""
    if assignee_id is None:
        return
    allowed = Membership.objects.filter(
        project_id=project_id, user_id=assignee_id, role__in=roles_at_least(Role.EDITOR)
    ).exists()
    if not allowed:
        raise ValidationError(
            {"assignee": "The assignee must be a member of the project with role editor or above."}
        )


def request_fingerprint(data: Mapping[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find_by_idempotency_key(actor: Any, key: str) -> Task | None:
    since = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    query = permissions.created_tasks(actor)
    return query.filter(idempotency_key=key, created_at__gte=since).first()


def task_create(
    *,
    actor: Any,
    owner: Any = None,
    project_id: str | None = None,
    project: Project | None = None,
    assignee_id: str | None = None,
    title: str,
    description: str = "",
    status: str = Status.TODO,
    priority: int = Priority.MEDIUM,
    due_date: date | None = None,
    due_time: time | None = None,
    tags: Iterable[str] | None = None,
    repeat: str = "",
    repeat_from: str = RepeatFrom.DUE,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> tuple[Task, bool]:
    """Create a task for ``owner`` (default: the actor); returns (task, created).

    ``project_id`` comes from the caller's permission lookup (role >= editor, e.g.
    ``projects.roles.get_project_for``), or ``project`` itself as that lookup loaded it
    (the write path then reads nothing more about it); without either the task goes to
    the owner's Inbox.
    Only the admin names another owner (an operator creating a task for a user).
    With an idempotency key, a repeat of the same request by the same actor returns
    the first task (created=False, no event) and a different request under the same
    key raises IdempotencyConflict.
    """
    owner = owner if owner is not None else actor
    project_id = project.pk if project is not None else project_id
    if idempotency_key:
        existing = _find_by_idempotency_key(actor, idempotency_key)
        if existing is not None:
            return _replay(existing, fingerprint), False
    if not project_id and assignee_id is not None:
        project_id = inbox_id_of(owner)  # the assignee is checked against it first
    _check_assignee(project_id, assignee_id)
    now = timezone.now()
    task = Task(
        owner=owner,
        project_id=project_id,
        assignee_id=assignee_id,
        title=title,
        description=description,
        status=status,
        priority=priority,
        due_date=due_date,
        due_time=due_time,
        tags=list(tags or []),
        repeat=repeat,
        repeat_from=repeat_from,
        created_at=now,
        updated_at=now,
        idempotency_key=idempotency_key or None,
        idempotency_fingerprint=fingerprint if idempotency_key else "",
    )
    _prepare(task)
    task.completed_at = _completed_at(None, task.status, None)
    # The end of the first column of its status (SPEC §8).
    inbox = None if project_id else board.inbox_placement(owner.pk, task.status)
    if inbox is not None:
        # The Inbox as loaded: the write path reads its owner from it, not again.
        task.project, task.column_id, task.position = inbox
    else:
        task.project_id = project_id = project_id or inbox_id_of(owner)
        task.column_id, task.position = board.placement(project_id, task.status)
        if project is not None:
            task.project = project
    # One INSERT is atomic by itself; tag rows, or the savepoint that keeps an
    # enclosing transaction usable after a lost idempotency race, need a transaction.
    together = transaction.atomic() if task.tags or idempotency_key else contextlib.nullcontext()
    try:
        with together:
            task.save(force_insert=True)
            _sync_tags(task, new=True)
    except IntegrityError:
        # Lost a race with a concurrent request carrying the same key.
        if not idempotency_key:
            raise
        existing = _find_by_idempotency_key(actor, idempotency_key)
        if existing is None:
            # The key's task is one the actor can no longer see (they left its project).
            raise IdempotencyConflict() from None
        return _replay(existing, fingerprint), False
    events.task_written(actor=actor, action=events.CREATED, tasks=[task])
    return task, True


def task_quick_add(
    *, actor: Any, text: str, preview: bool = False, project: Project | None = None
) -> tuple[dict, Task | None]:
    """Parse one line of quick add (tasks/quickadd.py) in the actor's zone and week
    start; create the task unless ``preview``. Returns (what was understood, task or
    None). A preview is validated like a create, so a 200 preview saves as shown.

    ``project`` comes from the caller's permission lookup (role >= editor, as for
    task_create); without it the task goes to the actor's Inbox. In a project, an
    "@name" that names one member who may be assigned (projects.selectors.
    mention_member) becomes the assignee and leaves the title; otherwise (and always in
    the Inbox) the word stays and ``assignee_note`` says why."""
    now = timezone.localtime(timezone.now(), zone_for(actor))
    parsed = quickadd.parse(text, now=now, week_start=actor.week_start)
    assignee, note = None, None
    if parsed.assignee_hint:
        mention = project_selectors.mention_member(project, parsed.assignee_hint)
        assignee, note = mention.user, mention.note or None
    title = parsed.title_without_hint if assignee is not None else parsed.title
    if not title:
        raise ValidationError({"text": "Nothing is left for the title; add a few words."})
    values = {
        "title": title,
        "due_date": parsed.due_date,
        "due_time": parsed.due_time,
        "priority": parsed.priority or Priority.MEDIUM,
        "tags": parsed.tags,
        "repeat": parsed.repeat,
    }
    understood = {
        "assignee_hint": parsed.assignee_hint,
        "assignee": _person(assignee),
        "assignee_note": note,
    }
    if preview:
        candidate = Task(owner=actor, **values)
        _prepare(candidate)
        values.update(title=candidate.title, tags=candidate.tags)
        return {**values, **understood}, None
    task, _ = task_create(
        actor=actor,
        project=project,
        assignee_id=assignee.pk if assignee is not None else None,
        **values,
    )
    return {**values, **understood}, task


def _person(user: Any) -> dict[str, str] | None:
    """A user as the board's cards and quick add show them: id and a display name."""
    if user is None:
        return None
    return {"id": str(user.pk), "name": user.name or user.email}


def _replay(task: Task, fingerprint: str) -> Task:
    if task.idempotency_fingerprint != fingerprint:
        raise IdempotencyConflict()
    _sync_tags(task)  # repairs tag rows if the first request died half-way (MongoDB)
    return task


def task_update(
    *,
    actor: Any,
    task: Task,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Task:
    """Apply ``changes`` to ``task`` with one conditional update.

    ``task`` comes from ``permissions.get_task_for_update`` (or the admin's
    operator scope); a new ``project_id`` from the caller's permission lookup on the
    target project (moving needs editor in both). With ``expected_version`` (If-Match)
    a concurrent write makes this fail with PreconditionFailed and nothing is written.
    Without it, changes are re-applied on top of the latest version, so no concurrent
    write is lost either way. Changes that leave every value as it is write nothing:
    no new version (a client's If-Match stays valid), no event.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    if expected_version is not None and expected_version != task.version:
        raise PreconditionFailed(task.version)
    if "due_date" in changes and changes["due_date"] is None and "due_time" not in changes:
        changes = {**changes, "due_time": None}  # no date, no time of day either
    current = task
    for _ in range(_UPDATE_RETRIES):
        candidate = Task(**{f.attname: getattr(current, f.attname) for f in Task._meta.fields})
        for name, value in changes.items():
            setattr(candidate, name, value)
        _prepare(candidate)
        candidate.completed_at = _completed_at(
            current.status, candidate.status, current.completed_at
        )
        candidate.updated_at = timezone.now()
        changed = {
            name: (getattr(current, name), getattr(candidate, name))
            for name in (*EDITABLE_FIELDS, "completed_at")
            if getattr(current, name) != getattr(candidate, name)
        }
        if not changed:
            return current
        if "project_id" in changed or "assignee_id" in changed:
            _check_assignee(candidate.project_id, candidate.assignee_id)
        if "project_id" in changed or "status" in changed or current.column_id is None:
            # Status and column agree (SPEC §8): the end of the first column of the
            # new status's category, in the (new) project.
            candidate.column_id, candidate.position = board.placement(
                candidate.project_id, candidate.status
            )
            if candidate.column_id != current.column_id:
                changed["column_id"] = (current.column_id, candidate.column_id)
        values = {
            name: getattr(candidate, name)
            for name in (*EDITABLE_FIELDS, "completed_at", "updated_at", "column_id", "position")
        }
        won = Task.objects.filter(pk=current.pk, version=current.version).update(
            **values, version=F("version") + 1
        )
        if won:
            candidate.version = current.version + 1
            if candidate.tags != current.tags:
                _sync_tags(candidate)
            events.task_written(
                actor=actor,
                action=events.UPDATED,
                tasks=[candidate],
                changes=changed,
                previous=[current],
            )
            return candidate
        latest = Task.objects.filter(pk=current.pk).first()
        if expected_version is not None or latest is None:
            raise PreconditionFailed(latest.version if latest else None)
        current = latest
    raise WriteConflict()


def task_delete_permanently(*, actor: Any, task: Task, expected_version: int | None = None) -> None:
    """Delete a task for good (its tag rows, comments and reminders cascade): the API's
    ``DELETE ?permanent=true``, "Delete forever" in the trash, the admin. With If-Match,
    only the version seen. Without it, the latest version: the delete is conditional
    on the version read, so the event (and the counters) see the task as deleted."""
    if expected_version is not None and expected_version != task.version:
        raise PreconditionFailed(task.version)
    current = task
    for _ in range(_UPDATE_RETRIES):
        _, per_model = Task.objects.filter(pk=current.pk, version=current.version).delete()
        if per_model.get(Task._meta.label):
            events.task_written(actor=actor, action=events.DELETED, tasks=[current])
            return
        latest = Task.objects.filter(pk=current.pk).first()
        if latest is None:
            return  # already gone (a concurrent delete): that one told the world
        if expected_version is not None:
            raise PreconditionFailed(latest.version)
        current = latest
    raise WriteConflict()


def _editable_among(actor: Any, ids: Iterable[str]) -> list[Task]:
    # Materialised first: update()/delete() cannot filter across relations on MongoDB,
    # and the event needs to know which tasks (and scopes) were touched.
    query = permissions.editable_tasks(actor).filter(pk__in=list(ids))
    return list(query.only(*counters.ROW_FIELDS))


def tasks_bulk_set_status(*, actor: Any, ids: Iterable[str], status: str) -> int:
    """Set ``status`` on the actor's editable tasks among ``ids``; returns how many
    changed. One event for the whole call (none when nothing changed)."""
    if status not in Status.values:
        raise ValidationError({"status": f"'{status}' is not a valid status."})
    now = timezone.now()
    targets = [task for task in _editable_among(actor, ids) if task.status != status]
    if not targets:
        return 0
    # Each project's tasks go to the end of the first column of the status's category,
    # sharing one key (ordered by id among themselves; a later move between two of them
    # rebalances that column once, tasks.board).
    places = {pid: board.placement(pid, status) for pid in sorted({t.project_id for t in targets})}

    def values(task: Task) -> dict[str, Any] | None:
        if task.status == status or task.deleted_at is not None or task.project_id not in places:
            return None
        column_id, position = places[task.project_id]
        completed_at = now if status == Status.DONE else None
        return {
            "status": status,
            "completed_at": completed_at,
            "updated_at": now,
            "column_id": column_id,
            "position": position,
        }

    before, after = bulk.update_each(targets, values)
    if after:
        events.task_written(
            actor=actor,
            action=events.UPDATED,
            tasks=after,
            changes={"status": (None, status)},
            previous=before,
        )
    return len(after)


def tasks_bulk_delete(*, actor: Any, ids: Iterable[str]) -> int:
    """Move the actor's editable tasks among ``ids`` to the trash; one event for the
    whole call."""
    return tasks_trash_many(actor=actor, tasks=_editable_among(actor, ids))


def tasks_delete_many(*, actor: Any, tasks: Iterable[Task]) -> int:
    """Delete ``tasks`` for good, which the caller took from the permission layer (the
    admin via operator_tasks, the trash via trashed_tasks); one event in all."""
    targets = list(tasks)
    if not targets:
        return 0
    deleted = (
        Task.objects.filter(pk__in=[task.pk for task in targets])
        .delete()[1]
        .get(Task._meta.label, 0)
    )
    if deleted:
        events.task_written(actor=actor, action=events.DELETED, tasks=targets)
    return deleted


def tasks_bulk_move(*, actor: Any, ids: Iterable[str], project_id: str) -> int:
    """Move the actor's editable tasks among ``ids`` into ``project_id`` (which the
    caller resolved with role >= editor). An assignee who may not edit the target
    project is unassigned. One event for the whole call."""
    targets = [t for t in _editable_among(actor, ids) if t.project_id != project_id]
    if not targets:
        return 0
    keep = set(
        Membership.objects.filter(
            project_id=project_id, role__in=roles_at_least(Role.EDITOR)
        ).values_list("user_id", flat=True)
    )
    sources = {t.project_id for t in targets}
    now = timezone.now()
    # The end of each category's first column in the target project (one shared key
    # per status, as in tasks_bulk_set_status).
    places: dict[str, tuple[str, str]] = {}

    def values(task: Task) -> dict[str, Any] | None:
        if task.project_id not in sources or task.deleted_at is not None:
            return None
        if task.status not in places:
            places[task.status] = board.placement(project_id, task.status)
        column_id, position = places[task.status]
        return {
            "project_id": project_id,
            "column_id": column_id,
            "position": position,
            "updated_at": now,
            "assignee_id": task.assignee_id if task.assignee_id in keep else None,
        }

    before, after = bulk.update_each(targets, values)
    if after:
        events.task_written(
            actor=actor,
            action=events.UPDATED,
            tasks=after,
            changes={"project_id": (None, project_id)},
            previous=before,
        )
    return len(after)


def tasks_bulk_assign(*, actor: Any, ids: Iterable[str], assignee_id: str | None) -> int:
    """Assign the actor's editable tasks among ``ids`` to ``assignee_id`` (None to
    unassign). Tasks of projects where the assignee may not edit are left alone
    (the count says how many changed). One event for the whole call."""
    targets = [t for t in _editable_among(actor, ids) if t.assignee_id != assignee_id]
    allowed = {t.project_id for t in targets}
    if assignee_id is not None and targets:
        allowed = set(
            Membership.objects.filter(
                user_id=assignee_id,
                project_id__in=list(allowed),
                role__in=roles_at_least(Role.EDITOR),
            ).values_list("project_id", flat=True)
        )
        targets = [t for t in targets if t.project_id in allowed]
    if not targets:
        return 0
    now = timezone.now()

    def values(task: Task) -> dict[str, Any] | None:
        if task.assignee_id == assignee_id or task.project_id not in allowed:
            return None
        if task.deleted_at is not None:
            return None
        return {"assignee_id": assignee_id, "updated_at": now}

    before, after = bulk.update_each(targets, values)
    if after:
        events.task_written(
            actor=actor,
            action=events.UPDATED,
            tasks=after,
            changes={"assignee_id": (None, assignee_id)},
            previous=before,
        )
    return len(after)


def tasks_unassign_member(*, actor: Any, project_id: str, user_id: str) -> int:
    """Unassign ``user_id``'s tasks in one project (a member removed or demoted to
    viewer), through the write path. Called by projects.services, which checked the
    actor's role."""
    targets = list(
        Task.objects.filter(project_id=project_id, assignee_id=user_id).only(*counters.ROW_FIELDS)
    )
    if not targets:
        return 0
    now = timezone.now()

    def values(task: Task) -> dict[str, Any] | None:
        if task.project_id != project_id or task.assignee_id != user_id:
            return None
        return {"assignee_id": None, "updated_at": now}

    before, after = bulk.update_each(targets, values)
    if after:
        events.task_written(
            actor=actor,
            action=events.UPDATED,
            tasks=after,
            changes={"assignee_id": (user_id, None)},
            previous=before,
        )
    return len(after)


def prune_idempotency_keys(*, now: Any = None) -> int:
    """Forget Idempotency-Keys older than their 24 h lifetime."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_KEY_TTL
    return Task.objects.filter(idempotency_key__isnull=False, created_at__lt=cutoff).update(
        idempotency_key=None, idempotency_fingerprint=""
    )


# --- Import -----------------------------------------------------------------------------

IMPORT_BATCH = 500


class ImportRowsInvalid(Exception):
    """Some rows break the task rules; nothing was written. ``errors`` maps the index of
    each bad row to its ValidationError."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        super().__init__(f"{len(errors)} rows are invalid.")
        self.errors = errors


def imported_task_id(owner: Any, source_id: str) -> str:
    """The id a task exported as ``source_id`` gets when ``owner`` imports it: the same
    on every re-import (so it is found and skipped), different per importer, and never
    the source id itself, so a file naming another user's task neither reveals nor
    touches it."""
    return derived_id("tasks.import", str(owner.pk), source_id)


def tasks_import(*, actor: Any, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Create tasks from validated import rows; returns (created, skipped). See
    tasks_import_rows."""
    created, skipped = tasks_import_rows(actor=actor, rows=rows)
    return len(created), skipped


def tasks_import_rows(
    *, actor: Any, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[int, Task]], int]:
    """Create tasks from validated import rows (task_create's fields, a ``checklist``
    of ``{text, done}`` items, and an optional ``id`` the row was exported under), by
    and for ``actor``; returns (the index of each created row with its task, how many
    were skipped). All or nothing: every row is checked first (the checklist as
    ``checklists.clean_checklist`` checks it) and ImportRowsInvalid lists the bad ones.
    A task's checklist is part of its create: one CREATED event for the whole import.

    A row is skipped when its ``id``, or the id an earlier import of it was given, is
    among the owner's visible tasks: re-importing an export never duplicates and never
    overwrites (the task may have changed since). Rows without ``id`` always create.
    """
    now = timezone.now()
    # Imported tasks go to the importer's Inbox (the import page and command name no
    # project; moving them is one bulk action).
    project_id = inbox_id_of(actor)
    tasks: list[Task] = []
    indexes: list[int] = []
    sources: list[str | None] = []
    items: dict[int, list[tuple[str, bool]]] = {}
    errors: dict[int, ValidationError] = {}
    for index, row in enumerate(rows):
        # Oldest first, a millisecond apart (MongoDB keeps milliseconds): the list shows
        # the file's order, as if the rows had been created one after another.
        created_at = now - timedelta(milliseconds=len(rows) - 1 - index)
        task = Task(
            owner=actor,
            project_id=project_id,
            title=row["title"],
            description=row.get("description", ""),
            status=row.get("status", Status.TODO),
            priority=row.get("priority", Priority.MEDIUM),
            due_date=row.get("due_date"),
            due_time=row.get("due_time"),
            repeat=row.get("repeat") or "",
            repeat_from=row.get("repeat_from") or RepeatFrom.DUE,
            tags=list(row.get("tags") or []),
            created_at=created_at,
            updated_at=created_at,
        )
        try:
            _prepare(task)
            items[index] = checklists.clean_checklist(row.get("checklist") or [])
        except ValidationError as exc:
            errors[index] = exc
            continue
        task.completed_at = _completed_at(None, task.status, None)
        tasks.append(task)
        indexes.append(index)
        sources.append(row.get("id") or None)
    if errors:
        raise ImportRowsInvalid(errors)
    new = _without_known(actor, tasks, sources)
    kept = {id(task) for task in new}  # by identity: a repeated source id shares a pk
    created = [(i, task) for i, task in zip(indexes, tasks, strict=True) if id(task) in kept]
    item_rows = [item for i, task in created for item in checklists.checklist_rows(task, items[i])]
    _place_at_ends(project_id, new)
    try:
        with transaction.atomic():
            for start in range(0, len(new), IMPORT_BATCH):
                batch = new[start : start + IMPORT_BATCH]
                Task.objects.bulk_create(batch)
                TaskTag.objects.bulk_create(
                    [
                        TaskTag(task_id=task.pk, owner_id=actor.pk, name=name)
                        for task in batch
                        for name in task.tags
                    ]
                )
            ChecklistItem.objects.bulk_create(item_rows, batch_size=IMPORT_BATCH)
    except IntegrityError:
        # The same file imported twice at once: one of them inserted these ids first.
        raise WriteConflict("These tasks are being imported by another request.") from None
    if new:
        events.task_written(actor=actor, action=events.CREATED, tasks=new)
    return created, len(tasks) - len(new)


def _place_at_ends(project_id: str, tasks: list[Task]) -> None:
    """Put new tasks at the end of their status's first column, in list order (two
    queries per status, however many tasks)."""
    ends: dict[str, tuple[str, str]] = {}
    for task in tasks:
        if task.status not in ends:
            ends[task.status] = board.placement(project_id, task.status)
        else:
            column_id, key = ends[task.status]
            ends[task.status] = (column_id, board.key_after(key))
        task.column_id, task.position = ends[task.status]


def _without_known(owner: Any, tasks: list[Task], sources: list[str | None]) -> list[Task]:
    """Give rows that carry a source id their import id; drop the rows whose source or
    import id the owner can already see, and repeats within the file."""
    candidates = {s for s in sources if s} | {imported_task_id(owner, s) for s in sources if s}
    ordered = sorted(candidates)
    known: set[str] = set()
    for start in range(0, len(ordered), IMPORT_BATCH):
        batch = ordered[start : start + IMPORT_BATCH]
        known.update(
            permissions.visible_tasks(owner).filter(pk__in=batch).values_list("pk", flat=True)
        )
    new: list[Task] = []
    for task, source in zip(tasks, sources, strict=True):
        if source:
            task.pk = imported_task_id(owner, source)
            if source in known or task.pk in known:
                continue
            known.add(task.pk)
        new.append(task)
    return new
