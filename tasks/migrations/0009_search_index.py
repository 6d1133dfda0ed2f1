"""The full-text index of task titles and descriptions, each backend's own (SQLite FTS5
with triggers, a PostgreSQL GIN expression index, a MongoDB text index), built and
filled from the existing tasks. The SQL lives in tasks/search_backends.py, the one
module where the backends differ for search; this migration only calls it."""

from django.db import migrations

from tasks import search_backends


def forwards(apps, schema_editor):
    search_backends.install(schema_editor.connection)


def backwards(apps, schema_editor):
    search_backends.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0008_checklist")]

    operations = [migrations.RunPython(forwards, backwards)]
