"""Domain errors of projects (ApplicationError: the API maps them generically)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from taskflow.exceptions import ApplicationError


class ProjectPermissionDenied(ApplicationError, PermissionDenied):
    """A member without the role the action needs (non-members get a 404 instead).

    Also Django's PermissionDenied, so a page that does not catch it answers 403."""

    status = 403
    code = "permission_denied"
    default_detail = "Your role in this project does not allow this."


class InboxRule(ApplicationError):
    status = 400
    code = "inbox"
    default_detail = "Your Inbox cannot be shared, archived or deleted."


class LastOwner(ApplicationError):
    status = 400
    code = "last_owner"
    default_detail = "A project keeps at least one owner: make someone else owner first."


class ProjectArchived(ApplicationError):
    status = 400
    code = "archived"
    default_detail = "This project is archived; unarchive it to change its tasks."


class InvitationClosed(ApplicationError):
    status = 400
    code = "invitation_closed"
    default_detail = "This invitation was already used, declined, revoked or has expired."


class AlreadyMember(ApplicationError):
    status = 400
    code = "already_member"
    default_detail = "This person is already a member of the project."


class ProjectPreconditionFailed(ApplicationError):
    status = 412
    code = "precondition_failed"
    default_detail = "The project was changed since you read it; fetch it again."
