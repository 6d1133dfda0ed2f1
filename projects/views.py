"""Project pages. Thin: access through ``projects.roles`` (a non-member gets a 404, a
member without the role a 403 page), reads through ``projects.selectors``, writes
through ``projects.services`` (which check the role again), the same functions the
JSON API calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from projects import roles, selectors, services
from projects.exceptions import (
    AlreadyMember,
    InboxRule,
    InvitationClosed,
    LastOwner,
    ProjectPreconditionFailed,
)
from projects.forms import InviteForm, ProjectForm, RoleForm
from projects.models import Role
from taskflow.forms import add_service_errors
from tasks import permissions
from tasks.views import render_task_list

# Expected refusals a page explains in a message (a 403 is a page of its own).
EXPLAINED = (AlreadyMember, InboxRule, InvitationClosed, LastOwner, ProjectPreconditionFailed)


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    """All my projects with my role, and the form that creates one."""
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Project “{project.name}” created.")
            return redirect("projects:detail", project_id=project.pk)
    context = {
        "projects": selectors.my_projects(request.user).order_by("archived", "name", "id"),
        "form": form,
    }
    return render(request, "projects/list.html", context, status=400 if form.errors else 200)


def _board_url(project_id: str) -> str:
    """The Board tab's link (the board page lives with the tasks' pages)."""
    return reverse("tasks:board", args=[project_id])


@login_required
def project_detail(request: HttpRequest, project_id: str) -> HttpResponse:
    """The project's task list: the task list page scoped to the project."""
    membership = roles.get_membership_for(request.user, project_id)
    project = membership.project
    extra = {
        "heading": project.name,
        "scope": "project",
        "project": project,
        "membership": membership,
        "can_edit": roles.has_role(membership.role, roles.EDIT),
        "can_manage": roles.has_role(membership.role, roles.MANAGE),
        "tab": "list",
        "board_url": _board_url(project.pk),
    }
    return render_task_list(
        request,
        permissions.project_tasks(project),
        template="projects/detail.html",
        extra=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, project_id: str) -> HttpResponse:
    """Rename and describe (admin+); archive and delete (owner) are linked from here."""
    membership = roles.get_membership_for(request.user, project_id, roles.MANAGE)
    project = membership.project
    initial = {"name": project.name, "description": project.description}
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                actor=request.user, membership=membership, changes=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ProjectPreconditionFailed as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "Project saved.")
            return redirect("projects:detail", project_id=project.pk)
    context = {
        "project": project,
        "membership": membership,
        "form": form,
        "is_owner": membership.role == Role.OWNER,
        "board_url": _board_url(project.pk),
    }
    return render(request, "projects/settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def project_archive(request: HttpRequest, project_id: str) -> HttpResponse:
    """Archive or unarchive (owner; ``archived`` = "1" or "0")."""
    membership = roles.get_membership_for(request.user, project_id)
    archived = request.POST.get("archived") == "1"
    try:
        services.project_update(
            actor=request.user, membership=membership, changes={"archived": archived}
        )
    except EXPLAINED as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Project archived." if archived else "Project unarchived.")
    return redirect("projects:detail", project_id=membership.project_id)


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request: HttpRequest, project_id: str) -> HttpResponse:
    """Delete with confirmation (owner; never the Inbox)."""
    membership = roles.get_membership_for(request.user, project_id, roles.OWN)
    project = membership.project
    if project.is_inbox:
        messages.error(request, InboxRule.default_detail)
        return redirect("projects:settings", project_id=project.pk)
    if request.method == "POST":
        services.project_delete(actor=request.user, membership=membership)
        messages.success(request, f"Project “{project.name}” deleted.")
        return redirect("projects:list")
    return render(request, "projects/confirm_delete.html", {"project": project})


