"""Domain errors of tasks (all ApplicationError: the API maps them generically).

Kept apart from services so that the permission layer, which services import, can
raise them too."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from taskflow.exceptions import ApplicationError


class PreconditionFailed(ApplicationError):
    """The client's If-Match version is not the task's current version."""

    status = 412
    code = "precondition_failed"
    default_detail = "The task was changed since you read it; fetch it again."

    def __init__(self, current_version: int | None, detail: str | None = None) -> None:
        super().__init__(detail)
        self.current_version = current_version


class IdempotencyConflict(ApplicationError):
    """The Idempotency-Key was already used for a request with another body."""

    status = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class WriteConflict(ApplicationError):
    """The task kept changing under us; the client should retry."""

    status = 409
    code = "conflict"
    default_detail = "The resource is being changed by others; try again."


class TaskPermissionDenied(ApplicationError, PermissionDenied):
    """The user may see the task but not change it (a viewer, once projects exist).

    Also a Django PermissionDenied, so a page that does not catch it answers 403
    through Django's handler403 instead of a 500."""

    status = 403
    code = "permission_denied"
    default_detail = "You may see this task but not change it."
