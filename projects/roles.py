"""Project access: the one module that answers "which projects may this user reach,
with which role". ``tasks.permissions`` builds task access on it; views, API, admin and
services call these functions and never filter memberships themselves.

- A non-member (and a missing project, and a malformed id) is a 404: no existence leak.
- A member below the needed role is ``ProjectPermissionDenied`` (403).

Every function costs at most one indexed query whatever the number of members,
projects or tasks: task queries embed ``member_project_ids`` as a subquery.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from projects.exceptions import ProjectPermissionDenied
from projects.models import RANK, Membership, Project, Role, roles_at_least
from taskflow.ids import is_valid_id

EDIT = Role.EDITOR  # create/edit/move/assign/delete tasks, comment
MANAGE = Role.ADMIN  # invite/remove members below admin, edit the project
OWN = Role.OWNER  # manage admins and owners, archive, delete, transfer


def _is_user(user: Any) -> bool:
    return user is not None and user.is_authenticated


def member_project_ids(user: Any, min_role: str = Role.VIEWER) -> QuerySet[Membership]:
    """A subquery of the ids of the projects where ``user`` has at least ``min_role``.

    Used as ``project_id__in=member_project_ids(user)``: one query in all, with the
    membership lookup inside it (never a list of ids in Python)."""
    if not _is_user(user):
        return Membership.objects.none().values("project_id")
    memberships = Membership.objects.filter(user_id=user.pk)
    if min_role != Role.VIEWER:
        memberships = memberships.filter(role__in=roles_at_least(min_role))
    return memberships.values("project_id")


def members_at_least(
    min_role: str, *, project_id: Any = None, of_user_projects: Any = None
) -> QuerySet[Membership]:
    """Memberships with at least ``min_role`` in one project (``project_id``, which the
    caller may see) or in every project where ``of_user_projects`` is at least
    ``min_role`` too (the task form's assignee choices)."""
    memberships = Membership.objects.filter(role__in=roles_at_least(min_role))
    if project_id is not None:
        return memberships.filter(project_id=project_id)
    return memberships.filter(project_id__in=member_project_ids(of_user_projects, min_role))


def visible_projects(user: Any) -> QuerySet[Project]:
    """The projects ``user`` is a member of."""
    return Project.objects.filter(pk__in=member_project_ids(user))


def membership_of(user: Any, project_id: Any) -> Membership | None:
    """The user's membership of the project (with the project), or None."""
    if not _is_user(user) or not is_valid_id(project_id):
        return None
    return (
        Membership.objects.select_related("project")
        .filter(user_id=user.pk, project_id=project_id)
        .first()
    )


def role_of(user: Any, project_id: Any) -> str | None:
    """The user's role in the project, or None for a non-member."""
    if not _is_user(user) or not is_valid_id(project_id):
        return None
    return (
        Membership.objects.filter(user_id=user.pk, project_id=project_id)
        .values_list("role", flat=True)
        .first()
    )


def has_role(role: str | None, min_role: str) -> bool:
    return role is not None and RANK[Role(role)] >= RANK[Role(min_role)]


def require_role(role: str | None, min_role: str) -> None:
    """403 unless ``role`` (a member's, already known) is at least ``min_role``."""
    if not has_role(role, min_role):
        raise ProjectPermissionDenied()


def get_membership_for(user: Any, project_id: Any, min_role: str = Role.VIEWER) -> Membership:
    """The user's membership (``.project`` loaded, no extra query) if they have at
    least ``min_role``; Http404 for non-members, ProjectPermissionDenied below it."""
    membership = membership_of(user, project_id)
    if membership is None:
        raise Http404("No such project.")
    require_role(membership.role, min_role)
    return membership


def get_project_for(user: Any, project_id: Any, min_role: str = Role.VIEWER) -> Project:
    """The project if ``user`` has at least ``min_role`` in it (see get_membership_for)."""
    return get_membership_for(user, project_id, min_role).project
