"""Writes of projects, memberships and invitations (SPEC §7).

Callers resolve the acting user's membership with ``projects.roles.get_membership_for``
(404 for non-members) and pass it in; every function here checks the role the action
needs itself (403), so no caller can skip the rule. Task side effects (unassigning a
removed member, deleting a project's tasks) go through ``tasks.services`` and so
through the one write path (activity, stats versions, hooks).

No multi-document transactions (MongoDB): one-row conditional updates decide races
(project version, invitation status), unique indexes make repeats no-ops.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from accounts import selectors as accounts_selectors
from accounts.models import normalize_email
from projects import notify, roles
from projects.columns import columns_ensure
from projects.exceptions import (
    AlreadyMember,
    InboxRule,
    InvitationClosed,
    LastOwner,
    ProjectPermissionDenied,
    ProjectPreconditionFailed,
)
from projects.models import (
    DESCRIPTION_MAX,
    NAME_MAX,
    RANK,
    Invitation,
    Membership,
    Project,
    Role,
)
from taskflow.ids import is_valid_id

INVITATION_DAYS = 7
PROJECT_FIELDS = ("name", "description", "archived")


def _clean_project(project: Project) -> None:
    project.name = (project.name or "").strip()
    project.description = project.description or ""
    if not project.name:
        raise ValidationError({"name": "Enter a name."})
    if len(project.name) > NAME_MAX:
        raise ValidationError({"name": f"At most {NAME_MAX} characters."})
    if len(project.description) > DESCRIPTION_MAX:
        raise ValidationError({"description": f"At most {DESCRIPTION_MAX} characters."})


def _access_changed(*scopes: str) -> None:
    from tasks import events

    events.access_changed(scopes=scopes)


def project_create(*, actor: Any, name: str, description: str = "") -> Project:
    """A new shared project; the creator is its owner."""
    project = Project(name=name, description=description, created_by_id=actor.pk)
    _clean_project(project)
    project.save(force_insert=True)
    Membership.objects.create(project=project, user_id=actor.pk, role=Role.OWNER)
    columns_ensure(project.pk)  # To do / In progress / Done (SPEC §8)
    return project


def project_update(
    *,
    actor: Any,
    membership: Membership,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Project:
    """Change name/description (admin+) or archived (owner; never the Inbox) with one
    conditional update on the version; a stale If-Match is a 412, nothing written."""
    project = membership.project
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    roles.require_role(membership.role, roles.MANAGE)
    if "archived" in changes and bool(changes["archived"]) != project.archived:
        roles.require_role(membership.role, roles.OWN)
        if project.is_inbox:
            raise InboxRule()
    if expected_version is not None and expected_version != project.version:
        raise ProjectPreconditionFailed()
    candidate = Project(
        **{f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields}
    )
    for name, value in changes.items():
        setattr(candidate, name, value)
    _clean_project(candidate)
    values = {name: getattr(candidate, name) for name in PROJECT_FIELDS}
    if all(getattr(project, name) == value for name, value in values.items()):
        return project
    won = Project.objects.filter(pk=project.pk, version=project.version).update(
        **values, version=F("version") + 1
    )
    if not won:
        raise ProjectPreconditionFailed()
    candidate.version = project.version + 1
    return candidate


def project_delete(*, actor: Any, membership: Membership) -> None:
    """Delete a project and everything in it (owner only; never the Inbox). Its tasks
    go through the write path first, so every member's stats change at once."""
    from tasks import counters as task_counters
    from tasks import permissions as task_permissions
    from tasks import services as task_services

    project = membership.project
    roles.require_role(membership.role, roles.OWN)
    if project.is_inbox:
        raise InboxRule()
    task_services.tasks_delete_many(
        actor=actor,
        tasks=task_permissions.project_tasks(project).only(*task_counters.ROW_FIELDS),
    )
    member_ids = list(
        Membership.objects.filter(project_id=project.pk).values_list("user_id", flat=True)
    )
    Project.objects.filter(pk=project.pk).delete()
    _access_changed(
        task_permissions.project_scope(project.pk),
        *(task_permissions.user_scope(uid) for uid in member_ids),
    )


