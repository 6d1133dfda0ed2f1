"""An index for every list order (docs/performance.md "Every ordering at 100,000
tasks"): (project, priority, id) and (project, title, id) on every backend, and on
PostgreSQL (project, due_date DESC NULLS LAST, id DESC) for newest-due-first
(tasks.models.DUE_DESC_INDEX says why it is not in Meta)."""

from django.conf import settings
from django.db import migrations, models

from taskflow import backends
from tasks.models import DUE_DESC_INDEX


def add_due_desc(apps, schema_editor):
    if backends.builds_nulls_last_indexes(schema_editor.connection):
        schema_editor.add_index(apps.get_model("tasks", "Task"), DUE_DESC_INDEX)


def remove_due_desc(apps, schema_editor):
    if backends.builds_nulls_last_indexes(schema_editor.connection):
        schema_editor.remove_index(apps.get_model("tasks", "Task"), DUE_DESC_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_columns"),
        ("tasks", "0014_task_counters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["project", "priority", "id"], name="tf_task_proj_priority"),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["project", "title", "id"], name="tf_task_proj_title"),
        ),
        migrations.RunPython(add_due_desc, remove_due_desc),
    ]
