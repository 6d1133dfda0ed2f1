"""Board columns (SPEC §8): reads and the admin's writes (create, rename, reorder,
change the WIP limit or category, delete with ``move_to``).

Every project has at least one column of each category (todo, in_progress, done), so
"a status moves the task to the first column of that category" always has a target:
a column cannot be deleted or re-categorised if it is the last of its category.

No transactions (MongoDB): the default columns have ids derived from (project,
category), so a repeated or concurrent ``columns_ensure`` inserts them once; other
writes are one conditional update on the column's version. Moving a deleted column's
cards goes through ``tasks.board`` (the task write path).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404

from projects import roles
from projects.exceptions import ProjectPreconditionFailed
from projects.models import (
    COLUMN_NAME_MAX,
    DEFAULT_COLUMNS,
    Column,
    ColumnCategory,
    Membership,
)
from taskflow.exceptions import ApplicationError
from taskflow.ids import derived_id, is_valid_id
from tasks.positions import key_between, spread_keys

COLUMNS_MAX = 30
WIP_LIMIT_MAX = 10_000


class LastColumnOfCategory(ApplicationError):
    status = 400
    code = "last_column_of_category"
    default_detail = (
        "A board keeps at least one column per status (to do, in progress, done); "
        "add another column of this status first."
    )


class ColumnNotEmpty(ApplicationError):
    status = 400
    code = "column_not_empty"
    default_detail = "This column has tasks: name the column they move to (move_to)."


def default_column_id(project_id: str, category: str) -> str:
    return derived_id("projects.column", project_id, category)


def columns_ensure(project_id: str) -> None:
    """Create the default To do / In progress / Done columns unless the project has
    columns. Idempotent and race-safe (derived ids: a second insert is a no-op)."""
    if Column.objects.filter(project_id=project_id).exists():
        return
    for (name, category), key in zip(DEFAULT_COLUMNS, spread_keys(3), strict=True):
        try:
            with transaction.atomic():
                Column.objects.create(
                    id=default_column_id(project_id, category),
                    project_id=project_id,
                    name=name,
                    category=category,
                    position=key,
                )
        except IntegrityError:
            pass  # a concurrent call created it


def project_columns(project_id: str) -> list[Column]:
    """The project's columns in board order (created if it has none)."""
    columns = list(Column.objects.filter(project_id=project_id).order_by("position", "id"))
    if not columns:
        columns_ensure(project_id)
        columns = list(Column.objects.filter(project_id=project_id).order_by("position", "id"))
    return columns


def first_column_of(project_id: str, category: str) -> Column:
    """The first column (board order) whose category is ``category``."""
    query = Column.objects.filter(project_id=project_id, category=category).order_by(
        "position", "id"
    )
    column = query.first()
    if column is None:
        columns_ensure(project_id)
        column = query.first()
    if column is None:  # columns exist but none of this category: cannot happen via services
        raise LastColumnOfCategory()
    return column


def get_column(project_id: str, column_id: Any) -> Column:
    """A column of the project, or 404 (a malformed id or another project's column)."""
    if not is_valid_id(column_id):
        raise Http404("No such column.")
    column = Column.objects.filter(project_id=project_id, pk=column_id).first()
    if column is None:
        raise Http404("No such column.")
    return column


def columns_of(project_id: str) -> QuerySet[Column]:
    return Column.objects.filter(project_id=project_id).order_by("position", "id")


def _clean(name: Any, category: Any, wip_limit: Any) -> None:
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "Enter a name."
    elif len(name.strip()) > COLUMN_NAME_MAX:
        errors["name"] = f"At most {COLUMN_NAME_MAX} characters."
    if category not in ColumnCategory.values:
        errors["category"] = f"One of {', '.join(ColumnCategory.values)}."
    if wip_limit is not None and (
        isinstance(wip_limit, bool)
        or not isinstance(wip_limit, int)
        or not 1 <= wip_limit <= WIP_LIMIT_MAX
    ):
        errors["wip_limit"] = f"A whole number from 1 to {WIP_LIMIT_MAX}, or null."
    if errors:
        raise ValidationError(errors)


