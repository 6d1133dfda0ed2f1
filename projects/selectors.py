"""Reads of projects. Access is checked by ``projects.roles`` (404 / 403)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import normalize_email
from projects import roles
from projects.models import Invitation, Membership, Project


def my_projects(user: Any) -> QuerySet[Project]:
    """The user's projects, each annotated with ``my_role`` (one query)."""
    role = Membership.objects.filter(project_id=OuterRef("pk"), user_id=user.pk).values("role")
    return roles.visible_projects(user).annotate(my_role=Subquery(role[:1]))


def project_members(project: Project) -> QuerySet[Membership]:
    """The project's members with their user rows (one query)."""
    return Membership.objects.filter(project_id=project.pk).select_related("user")


def project_invitations(project: Project) -> QuerySet[Invitation]:
    """The project's pending invitations (for admins)."""
    return Invitation.objects.filter(project_id=project.pk, status=Invitation.Status.PENDING)


def my_invitations(user: Any) -> QuerySet[Invitation]:
    """Open invitations addressed to the user's email, with their project."""
    return Invitation.objects.filter(
        email=normalize_email(user.email),
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    ).select_related("project", "invited_by")
