"""Projects, memberships and invitations (SPEC §7).

A task belongs to exactly one project; who may read or change it is the caller's
membership role in that project (``projects.roles``). Every user has one personal
Inbox project (``inbox_owner`` set, unique), which cannot be shared, archived or
deleted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects import membership_cache
from taskflow.ids import new_id

NAME_MAX = 100
DESCRIPTION_MAX = 2_000
INBOX_NAME = "Inbox"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# owner > admin > editor > viewer
RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3, Role.OWNER: 4}


def roles_at_least(role: str) -> list[str]:
    """Every role ranked at or above ``role`` (for ``role__in`` filters)."""
    return [name for name, rank in RANK.items() if rank >= RANK[Role(role)]]


class ProjectQuerySet(models.QuerySet["Project"]):
    def update(self, **kwargs: Any) -> int:
        # save() and delete() send signals; an update() does not, and the members'
        # cached switcher rows (projects.membership_cache) must hear of a rename or an
        # archive. Other fields are not cached: no query for them.
        if not membership_cache.PROJECT_FIELDS.intersection(kwargs):
            return super().update(**kwargs)
        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        membership_cache.projects_changed(ids)
        return count


class MembershipQuerySet(models.QuerySet["Membership"]):
    # save() and delete() (cascades included) send signals; these do not, and the
    # users' cached memberships (projects.membership_cache) must hear of every write.
    def update(self, **kwargs: Any) -> int:
        users = set(self.values_list("user_id", flat=True))
        count = super().update(**kwargs)
        moved_to = kwargs.get("user_id", kwargs.get("user"))
        membership_cache.changed([*users, getattr(moved_to, "pk", moved_to)])
        return count

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Membership]:
        created = super().bulk_create(objs, *args, **kwargs)
        membership_cache.changed(m.user_id for m in created)
        return created


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    # SET_NULL: a shared project outlives its creator (ownership is a Membership role).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set only on a user's personal Inbox. Unique (several NULLs are allowed on every
    # backend), so "one Inbox per user" holds under races and a re-run migration.
    inbox_owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="inbox",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    archived = models.BooleanField(default=False)
    # Incremented by every write; the ETag and the guard of conditional updates.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_inbox(self) -> bool:
        return self.inbox_owner_id is not None

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class Membership(models.Model):
    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # visible_tasks: project ids of one user (and role for editable_tasks).
            models.Index(fields=["user", "role", "project"], name="tf_member_user_role"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="tf_member_project_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id} ({self.role})"

    @property
    def rank(self) -> int:
        return RANK[Role(self.role)]


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    # Stored lower-cased (as User.email): the unique (project, email) pair is what makes
    # a re-invite update the one row instead of adding another.
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Part of the signed link; a re-invite draws a new one, so older links stop working.
    nonce = models.CharField(max_length=26, default=new_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email", "status", "created_at"], name="tf_invite_email_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "email"], name="tf_invite_project_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.project_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


class ColumnCategory(models.TextChoices):
    # The same values as tasks.models.Status: a task's status is its column's category.
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


COLUMN_NAME_MAX = 60
# The columns every project starts with (SPEC §8), in board order.
DEFAULT_COLUMNS = (
    ("To do", ColumnCategory.TODO),
    ("In progress", ColumnCategory.IN_PROGRESS),
    ("Done", ColumnCategory.DONE),
)


class Column(models.Model):
    """A board column (SPEC §8). Ordered by ``position`` (a tasks.positions key); the
    category is the status of every task in it. The default three have derived ids
    (projects.columns), so creating them twice at once inserts them once."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=COLUMN_NAME_MAX)
    position = models.CharField(max_length=255)
    category = models.CharField(max_length=16, choices=ColumnCategory.choices)
    # Optional; exceeding it warns (the board marks the column), it never refuses.
    wip_limit = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["project", "position", "id"], name="tf_column_project_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.category})"
