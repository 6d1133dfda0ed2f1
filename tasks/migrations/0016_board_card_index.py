"""The board's card pages (project, column, position, id) in one range read on every
backend (docs/performance.md "A project's pages": a 20,000-task board sorted thousands
of rows per column on PostgreSQL's misestimate)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_columns"),
        ("tasks", "0015_task_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["project", "column", "position", "id"], name="tf_task_proj_column_pos"
            ),
        ),
    ]