def project_transfer(*, actor: Any, membership: Membership, to_user_id: str) -> Membership:
    """Make another member the owner; the current owner stays on as admin."""
    project = membership.project
    roles.require_role(membership.role, roles.OWN)
    if project.is_inbox:
        raise InboxRule()
    target = _member(project, to_user_id)
    if target.user_id == actor.pk:
        return target
    Membership.objects.filter(pk=target.pk).update(role=Role.OWNER)
    Membership.objects.filter(pk=membership.pk).update(role=Role.ADMIN)
    target.role = Role.OWNER
    return target


# --- Members ---------------------------------------------------------------------------


def _member(project: Project, user_id: Any) -> Membership:
    if not is_valid_id(user_id):
        raise Http404("No such member.")
    found = (
        Membership.objects.select_related("user")
        .filter(project_id=project.pk, user_id=user_id)
        .first()
    )
    if found is None:
        raise Http404("No such member.")
    return found


def _may_manage(actor_role: str, target_role: str) -> bool:
    """Owners manage everyone; admins manage members below admin."""
    if actor_role == Role.OWNER:
        return True
    return actor_role == Role.ADMIN and RANK[Role(target_role)] < RANK[Role.ADMIN]


def _owner_count(project: Project) -> int:
    return Membership.objects.filter(project_id=project.pk, role=Role.OWNER).count()


def member_change_role(
    *, actor: Any, membership: Membership, user_id: str, role: str | None
) -> Membership:
    """Change a member's role. Admins change roles below admin to roles below admin;
    owners change any; the last owner cannot step down. A member demoted to viewer is
    unassigned from the project's tasks (assignees must be editors). ``role=None`` (a
    PATCH naming no role) changes nothing and answers the member as they are."""
    project = membership.project
    if role is not None and role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a valid role."})
    roles.require_role(membership.role, roles.MANAGE)
    if project.is_inbox:
        raise InboxRule()
    target = _member(project, user_id)
    if role is None or target.role == role:
        return target
    if not (_may_manage(membership.role, target.role) and _may_manage(membership.role, role)):
        raise ProjectPermissionDenied()
    if target.role == Role.OWNER and _owner_count(project) <= 1:
        raise LastOwner()
    Membership.objects.filter(pk=target.pk).update(role=role)
    target.role = role
    if role == Role.VIEWER:
        from tasks import services as task_services

        task_services.tasks_unassign_member(
            actor=actor, project_id=project.pk, user_id=target.user_id
        )
    return target


def member_remove(*, actor: Any, membership: Membership, user_id: str) -> None:
    """Remove a member (self = leave). Admins remove members below admin, owners
    anyone; the last owner cannot leave. Their tasks in the project are unassigned
    through the write path and the project's stats versions are bumped, so the
    removal holds at once on every instance."""
    from tasks import permissions as task_permissions
    from tasks import services as task_services

    project = membership.project
    if project.is_inbox:
        raise InboxRule()
    target = membership if user_id == actor.pk else _member(project, user_id)
    if target.user_id != actor.pk:
        roles.require_role(membership.role, roles.MANAGE)
        if not _may_manage(membership.role, target.role):
            raise ProjectPermissionDenied()
    if target.role == Role.OWNER and _owner_count(project) <= 1:
        raise LastOwner()
    Membership.objects.filter(pk=target.pk).delete()
    task_services.tasks_unassign_member(actor=actor, project_id=project.pk, user_id=target.user_id)
    _access_changed(
        task_permissions.project_scope(project.pk), task_permissions.user_scope(target.user_id)
    )


# --- Invitations -----------------------------------------------------------------------


