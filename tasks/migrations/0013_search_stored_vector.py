"""PostgreSQL's search reads a stored tsvector column (filled by a trigger, with a GIN
index) instead of 0009's expression index, so relevance order no longer computes each
match's vector again. The SQL lives in tasks/search_backends.py; SQLite's and MongoDB's
indexes are unchanged. The reverse keeps the column: the model never reads it, and
0009's reverse removes everything."""

from django.db import migrations

from tasks import search_backends


def forwards(apps, schema_editor):
    search_backends.upgrade(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0012_savedfilter")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
