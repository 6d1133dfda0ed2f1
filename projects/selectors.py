"""Reads of projects. Access is checked by ``projects.roles`` (404 / 403)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import normalize_email
from projects import membership_cache, roles
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


# The switcher lists at most this many projects (one bounded query on every page); the
# projects page lists them all.
SWITCHER_MAX = 50


def switcher_projects(user: Any) -> list[Project]:
    """The user's projects for the switcher on every page: the Inbox first, then by
    name, each with ``my_role`` (one query; sorted here because NULLS ordering of
    ``inbox_owner`` differs between backends). With a shared cache no query: the
    user's cached memberships (``membership_cache``) hold the switcher's fields."""
    cached = membership_cache.rows(user)
    if cached is not None:
        return _switcher_from(cached)
    rows = list(
        my_projects(user)
        .filter(archived=False)
        .only("id", "name", "inbox_owner_id", "archived")
        .order_by("name", "id")[:SWITCHER_MAX]
    )
    return sorted(rows, key=lambda p: (not p.is_inbox, p.name.casefold()))


_SWITCHER_FIELDS = ("id", "name", "inbox_owner_id", "archived")


def _switcher_from(cached: list[membership_cache.MembershipRow]) -> list[Project]:
    """``switcher_projects`` from cached rows: the same choice (the first SWITCHER_MAX
    unarchived by name and id), order and deferred instances as the query's."""
    live = sorted((r for r in cached if not r.archived), key=lambda r: (r.name, r.project_id))
    projects = []
    for row in live[:SWITCHER_MAX]:
        values = (row.project_id, row.name, row.inbox_owner_id, row.archived)
        project = Project.from_db(Project.objects.db, _SWITCHER_FIELDS, values)
        project.my_role = row.role
        projects.append(project)
    return sorted(projects, key=lambda p: (not p.is_inbox, p.name.casefold()))


def member_projects(user: Any, project_ids: set[str]) -> dict[str, Project]:
    """{id: project} for those of ``project_ids`` where ``user`` is a member, as the
    switcher's deferred instances (id, name, Inbox owner, archived), from the user's
    memberships as ``membership_cache`` holds them (no query when the cache or the read
    memo has them); ids it lacks are read in one query, with every field. For a list
    page's project names: a join read the project's columns and built a ``Project``
    per row."""
    found: dict[str, Project] = {}
    cached = membership_cache.rows(user) if project_ids else None
    for row in cached or ():
        if row.project_id in project_ids:
            values = (row.project_id, row.name, row.inbox_owner_id, row.archived)
            found[row.project_id] = Project.from_db(Project.objects.db, _SWITCHER_FIELDS, values)
    missing = [pk for pk in project_ids if pk not in found]
    if missing:
        found.update(roles.visible_projects(user).in_bulk(missing))
    return found


def editable_projects(user: Any) -> QuerySet[Project]:
    """Projects where the user may create and move tasks (editor+, not archived)."""
    return Project.objects.filter(
        pk__in=roles.member_project_ids(user, roles.EDIT), archived=False
    ).order_by("name", "id")


def assignable_members(user: Any, project_id: str | None = None) -> list[Any]:
    """Users a task may be assigned to in the task form: editors and above of
    ``project_id`` (a project the caller may see), or else of any project where the
    caller is an editor (the service checks the pair on save). One query, de-duplicated
    here (no DISTINCT over a join: MongoDB)."""
    editors = roles.members_at_least(roles.EDIT, project_id=project_id, of_user_projects=user)
    seen: dict[Any, Any] = {}
    for membership in editors.select_related("user").order_by("user__name", "user_id")[:500]:
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a signed link names (with project and inviter), or None for a
    bad, expired or superseded link. The caller decides what the visitor may do."""
    from projects import notify

    read = notify.read_invitation_token(token)
    if read is None:
        return None
    invitation_id, nonce = read
    return (
        Invitation.objects.select_related("project", "invited_by")
        .filter(pk=invitation_id, nonce=nonce)
        .first()
    )


@dataclass(frozen=True)
class Mention:
    """Whom quick add's "@name" names in a project: ``user`` to assign, or None and
    ``note``, the reason the word stays in the title (shown in the preview)."""

    user: Any | None
    note: str = ""


def mention_member(project: Project | None, name: str) -> Mention:
    """Resolve quick add's "@name" among the members of ``project`` (which the caller
    may add tasks to; None: the caller's Inbox). The user model has no username, so,
    case-insensitively:

    1. the part of a member's email before the "@" ("@ana" -> ana@example.com);
    2. else the first word of a member's name ("@ana" -> "Ana Lopez").

    A rule that matches two or more members is ambiguous (the next rule is not
    tried). The one member matched is assigned if their role allows it (editor or
    above, SPEC §7). The Inbox has no one else to assign. At most two queries, each
    of at most two rows, whatever the number of members.
    """
    mention = f"@{name}"
    if project is None or project.is_inbox:
        return Mention(None, f"{mention} stays in the title: tasks in your Inbox are not assigned.")
    members = Membership.objects.filter(project_id=project.pk).select_related("user")
    by_email = Q(user__email__istartswith=f"{name}@")
    by_name = Q(user__name__iexact=name) | Q(user__name__istartswith=f"{name} ")
    hints = (
        "assign them in the task form instead.",
        "write the start of their email address (before the “@”) instead.",
    )
    for rule, hint in zip((by_email, by_name), hints, strict=True):
        found = list(members.filter(rule).order_by("user_id")[:2])
        if len(found) > 1:
            return Mention(None, f"{mention} matches several members of this project; {hint}")
        if found:
            if not roles.has_role(found[0].role, roles.EDIT):
                return Mention(
                    None, f"{mention} is a viewer of this project and cannot be assigned tasks."
                )
            return Mention(found[0].user)
    return Mention(None, f"{mention} is not a member of this project.")