@login_required
@require_http_methods(["GET", "POST"])
def project_members(request: HttpRequest, project_id: str) -> HttpResponse:
    """Members with their roles; admins invite by email and see pending invitations."""
    membership = roles.get_membership_for(request.user, project_id)
    project = membership.project
    can_manage = roles.has_role(membership.role, roles.MANAGE)
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        roles.require_role(membership.role, roles.MANAGE)
        if form.is_valid():
            try:
                invitation = services.member_invite(
                    actor=request.user, membership=membership, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except EXPLAINED as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("projects:members", project_id=project.pk)
        status = 400
    context = {
        "project": project,
        "membership": membership,
        "members": selectors.project_members(project),
        "invitations": selectors.project_invitations(project) if can_manage else [],
        "can_manage": can_manage,
        "role_choices": Role.choices,
        "form": form,
        "board_url": _board_url(project.pk),
    }
    return render(request, "projects/members.html", context, status=status)


@login_required
@require_POST
def member_role(request: HttpRequest, project_id: str, user_id: str) -> HttpResponse:
    membership = roles.get_membership_for(request.user, project_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("projects:members", project_id=membership.project_id)
    try:
        target = services.member_change_role(
            actor=request.user,
            membership=membership,
            user_id=user_id,
            role=form.cleaned_data["role"],
        )
    except EXPLAINED as exc:
        messages.error(request, exc.detail)
    else:
        name = target.user.get_full_name()
        messages.success(request, f"{name} is now {target.get_role_display().lower()}.")
    return redirect("projects:members", project_id=membership.project_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, project_id: str, user_id: str) -> HttpResponse:
    """Remove a member; removing oneself is leaving (then back to the projects)."""
    membership = roles.get_membership_for(request.user, project_id)
    leaving = user_id == request.user.pk
    try:
        services.member_remove(actor=request.user, membership=membership, user_id=user_id)
    except EXPLAINED as exc:
        messages.error(request, exc.detail)
        return redirect("projects:members", project_id=membership.project_id)
    if leaving:
        messages.success(request, f"You left “{membership.project.name}”.")
        return redirect("projects:list")
    messages.success(request, "Member removed.")
    return redirect("projects:members", project_id=membership.project_id)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, project_id: str, invitation_id: str) -> HttpResponse:
    membership = roles.get_membership_for(request.user, project_id)
    try:
        invitation = services.invitation_revoke(
            actor=request.user, membership=membership, invitation_id=invitation_id
        )
    except EXPLAINED as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("projects:members", project_id=membership.project_id)


# --- Invitations (the invitee's side) ------------------------------------------------------


@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    """My open invitations, with Accept and Decline."""
    context = {"invitations": selectors.my_invitations(request.user)}
    return render(request, "projects/invitations.html", context)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: str, answer: str) -> HttpResponse:
    """Accept or decline one of my invitations (someone else's is a 404)."""
    try:
        if answer == "accept":
            joined = services.invitation_accept(actor=request.user, invitation_id=invitation_id)
            messages.success(request, f"You joined “{joined.project.name}”.")
            return redirect("projects:detail", project_id=joined.project_id)
        if answer == "decline":
            services.invitation_decline(actor=request.user, invitation_id=invitation_id)
            messages.success(request, "Invitation declined.")
            return redirect("projects:invitations")
    except InvitationClosed as exc:
        messages.error(request, exc.detail)
        return redirect("projects:invitations")
    raise Http404("No such answer.")


@require_http_methods(["GET", "POST"])
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Anonymous visitors are led to register or sign in and come
    back here; the invited account accepts (POST) or declines; another account is told
    which address the invitation is for. A bad, used or expired link says so (never
    a 500)."""
    invitation = selectors.invitation_for_token(token)
    context: dict[str, Any] = {"invitation": invitation, "token": token, "state": "open"}
    if invitation is None or not invitation.is_open:
        context["state"] = "closed"
        return render(request, "projects/invitation_link.html", context, status=404)
    user = request.user
    if not user.is_authenticated:
        context["state"] = "anonymous"
        return render(request, "projects/invitation_link.html", context)
    if user.email != invitation.email:
        context["state"] = "wrong_account"
        return render(request, "projects/invitation_link.html", context, status=403)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "decline":
                services.invitation_decline(actor=user, invitation_id=invitation.pk)
                messages.success(request, "Invitation declined.")
                return redirect("tasks:dashboard")
            joined = services.invitation_accept(actor=user, token=token)
        except InvitationClosed:
            context["state"] = "closed"
            return render(request, "projects/invitation_link.html", context, status=404)
        messages.success(request, f"You joined “{joined.project.name}”.")
        return redirect("projects:detail", project_id=joined.project_id)
    return render(request, "projects/invitation_link.html", context)
