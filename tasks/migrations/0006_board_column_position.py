"""The board (SPEC §8): Task.column and Task.position; every project gets the default
To do / In progress / Done columns and every task a place at the end of its status's
column.

Written for backends without transactions (MongoDB): each step is idempotent, so a run
that dies half-way is finished by running it again. The default columns have ids
derived from (project, category), as projects.columns creates them, so a repeated
insert is a no-op; tasks are placed with one update per (project, status) that only
touches rows still without a column. They share one key (the end of the column at that
moment) and sort by id among themselves; the first move between two of them
rebalances that column once (tasks.board).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import IntegrityError, migrations, models, transaction
from django.utils import timezone

from taskflow.ids import derived_id

# tasks.positions.spread_keys(3) and the default columns, copied so that later changes
# to the app code cannot change what this migration did.
DEFAULTS = (
    ("To do", "todo", "hzyzzz"),
    ("In progress", "in_progress", "hzzzzz"),
    ("Done", "done", "i00zzz"),
)
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _after(key):
    """tasks.positions.key_between(key, None) for keys this migration meets."""
    if key is None:
        return "i00000"
    value = int(key[:6], 36) + 1
    chars = []
    for _ in range(6):
        value, index = divmod(value, 36)
        chars.append(DIGITS[index])
    return "".join(reversed(chars))


def forwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Column = apps.get_model("projects", "Column")
    Task = apps.get_model("tasks", "Task")
    for project_id in Project.objects.order_by("pk").values_list("pk", flat=True).iterator():
        if not Column.objects.filter(project_id=project_id).exists():
            for name, category, key in DEFAULTS:
                try:
                    with transaction.atomic():
                        Column.objects.create(
                            id=derived_id("projects.column", project_id, category),
                            project_id=project_id,
                            name=name,
                            category=category,
                            position=key,
                            created_at=timezone.now(),
                        )
                except IntegrityError:
                    pass
        for status in ("todo", "in_progress", "done"):
            if not Task.objects.filter(
                project_id=project_id, status=status, column__isnull=True
            ).exists():
                continue
            column = (
                Column.objects.filter(project_id=project_id, category=status)
                .order_by("position", "id")
                .first()
            )
            last = (
                Task.objects.filter(column_id=column.pk)
                .order_by("-position", "-id")
                .values_list("position", flat=True)
                .first()
            )
            Task.objects.filter(project_id=project_id, status=status, column__isnull=True).update(
                column_id=column.pk, position=_after(last)
            )


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_columns'),
        ('tasks', '0005_due_time_repeat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='task',
            name='column',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='projects.column'),
        ),
        migrations.AddField(
            model_name='task',
            name='position',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AlterField(
            model_name='activity',
            name='action',
            field=models.CharField(choices=[('created', 'created'), ('updated', 'updated'), ('deleted', 'deleted'), ('commented', 'commented'), ('comment_edited', 'edited a comment'), ('comment_deleted', 'deleted a comment'), ('moved', 'moved')], max_length=20),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['column', 'position', 'id'], name='tf_task_column_pos'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
