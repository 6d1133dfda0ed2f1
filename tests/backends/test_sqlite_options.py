"""The options every SQLite connection of the embedded mode opens with
(taskflow.backends.database_config)."""

from __future__ import annotations

from django.db.utils import ConnectionHandler

from taskflow import backends


def test_sqlite_connections_open_in_wal_with_the_file_memory_mapped(tmp_path, django_db_blocker):
    # A database of its own, in a file (an in-memory database maps nothing).
    url = f"sqlite:///{tmp_path}/t.db"
    connection = ConnectionHandler({"default": backends.database_config(url)})["default"]
    with django_db_blocker.unblock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone() == ("wal",)
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone() == (1,)  # NORMAL
                cursor.execute("PRAGMA mmap_size")
                assert cursor.fetchone() == (backends.SQLITE_MMAP_BYTES,)
        finally:
            connection.close()
