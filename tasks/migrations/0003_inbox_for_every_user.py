"""Every existing user gets an Inbox project (with an owner membership) and every task
without a project moves into its creator's Inbox.

Written for backends without transactions (MongoDB): each step is idempotent, so a run
that dies half-way is finished by running it again. The unique Inbox per user
(``inbox_owner``) and the unique (project, user) membership make a repeated step a
no-op; tasks are moved with one update per user that only touches rows still without
a project. No raw SQL, no cross-relation update.
"""

from django.db import migrations
from django.utils import timezone

from taskflow.ids import new_id

INBOX_NAME = "Inbox"


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Project = apps.get_model("projects", "Project")
    Membership = apps.get_model("projects", "Membership")
    Task = apps.get_model("tasks", "Task")
    for user_id in User.objects.order_by("pk").values_list("pk", flat=True).iterator():
        inbox = Project.objects.filter(inbox_owner_id=user_id).first()
        if inbox is None:
            inbox = Project.objects.create(
                id=new_id(),
                name=INBOX_NAME,
                created_by_id=user_id,
                inbox_owner_id=user_id,
                created_at=timezone.now(),
            )
        if not Membership.objects.filter(project_id=inbox.pk, user_id=user_id).exists():
            Membership.objects.create(
                id=new_id(),
                project_id=inbox.pk,
                user_id=user_id,
                role="owner",
                created_at=timezone.now(),
            )
        Task.objects.filter(owner_id=user_id, project__isnull=True).update(project_id=inbox.pk)


def backwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Task = apps.get_model("tasks", "Task")
    inbox_ids = list(
        Project.objects.filter(inbox_owner__isnull=False).values_list("pk", flat=True)
    )
    # Detach first: deleting an Inbox would otherwise cascade to its tasks.
    Task.objects.filter(project_id__in=inbox_ids).update(project_id=None)
    Project.objects.filter(pk__in=inbox_ids).delete()


class Migration(migrations.Migration):
    # Not one transaction (MongoDB has none): every step above is safe to repeat.
    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
        ("projects", "0001_initial"),
        ("tasks", "0002_projects_comments_activity"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
