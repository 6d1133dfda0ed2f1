"""The trash (SPEC §12): Task.deleted_at and Task.deleted_by (null on every existing
task: nothing is in the trash yet), their indexes, and the activity actions "moved to
trash" and "restored". Schema only, so the same on every backend."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_columns'),
        ('tasks', '0009_search_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='task',
            name='deleted_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='task',
            name='deleted_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='activity',
            name='action',
            field=models.CharField(choices=[('created', 'created'), ('updated', 'updated'), ('deleted', 'deleted'), ('commented', 'commented'), ('comment_edited', 'edited a comment'), ('comment_deleted', 'deleted a comment'), ('moved', 'moved'), ('trashed', 'moved to trash'), ('restored', 'restored')], max_length=20),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['project', 'deleted_at', 'id'], name='tf_task_proj_trash'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['deleted_at'], name='tf_task_trashed'),
        ),
    ]
