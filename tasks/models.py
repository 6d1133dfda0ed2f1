from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from taskflow.ids import new_id

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
TAG_MAX_LENGTH = 32
TAGS_MAX = 10


class Status(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Priority(models.IntegerChoices):
    # Stored as integers so that ordering by priority means low < medium < high on
    # every backend; the API and pages speak the names (see Priority.from_name).
    LOW = 1, "low"
    MEDIUM = 2, "medium"
    HIGH = 3, "high"

    @classmethod
    def from_name(cls, name: str) -> Priority:
        return cls[name.upper()]

    @property
    def api_name(self) -> str:
        return self.name.lower()


class RepeatFrom(models.TextChoices):
    DUE = "due", "the due date"
    COMPLETION = "completion", "the completion date"


REPEAT_MAX = 200


# Newest due date first with empty dates last, on PostgreSQL: (project, due_date, id)
# read forwards is "ASC NULLS LAST" but backwards "DESC NULLS FIRST", so that order
# needs an index of its own. Not in Meta: SQLite rejects NULLS in CREATE INDEX (and
# serves both orders from the index above) and MongoDB skips expression indexes;
# tasks/0015 builds it where taskflow.backends says it can.
DUE_DESC_INDEX = models.Index(
    models.F("project"),
    models.F("due_date").desc(nulls_last=True),
    models.F("id").desc(),
    name="tf_task_proj_due_desc",
)


class Task(models.Model):
    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    # Who created the task (``created_by`` in the API and filters). Kept under its first
    # name: Idempotency-Keys and tag rows are per (creator, key), as before projects.
    # Access comes from ``project`` memberships, never from this field.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="tasks")
    # A member with role >= editor (tasks.services checks it); unassigned when removed.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TODO)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    # A wall-clock time in the viewer's zone (SPEC §9); only with a due date.
    due_time = models.TimeField(null=True, blank=True)
    # An RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO"; tasks/recurrence.py checks it), and
    # whether the next occurrence counts from the due date or the completion date.
    repeat = models.CharField(max_length=REPEAT_MAX, blank=True, default="")
    repeat_from = models.CharField(
        max_length=16, choices=RepeatFrom.choices, default=RepeatFrom.DUE
    )
    # The tag list as the user wrote it (rendered without a join); TaskTag rows mirror
    # it so that "filter by tag" works on every backend (JSON __contains does not).
    tags = models.JSONField(default=list, blank=True)
    # The board (SPEC §8): the column (its category is the status) and the card's
    # sortable key inside it (tasks.positions). Set by the write path on every create,
    # status change, project change and move; null only before the first write.
    column = models.ForeignKey(
        "projects.Column", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.CharField(max_length=255, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Incremented by every write; the ETag, and the guard of every conditional update.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The checklist's "3/5" (tasks.checklists keeps them equal to the items on every
    # item write), so list rows and board cards show it without a query per row.
    checklist_total = models.PositiveIntegerField(default=0, editable=False)
    checklist_done = models.PositiveIntegerField(default=0, editable=False)
    # Idempotency-Key of the POST that created the task (cleared after 24 h by
    # prune_expired). Unique per owner, so a retried create can never insert twice.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # The trash (SPEC §12): when and by whom the task was moved there; null while it is
    # live. The permission layer hides a trashed task from every read (tasks.permissions);
    # its tags, comments, column and position stay as they were, so a restore only clears
    # these two fields. tasks.tasks.purge_trash deletes it TRASH_DAYS later.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # Lists read "tasks of my projects" (project_id IN …): each order is a range
        # read per project on one of these.
        indexes = [
            models.Index(fields=["project", "status", "created_at"], name="tf_task_proj_status"),
            models.Index(fields=["project", "created_at", "id"], name="tf_task_proj_created"),
            models.Index(fields=["project", "due_date", "id"], name="tf_task_proj_due"),
            models.Index(fields=["project", "updated_at", "id"], name="tf_task_proj_updated"),
            models.Index(fields=["project", "priority", "id"], name="tf_task_proj_priority"),
            models.Index(fields=["project", "title", "id"], name="tf_task_proj_title"),
            models.Index(fields=["assignee", "status"], name="tf_task_assignee_status"),
            models.Index(fields=["status", "completed_at"], name="tf_task_status_completed"),
            # The board reads each column in card order with (position, id) keysets.
            models.Index(fields=["column", "position", "id"], name="tf_task_column_pos"),
            # The board's card pages filter on the project too (the permission scope):
            # PostgreSQL multiplies the two selectivities, guesses a few hundred rows for
            # a column of 5,000 and sorts them all on tf_task_proj_column; this index
            # answers project, column and card order in one range read, whatever the guess.
            models.Index(
                fields=["project", "column", "position", "id"], name="tf_task_proj_column_pos"
            ),
            # The board's per-column counts (an index-only scan, grouped in index order,
            # live tasks only) and its check for unplaced tasks (column IS NULL): without
            # it both read every task row of the project (bench board: 20,000 tasks cost
            # 2.8x 100).
            models.Index(fields=["project", "column", "deleted_at"], name="tf_task_proj_column"),
            # The trash page reads "trashed tasks of my projects, newest first"; the
            # purge job reads "trashed before the cutoff" across projects. Live lists
            # keep their indexes above: `deleted_at IS NULL` is a residual filter that
            # drops only the (few, short-lived) trashed rows.
            models.Index(fields=["project", "deleted_at", "id"], name="tf_task_proj_trash"),
            models.Index(fields=["deleted_at"], name="tf_task_trashed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="tf_task_owner_idempotency_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def is_overdue(self) -> bool:
        """Past its due date, or past its due time today, in the current zone."""
        if self.due_date is None or self.status == Status.DONE:
            return False
        now = timezone.localtime()
        if self.due_date != now.date() or self.due_time is None:
            return self.due_date < now.date()
        return self.due_time < now.time().replace(microsecond=0)

    @property
    def priority_name(self) -> str:
        return Priority(self.priority).api_name

    @property
    def created_by_id(self) -> str:
        return self.owner_id


class TaskTag(models.Model):
    """One row per (task, tag): the index behind the tag filter."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="tag_links")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=TAG_MAX_LENGTH)

    class Meta:
        indexes = [models.Index(fields=["owner", "name"], name="tf_tag_owner_name")]
        constraints = [
            models.UniqueConstraint(fields=["task", "name"], name="tf_tag_task_name"),
        ]

    def __str__(self) -> str:
        return self.name


CHECKLIST_TEXT_MAX = 200
CHECKLIST_ITEMS_MAX = 100


class ChecklistItem(models.Model):
    """One item of a task's checklist (SPEC §12), ordered by ``(position, id)`` with the
    board's sortable keys (tasks.positions): reordering writes one row."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist_items")
    text = models.CharField(max_length=CHECKLIST_TEXT_MAX)
    done = models.BooleanField(default=False)
    position = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["task", "position", "id"], name="tf_checklist_task_pos")]

    def __str__(self) -> str:
        return self.text


COMMENT_MAX = 10_000


class Comment(models.Model):
    """A comment on a task: Markdown source, rendered (sanitised) by the pages."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at", "id"], name="tf_comment_task")]

    def __str__(self) -> str:
        return self.body[:40]


class Activity(models.Model):
    """One write to one task (or one of its comments): who, what (field: [old, new]),
    when. Written only by the write path (tasks.events) and comment services."""

    class Action(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        DELETED = "deleted", "deleted"
        COMMENTED = "commented", "commented"
        COMMENT_EDITED = "comment_edited", "edited a comment"
        COMMENT_DELETED = "comment_deleted", "deleted a comment"
        MOVED = "moved", "moved"
        TRASHED = "trashed", "moved to trash"
        RESTORED = "restored", "restored"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="activity"
    )
    # A plain id, not a foreign key: the history of a deleted task stays readable.
    task_id = models.CharField(max_length=26)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activity"
        indexes = [
            models.Index(fields=["task_id", "created_at", "id"], name="tf_activity_task"),
            models.Index(fields=["project", "created_at", "id"], name="tf_activity_project"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.task_id}"


SAVED_FILTER_NAME_MAX = 60
SAVED_FILTER_QUERY_MAX = 1_000


class SavedFilter(models.Model):
    """A named task-list filter of one user (the list's query string, checked by the
    list's own FilterSet when saved: tasks.saved_filters); pinned ones are in the nav.
    A user's own, never shared: another user's id answers 404."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=SAVED_FILTER_NAME_MAX)
    query = models.CharField(max_length=SAVED_FILTER_QUERY_MAX, blank=True)
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="tf_savedfilter_user_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskCount(models.Model):
    """One counter of live tasks (tasks.counters): how many tasks of ``project`` fall
    under ``kind``/``key`` ("status"/"done", "open_due"/"2026-12-03T10:00:00", ...),
    over the whole project (``holder`` "") or over those assigned to one user
    (``holder`` the user's id). Kept by the write path, so stats read a few rows per
    project however many tasks there are.

    ``holder`` is a string rather than the nullable ``assignee`` alone because NULLs
    never collide in a unique index (on any backend): the project-wide rows need a
    real value to be unique. ``assignee`` is there for the cascade: a deleted user's
    rows go with them (their tasks' assignee is set to NULL by the ORM, which changes
    no project-wide row)."""

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    # No index of its own: tf_taskcount_unique starts with the project and serves the
    # cascade. Given a narrower index on the project alone, PostgreSQL's planner read all
    # of a large project's counter rows through it (17,000 for 100,000 tasks, mostly
    # hours of done_at), filtering kind and key, where the unique index reads the range
    # (docs/performance.md "Round 11 (issue 15)").
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    holder = models.CharField(max_length=26, blank=True, default="")
    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=40, blank=True, default="")
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "holder", "kind", "key"], name="tf_taskcount_unique"
            ),
        ]
        # "Mine" reads the rows one user holds across their projects.
        indexes = [models.Index(fields=["holder", "kind", "key"], name="tf_taskcount_holder")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}={self.count}"