def member_invite(*, actor: Any, membership: Membership, email: str, role: str) -> Invitation:
    """Invite ``email`` with ``role`` (admin+; only owners invite admins and owners).

    Re-inviting the same address updates the one invitation (new role, a fresh 7-day
    link, older links void) instead of adding another. The email goes out through
    ``projects.notify``; an existing user also sees it under their invitations."""
    project = membership.project
    email = normalize_email(email)
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a valid role."})
    roles.require_role(membership.role, roles.MANAGE)
    if project.is_inbox:
        raise InboxRule()
    if not _may_manage(membership.role, role):
        raise ProjectPermissionDenied("Only owners invite admins and owners.")
    existing_user = accounts_selectors.user_by_email(email)
    if (
        existing_user is not None
        and Membership.objects.filter(project_id=project.pk, user_id=existing_user.pk).exists()
    ):
        raise AlreadyMember()
    fresh = {
        "role": role,
        "invited_by_id": actor.pk,
        "status": Invitation.Status.PENDING,
        "nonce": Invitation._meta.get_field("nonce").get_default(),
        "created_at": timezone.now(),
        "expires_at": timezone.now() + timedelta(days=INVITATION_DAYS),
        "responded_at": None,
    }
    updated = Invitation.objects.filter(project_id=project.pk, email=email).update(**fresh)
    if not updated:
        try:
            with transaction.atomic():
                Invitation.objects.create(project_id=project.pk, email=email, **fresh)
        except IntegrityError:  # a concurrent invite of the same address won
            Invitation.objects.filter(project_id=project.pk, email=email).update(**fresh)
    invitation = Invitation.objects.select_related("project", "invited_by").get(
        project_id=project.pk, email=email
    )
    notify.send_invitation_email(invitation)
    return invitation


def _my_invitation(actor: Any, invitation_id: Any) -> Invitation:
    """An invitation addressed to the actor's email (anyone else's is a 404)."""
    if not is_valid_id(invitation_id):
        raise Http404("No such invitation.")
    found = (
        Invitation.objects.select_related("project")
        .filter(pk=invitation_id, email=normalize_email(actor.email))
        .first()
    )
    if found is None:
        raise Http404("No such invitation.")
    return found


def _close(invitation: Invitation, status: str, *, nonce: str | None = None) -> None:
    """Pending → ``status`` in one conditional update: an invitation is used once."""
    if not invitation.is_open:
        raise InvitationClosed()
    query = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING)
    if nonce is not None:
        query = query.filter(nonce=nonce)
    if not query.update(status=status, responded_at=timezone.now()):
        raise InvitationClosed()
    invitation.status = status


def invitation_accept(
    *, actor: Any, invitation_id: str | None = None, token: str | None = None
) -> Membership:
    """Accept an invitation addressed to the actor's email, by id (in-app) or by the
    signed link's token. Single use: the first accept wins the conditional update."""
    nonce = None
    if token is not None:
        read = notify.read_invitation_token(token)
        if read is None:
            raise InvitationClosed()
        invitation_id, nonce = read
    invitation = _my_invitation(actor, invitation_id)
    _close(invitation, Invitation.Status.ACCEPTED, nonce=nonce)
    # Claimed first, then joined: a repeat cannot join twice (unique (project, user)).
    existing = Membership.objects.filter(project_id=invitation.project_id, user_id=actor.pk)
    membership = existing.select_related("project").first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    project_id=invitation.project_id,
                    user_id=actor.pk,
                    role=invitation.role,
                    invited_by_id=invitation.invited_by_id,
                )
        except IntegrityError:
            membership = existing.get()
        membership.project = invitation.project
    return membership


def invitation_decline(*, actor: Any, invitation_id: str) -> Invitation:
    invitation = _my_invitation(actor, invitation_id)
    _close(invitation, Invitation.Status.DECLINED)
    return invitation


def invitation_revoke(*, actor: Any, membership: Membership, invitation_id: str) -> Invitation:
    """Revoke a pending invitation of the project (admin+, for roles they may grant)."""
    roles.require_role(membership.role, roles.MANAGE)
    if not is_valid_id(invitation_id):
        raise Http404("No such invitation.")
    invitation = Invitation.objects.filter(
        pk=invitation_id, project_id=membership.project_id
    ).first()
    if invitation is None:
        raise Http404("No such invitation.")
    if not _may_manage(membership.role, invitation.role):
        raise ProjectPermissionDenied()
    _close(invitation, Invitation.Status.REVOKED)
    return invitation
