"""Each user's personal Inbox project: created at registration (projects.signals), by
the data migration for older users, and on first use if ever missing."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from projects.models import INBOX_NAME, Membership, Project, Role


def inbox_ensure(*, user: Any) -> Project:
    """The user's Inbox with its owner membership, created if missing.

    Idempotent and safe under races without transactions: the Inbox is unique per user
    (``inbox_owner``) and a membership per (project, user), so a concurrent or repeated
    call finds the row the other one wrote."""
    inbox = Project.objects.filter(inbox_owner_id=user.pk).first()
    if inbox is None:
        try:
            with transaction.atomic():
                inbox = Project.objects.create(
                    name=INBOX_NAME, created_by_id=user.pk, inbox_owner_id=user.pk
                )
        except IntegrityError:
            inbox = Project.objects.get(inbox_owner_id=user.pk)
    if not Membership.objects.filter(project_id=inbox.pk, user_id=user.pk).exists():
        try:
            with transaction.atomic():
                Membership.objects.create(project_id=inbox.pk, user_id=user.pk, role=Role.OWNER)
        except IntegrityError:
            pass  # a concurrent call added it
    return inbox


def inbox_id_of(user: Any) -> str:
    """The id of the user's Inbox (one indexed query; created if missing)."""
    found = Project.objects.filter(inbox_owner_id=user.pk).values_list("pk", flat=True).first()
    return found or inbox_ensure(user=user).pk
