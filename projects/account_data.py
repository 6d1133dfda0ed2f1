"""The projects app's part of "Your data" (accounts.data hooks, registered in
ProjectsConfig.ready): the memberships export, the transfer-first rule and the eraser.

SPEC §7: a user who is the only owner of a shared project (one with other members)
must transfer it before deleting the account. Everything else goes with the account:
the Inbox and projects where the user is the only member are deleted with their
tasks; from other projects the user is removed as from "leave".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import NoReverseMatch, reverse

from accounts.data import Blocker
from projects.models import RANK, Membership, Project, Role

TRANSFER_FIRST = (
    "You are its only owner and it has other members: make one of them owner (or "
    "remove them) first."
)


def _project_url(project_id: str) -> str:
    # The project's members page where the pages exist; else its task list.
    for name in ("projects:members", "projects:detail"):
        try:
            return reverse(name, args=[project_id])
        except NoReverseMatch:
            continue
    return f"{reverse('tasks:list')}?project={project_id}"


def shared_projects_only_owned_by(user: Any) -> list[Project]:
    """Shared projects (other members) where ``user`` is the only owner: three
    queries, however many projects."""
    owned = list(
        Membership.objects.filter(
            user_id=user.pk, role=Role.OWNER, project__inbox_owner__isnull=True
        ).values_list("project_id", flat=True)
    )
    if not owned:
        return []
    others = Membership.objects.filter(project_id__in=owned).exclude(user_id=user.pk)
    shared = set(others.values_list("project_id", flat=True))
    co_owned = set(others.filter(role=Role.OWNER).values_list("project_id", flat=True))
    blocked = shared - co_owned
    if not blocked:
        return []
    return list(Project.objects.filter(pk__in=sorted(blocked)).order_by("name", "id"))


def deletion_guard(user: Any) -> list[Blocker]:
    return [
        Blocker(
            kind="project",
            id=project.pk,
            name=project.name,
            url=_project_url(project.pk),
            reason=TRANSFER_FIRST,
        )
        for project in shared_projects_only_owned_by(user)
    ]


def export_memberships(user: Any) -> Iterator[dict[str, Any]]:
    """One query: every membership with its project's name."""
    rows = (
        Membership.objects.filter(user_id=user.pk)
        .select_related("project")
        .order_by("created_at", "id")
    )
    for row in rows.iterator(chunk_size=500):
        yield {
            "project": row.project_id,
            "project_name": row.project.name,
            "inbox": row.project.is_inbox,
            "archived": row.project.archived,
            "role": row.role,
            "joined_at": row.created_at,
        }


def erase_user(user: Any) -> None:
    """Delete the user's Inbox and the projects where they are the only member (their
    tasks through the write path, so every member's stats change at once), and leave
    every other project. Safe to run again: each step only finds what is left.

    A project that got a new member after the transfer-first check (a race) is not
    left ownerless: its longest-standing member of the highest role becomes owner."""
    from tasks import counters as task_counters
    from tasks import events as task_events
    from tasks import permissions as task_permissions
    from tasks import services as task_services

    memberships = list(
        Membership.objects.filter(user_id=user.pk).select_related("project").order_by("id")
    )
    for membership in memberships:
        project = membership.project
        others = list(
            Membership.objects.filter(project_id=project.pk)
            .exclude(user_id=user.pk)
            .order_by("created_at", "id")
        )
        if project.is_inbox or not others:
            task_services.tasks_delete_many(
                actor=user,
                tasks=task_permissions.project_tasks(project).only(*task_counters.ROW_FIELDS),
            )
            Project.objects.filter(pk=project.pk).delete()
            task_events.access_changed(
                scopes=[
                    task_permissions.project_scope(project.pk),
                    task_permissions.user_scope(user.pk),
                ]
            )
            continue
        if membership.role == Role.OWNER and not any(m.role == Role.OWNER for m in others):
            heir = max(others, key=lambda m: RANK[Role(m.role)])
            Membership.objects.filter(pk=heir.pk).update(role=Role.OWNER)
        Membership.objects.filter(pk=membership.pk).delete()
        task_services.tasks_unassign_member(actor=user, project_id=project.pk, user_id=user.pk)
        task_events.access_changed(
            scopes=[
                task_permissions.project_scope(project.pk),
                task_permissions.user_scope(user.pk),
            ]
        )
