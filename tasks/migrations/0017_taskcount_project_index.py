"""The stats counters' project without an index of its own: the unique index
(project, holder, kind, key) serves the cascade and every read; given the narrower one,
PostgreSQL read a large project's counter rows through it and filtered kind and key
(docs/performance.md "Round 11 (issue 15)")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_columns"),
        ("tasks", "0016_board_card_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="taskcount",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.project",
            ),
        ),
    ]