def _key_next_to(
    project_id: str, *, before: str | None, after: str | None, exclude: str | None = None
) -> str:
    """A position key for a column placed before/after another (default: at the end)."""
    ordered = [c for c in columns_of(project_id).only("pk", "position") if c.pk != exclude]
    if before is not None or after is not None:
        anchor_id = before if before is not None else after
        index = next((i for i, c in enumerate(ordered) if c.pk == anchor_id), None)
        if index is None:
            field = "before" if before is not None else "after"
            raise ValidationError({field: "Not a column of this project."})
        if after is not None:
            index += 1
    else:
        index = len(ordered)
    low = ordered[index - 1].position if index > 0 else None
    high = ordered[index].position if index < len(ordered) else None
    try:
        return key_between(low, high)
    except ValueError:
        # Equal keys (two columns moved into one gap at once): spread them out once.
        for column, key in zip(ordered, spread_keys(len(ordered)), strict=True):
            Column.objects.filter(pk=column.pk, position=column.position).update(position=key)
        return _key_next_to(project_id, before=before, after=after, exclude=exclude)


def column_create(
    *,
    actor: Any,
    membership: Membership,
    name: str,
    category: str,
    wip_limit: int | None = None,
    before: str | None = None,
    after: str | None = None,
) -> Column:
    """Add a column (admin+), at the end unless ``before``/``after`` names one."""
    roles.require_role(membership.role, roles.MANAGE)
    project_id = membership.project_id
    _clean(name, category, wip_limit)
    project_columns(project_id)  # the defaults first, so a new column comes after them
    if Column.objects.filter(project_id=project_id).count() >= COLUMNS_MAX:
        raise ValidationError({"name": f"A board has at most {COLUMNS_MAX} columns."})
    position = _key_next_to(project_id, before=before, after=after)
    return Column.objects.create(
        project_id=project_id,
        name=name.strip(),
        category=category,
        wip_limit=wip_limit,
        position=position,
    )


def column_update(
    *,
    actor: Any,
    membership: Membership,
    column: Column,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Column:
    """Rename, re-categorise, change the WIP limit or move (``before``/``after``) a
    column (admin+); one conditional update on its version. Re-categorising moves no
    card: the column's tasks take the new status through tasks.board."""
    roles.require_role(membership.role, roles.MANAGE)
    if expected_version is not None and expected_version != column.version:
        raise ProjectPreconditionFailed()
    name = changes.get("name", column.name)
    category = changes.get("category", column.category)
    wip_limit = changes.get("wip_limit", column.wip_limit)
    _clean(name, category, wip_limit)
    values: dict[str, Any] = {"name": name.strip(), "category": category, "wip_limit": wip_limit}
    if category != column.category and _is_last_of_category(column):
        raise LastColumnOfCategory()
    if changes.get("before") is not None or changes.get("after") is not None:
        if column.pk in (changes.get("before"), changes.get("after")):
            raise ValidationError({"before": "A column cannot be placed next to itself."})
        values["position"] = _key_next_to(
            column.project_id,
            before=changes.get("before"),
            after=changes.get("after"),
            exclude=column.pk,
        )
    won = Column.objects.filter(pk=column.pk, version=column.version).update(
        **values, version=F("version") + 1
    )
    if not won:
        raise ProjectPreconditionFailed()
    updated = Column.objects.get(pk=column.pk)
    if category != column.category:
        from tasks import board

        board.column_recategorised(actor=actor, column=updated, old_category=column.category)
    return updated


def _is_last_of_category(column: Column) -> bool:
    others = Column.objects.filter(project_id=column.project_id, category=column.category)
    return not others.exclude(pk=column.pk).exists()


def column_delete(
    *, actor: Any, membership: Membership, column: Column, move_to: str | None = None
) -> None:
    """Delete a column (admin+). Its tasks, if any, move to ``move_to`` (another column
    of the project; they take its status) through the task write path first."""
    from tasks import board

    roles.require_role(membership.role, roles.MANAGE)
    if _is_last_of_category(column):
        raise LastColumnOfCategory()
    if board.column_has_tasks(column):
        if move_to is None:
            raise ColumnNotEmpty()
        if move_to == column.pk:
            raise ValidationError({"move_to": "Name another column."})
        target = Column.objects.filter(project_id=column.project_id, pk=move_to).first()
        if target is None:
            raise ValidationError({"move_to": "Not a column of this project."})
        board.move_all(actor=actor, source=column, target=target)
    Column.objects.filter(pk=column.pk).delete()
