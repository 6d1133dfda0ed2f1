"""The permission layer for tasks: the one module that knows who may read, change and
hear about which task. Nothing else filters tasks by owner (an architecture test
greps for it). Project roles live beside it in ``projects.roles``.

A task belongs to a project; access is the caller's membership role there (SPEC §7).
A task in the trash (``deleted_at`` set, SPEC §12) is gone for every read and write
below; only ``trashed_tasks`` / ``get_trashed_task`` reach it (the trash page and API,
restore, delete forever). This module is the one place that hides it:

- ``visible_tasks(user)``: tasks of the projects where ``user`` is a member. Every read
  (lists, detail, stats, exports, the board). ``scope_indexed=False``: the same rows for
  a search that finds its matches first (``tasks.search_backends.reads_matches_first``).
- ``editable_tasks(user)`` / ``get_task_for_update(user, id)``: role >= editor. Every
  write; a task the user cannot see is a 404 (indistinguishable from a missing one), a
  task the user can see but not change is ``TaskPermissionDenied`` (403).
- ``member_project_id_list(user)`` / ``in_member_projects(tasks, ids)``: a list page
  over all of the user's projects reads their ids first (one query) and names them in
  its page query, so that a one-project list is read in index order.
- ``created_tasks(user)``: the Idempotency-Key lookup (keys stay per (user, key), so
  one member's retried request can never replay another member's task).
- ``operator_tasks(user)``: the admin. Superusers (operators) see and change every
  task there, through the same services; other staff see what they may see.
- ``task_scopes`` / ``user_scopes``: the cache scopes (``stats_cache`` versions) a
  write must bump and a reader's stats depend on: ``project:<id>`` for per-project
  stats, ``user:<id>`` for a user's own ("mine": assigned to them + their Inbox).

Each function is one query whatever the number of members, projects or tasks: the
membership lookup is a subquery (``projects.roles.member_project_ids``). The two
hottest, ``visible_tasks`` and ``editable_tasks``, are built once per thread and user
and handed out as clones (``taskflow.query_shapes``): the subquery reads the
memberships when each statement runs, so a reused shape grants exactly what a new one
would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404

from projects import membership_cache, roles
from projects.models import Project, Role
from taskflow import query_shapes
from taskflow.ids import is_valid_id
from tasks.exceptions import TaskPermissionDenied
from tasks.models import Task


def _is_user(user: Any) -> bool:
    return user is not None and user.is_authenticated


def live_tasks() -> QuerySet[Task]:
    """Every task not in the trash, whoever asks: the base of every read below, and of
    the reads that belong to no user (the board's neighbours and keys)."""
    return Task.objects.filter(deleted_at__isnull=True)


def _trash() -> QuerySet[Task]:
    return Task.objects.filter(deleted_at__isnull=False)


def visible_tasks(user: Any, *, scope_indexed: bool = True) -> QuerySet[Task]:
    """The tasks ``user`` may read. Built once per thread and user (the membership is
    read by the subquery when the statement runs, never here: ``taskflow.query_shapes``).

    ``scope_indexed=False``: the same rows and the same subquery, as the condition of a
    ``CASE WHEN`` that no index serves. The database then cannot read the user's
    projects' tasks through the project index; it finds the rows another way (the
    search index) and checks the membership on each, read once (PostgreSQL: a hashed
    subplan; an expression on the column alone, ``COALESCE(project_id, '') IN (…)``,
    still became a join, which repeated the search index's scan once per project). For a
    search of a user with many tasks (``tasks.search_backends.reads_matches_first``);
    any other read would scan the table."""
    if not _is_user(user):
        return Task.objects.none()
    if scope_indexed:
        return query_shapes.reuse(
            ("visible_tasks", user.pk),
            lambda: live_tasks().filter(project_id__in=roles.member_project_ids(user)),
        )
    return query_shapes.reuse(
        ("visible_tasks_unindexed", user.pk),
        lambda: live_tasks().filter(
            Case(
                When(project_id__in=roles.member_project_ids(user), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        ),
    )


# A user in more projects than this lists with the subquery alone: across projects the
# database sorts the rows whatever the form, and a long list of values only costs.
LISTED_PROJECTS_MAX = 50


def member_project_id_list(user: Any) -> list[str]:
    """The ids of the projects where ``user`` is a member, read now (one small indexed
    read, a row per project; with a shared cache no query: ``projects.membership_cache``),
    sorted: for ``in_member_projects`` and the keys of cached list totals
    (``selectors.list_count``)."""
    if not _is_user(user):
        return []
    cached = membership_cache.rows(user)
    if cached is not None:
        return sorted(row.project_id for row in cached)
    return sorted(
        str(pk) for pk in roles.member_project_ids(user).values_list("project_id", flat=True)
    )


def member_project_cache_keys(user_id: str) -> list[str]:
    """The shared cache's keys ``member_project_id_list`` reads for this user on a hit."""
    return membership_cache.cache_keys(user_id)


def in_member_projects(tasks: QuerySet[Task], project_ids: list[str]) -> QuerySet[Task]:
    """``tasks`` (already scoped here) narrowed to the reader's projects written out as
    values (``member_project_id_list``), for a list page. Behind a subquery the database
    cannot know that the list has one project, so it reads and sorts every visible row
    for each page; given ``project_id = <id>`` it reads the (project, sort key, id)
    index in order (docs/performance.md "Every ordering at 100,000 tasks"). The
    subquery stays in ``tasks``: it is what grants access."""
    if len(project_ids) > LISTED_PROJECTS_MAX:
        return tasks
    return tasks.filter(project_id__in=project_ids)


def member_project_parts(project_ids: list[str]) -> list[Q]:
    """The list of ``in_member_projects`` split by project, for a page read as one index
    range per project, merged (``tasks.pagination.paginate``'s ``parts``): a filter per
    project, each narrowing rows this layer already scoped (no more than one project: no
    parts; the same bound as ``in_member_projects``)."""
    if not 1 < len(project_ids) <= LISTED_PROJECTS_MAX:
        return []
    return [Q(project_id=project_id) for project_id in project_ids]


def editable_tasks(user: Any) -> QuerySet[Task]:
    """The tasks ``user`` may change or delete (role >= editor): a subset of
    visible_tasks."""
    if not _is_user(user):
        return Task.objects.none()
    return query_shapes.reuse(
        ("editable_tasks", user.pk),
        lambda: live_tasks().filter(project_id__in=roles.member_project_ids(user, Role.EDITOR)),
    )


def trashed_tasks(user: Any) -> QuerySet[Task]:
    """The tasks in the trash that ``user`` may restore or delete for good: those of
    projects where they are editor or above (their Inbox included, which they own)."""
    if not _is_user(user):
        return Task.objects.none()
    return _trash().filter(project_id__in=roles.member_project_ids(user, Role.EDITOR))


def get_trashed_task(user: Any, task_id: Any) -> Task:
    """One trashed task the user may restore: Http404 when it is not in the trash of a
    project they are a member of (a live task, another user's task and a missing id are
    indistinguishable), TaskPermissionDenied for a member below editor."""
    if not is_valid_id(task_id):
        raise Http404("No such task.")
    task = _trash().filter(pk=task_id, project_id__in=roles.member_project_ids(user)).first()
    if task is None:
        raise Http404("No such task.")
    if not can_edit(user, task):
        raise TaskPermissionDenied()
    return task


def created_tasks(user: Any) -> QuerySet[Task]:
    """The visible tasks ``user`` created: Idempotency-Keys are looked up here, per
    user, so a retry can only ever replay the caller's own create."""
    if not _is_user(user):
        return Task.objects.none()
    return visible_tasks(user).filter(owner_id=user.pk)


def created_by(tasks: QuerySet[Task], user_id: str) -> QuerySet[Task]:
    """Narrow an already permission-scoped queryset to tasks ``user_id`` created (the
    ``created_by`` filter)."""
    return tasks.filter(owner_id=user_id)


def exportable_tasks(user: Any) -> QuerySet[Task]:
    """ "Download my data": the visible tasks ``user`` created, plus every task of the
    projects they own (their Inbox included). Tasks they created in a project they
    have since left are not theirs to read any more."""
    if not _is_user(user):
        return Task.objects.none()
    owned = roles.member_project_ids(user, Role.OWNER)
    return visible_tasks(user).filter(Q(owner_id=user.pk) | Q(project_id__in=owned))


def tasks_created_by_user(user: Any) -> QuerySet[Task]:
    """Every task ``user`` created, in any project, visible or not: only for deleting
    the account, which hands these over (tasks.account_data)."""
    return Task.objects.filter(owner_id=user.pk)


def mine_tasks(user: Any) -> QuerySet[Task]:
    """ "Mine": the visible tasks assigned to ``user`` plus those in their Inbox."""
    if not _is_user(user):
        return Task.objects.none()
    inbox = Project.objects.filter(inbox_owner_id=user.pk).values("pk")
    return visible_tasks(user).filter(Q(assignee_id=user.pk) | Q(project_id__in=inbox))


def project_tasks(project: Project) -> QuerySet[Task]:
    """The tasks of one project, for a caller that already checked the user's
    membership (``projects.roles.get_project_for``)."""
    return live_tasks().filter(project_id=project.pk)


def operator_tasks(user: Any) -> QuerySet[Task]:
    """What the admin lists: every task for a superuser (an operator), the user's own
    for other staff. Writes from the admin still go through tasks.services."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return Task.objects.all()
    return visible_tasks(user)


def get_visible_task(user: Any, task_id: Any, *, related: tuple[str, ...] = ()) -> Task:
    """One task the user may see, or Http404: a missing task, a malformed id and
    another user's task are indistinguishable. ``related``: relations to load in the
    same query (the task page shows its project and assignee)."""
    if not is_valid_id(task_id):
        raise Http404("No such task.")
    query = visible_tasks(user)
    if related:
        query = query.select_related(*related)
    try:
        return query.get(pk=task_id)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None


def get_task_for_update(user: Any, task_id: Any) -> Task:
    """One task the user may change: Http404 when it is not visible (never a 403 that
    would confirm it exists), TaskPermissionDenied when visible but not editable."""
    task = get_visible_task(user, task_id)
    if not can_edit(user, task):
        raise TaskPermissionDenied()
    return task


def can_edit(user: Any, task: Task) -> bool:
    """Whether ``user`` may change ``task``: role >= editor in its project (one indexed
    membership lookup)."""
    return roles.has_role(roles.role_of(user, task.project_id), Role.EDITOR)


def can_operate(user: Any, task: Task) -> bool:
    """Whether the admin may change ``task`` for ``user`` (see operator_tasks)."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return True
    return can_edit(user, task)


def can_create_for(user: Any, owner: Any) -> bool:
    """Whether the admin may create a task owned by ``owner`` for ``user``."""
    if _is_user(user) and user.is_active and user.is_superuser:
        return True
    return _is_user(user) and owner is not None and owner.pk == user.pk


def project_scope(project_id: str) -> str:
    return f"project:{project_id}"


def user_scope(user_id: str) -> str:
    return f"user:{user_id}"


def task_scopes(tasks: Iterable[Task]) -> frozenset[str]:
    """The stats-cache scopes that include these tasks: every reader whose stats
    depend on one of them depends on one of these scopes. Pass the tasks as they were
    before a write too (tasks.events does), so a move or reassignment reaches the old
    project and the old assignee.

    ``project:<id>`` for project stats; ``user:<id>`` of the assignee and of the
    Inbox's owner for "mine" (one query for the Inbox owners of these projects, none
    when every task carries its project as loaded, e.g. a new task in the Inbox)."""
    tasks = list(tasks)
    project_ids = {task.project_id for task in tasks}
    scopes = {project_scope(pid) for pid in project_ids}
    scopes |= {user_scope(task.assignee_id) for task in tasks if task.assignee_id}
    loaded = {
        task.project_id: task.project.inbox_owner_id
        for task in tasks
        if Task.project.is_cached(task) and task.project.pk == task.project_id
    }
    scopes |= {user_scope(owner) for owner in loaded.values() if owner is not None}
    unknown = project_ids - loaded.keys()
    if unknown:
        owners = Project.objects.filter(
            pk__in=list(unknown), inbox_owner__isnull=False
        ).values_list("inbox_owner_id", flat=True)
        scopes |= {user_scope(owner) for owner in owners}
    return frozenset(scopes)


def user_scopes(user: Any) -> list[str]:
    """The scopes a user's own ("mine") stats are computed over (sorted: part of a
    key). No query: assignment and the Inbox are both kept in ``user:<id>``."""
    return [user_scope(user.pk)]


def project_scopes(project: Project) -> list[str]:
    """The scopes of one project's stats."""
    return [project_scope(project.pk)]
